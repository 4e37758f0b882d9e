"""Arguments of Metaflow's decorators that flowc accepts but does not apply, each with why.

They say how Metaflow's own platform runs a task (a Kubernetes namespace, a Batch queue, a card's
id): settings of the cluster or orchestrator a deployed flow runs on, which flowc's targets take
from their own configuration. A flow that uses them still checks and compiles; each is a warning
(FC309) saying what takes its place, so nothing is dropped silently.
"""

from __future__ import annotations

_CLUSTER = "set by the cluster a deployed task runs on (the target's own configuration), not by flowc"
_TMPFS = "tasks use the container's own disk; flowc does not mount a tmpfs"

NOT_APPLIED: dict[str, dict[str, str]] = {
    "kubernetes": {
        "image_pull_policy": _CLUSTER,
        "image_pull_secrets": _CLUSTER,
        "service_account": _CLUSTER,
        "secrets": "give secrets through the environment (@environment, or the target's configuration)",
        "node_selector": _CLUSTER,
        "namespace": "the namespace is the target's option (flowc compile --target argo --namespace ...)",
        "gpu_vendor": _CLUSTER,
        "tolerations": _CLUSTER,
        "labels": _CLUSTER,
        "annotations": _CLUSTER,
        "use_tmpfs": _TMPFS,
        "tmpfs_tempdir": _TMPFS,
        "tmpfs_size": _TMPFS,
        "tmpfs_path": _TMPFS,
        "persistent_volume_claims": _CLUSTER,
        "shared_memory": _CLUSTER,
        "port": _CLUSTER,
        "compute_pool": _CLUSTER,
        "hostname_resolution_timeout": _CLUSTER,
        "qos": _CLUSTER,
        "extended_resources": _CLUSTER,
        "security_context": _CLUSTER,
    },
    "batch": {
        "queue": _CLUSTER,
        "iam_role": _CLUSTER,
        "execution_role": _CLUSTER,
        "shared_memory": _CLUSTER,
        "max_swap": _CLUSTER,
        "swappiness": _CLUSTER,
        "inferentia": _CLUSTER,
        "trainium": _CLUSTER,
        "efa": _CLUSTER,
        "host_volumes": _CLUSTER,
        "efs_volumes": _CLUSTER,
        "use_tmpfs": _TMPFS,
        "aws_batch_tags": _CLUSTER,
        "tmpfs_tempdir": _TMPFS,
        "tmpfs_size": _TMPFS,
        "tmpfs_path": _TMPFS,
        "ephemeral_storage": _CLUSTER,
        "log_driver": _CLUSTER,
        "log_options": _CLUSTER,
        "privileged": _CLUSTER,
    },
    "resources": {"shared_memory": _CLUSTER},
    "card": {
        "id": "flowc makes one default card per task; view it with flowc card view",
        "options": "the default card takes no options",
        "timeout": "the default card is made after the task, with no time limit",
        "save_errors": "a card that cannot be made is a line in the task's log, never a failed task",
        "refresh_interval": "the default card is made once, after the task",
        "customize": "the default card is made once, after the task",
        "scope": "the default card is made once, after the task",
        "rank": "flowc makes one default card per task",
    },
}
