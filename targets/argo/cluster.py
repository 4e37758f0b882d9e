"""The Kubernetes API, through the official Python client, for Argo's custom resources: what deploy,
trigger, status and delete share. Never imported by the compiler.

`pip install flowc[kubernetes]` provides the client. It reads the kubeconfig as kubectl does
($KUBECONFIG, ~/.kube/config; `--kube-context` picks a context) or, inside a pod, the service
account. `offline_reason` says why the cluster cannot be asked anything, so that a dry run plans
offline instead of failing. Every error becomes one line (`flowc.cloud`), naming what is missing: a
namespace, Argo's CRDs, a permission, an API server that does not answer.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flowc.cloud import USAGE, CloudError, explain
from flowc.target_api import TargetOption

GROUP, VERSION = "argoproj.io", "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
PLURALS = {"WorkflowTemplate": "workflowtemplates", "CronWorkflow": "cronworkflows", "Workflow": "workflows"}
# The label Argo's own server and CLI put on a workflow submitted from a template.
TEMPLATE_LABEL = "workflows.argoproj.io/workflow-template"
INSTALL_HINT = "the Kubernetes client is not installed: pip install 'flowc[kubernetes]'"

DEPLOY_OPTIONS: tuple[TargetOption, ...] = (
    TargetOption(
        "kube-context", "the kubeconfig context (default: the current one; KUBECONFIG picks the file)", environment=True
    ),
)


def offline_reason(options: Mapping[str, Any]) -> str | None:
    """Why the cluster cannot be reached from here (no client, no kubeconfig), or None."""
    import importlib.util

    if importlib.util.find_spec("kubernetes") is None:
        return INSTALL_HINT
    try:
        Cluster.connect(options)
    except CloudError as exc:
        return str(exc)
    return None


@dataclass
class Cluster:
    """Argo's custom objects in one cluster, through the client's CustomObjectsApi."""

    api: Any
    default_namespace: str

    @classmethod
    def connect(cls, options: Mapping[str, Any]) -> Cluster:
        try:
            from kubernetes import client, config
        except ImportError:
            raise CloudError(INSTALL_HINT, USAGE) from None
        context = options.get("kube_context") or None
        # Read $KUBECONFIG now: the client reads it once, when first imported.
        path = os.environ.get("KUBECONFIG") or "~/.kube/config"
        try:
            api_client = config.new_client_from_config(config_file=path, context=context)
            contexts, active = config.list_kube_config_contexts(config_file=path)
            if context:
                active = next((c for c in contexts if c.get("name") == context), active)
            namespace = (active or {}).get("context", {}).get("namespace") or "default"
        except config.ConfigException as kube_error:
            try:
                config.load_incluster_config()
            except config.ConfigException:
                raise explain(kube_error) from None
            api_client = client.ApiClient()
            with open("/var/run/secrets/kubernetes.io/serviceaccount/namespace") as fh:
                namespace = fh.read().strip() or "default"
        # Fail fast on an API server that does not answer, rather than after urllib3's retries.
        api_client.configuration.retries = 0
        return cls(client.CustomObjectsApi(api_client), namespace)

    def _where(self, kind: str, namespace: str | None) -> dict[str, str]:
        return {
            "group": GROUP,
            "version": VERSION,
            "namespace": namespace or self.default_namespace,
            "plural": PLURALS[kind],
        }

    def _call(self, what: str, kind: str, namespace: str | None, fn: Any, **kwargs: Any) -> Any:
        where = self._where(kind, namespace)
        try:
            return fn(**where, **kwargs)
        except Exception as exc:
            raise _explain(exc, what, kind, where["namespace"]) from None

    def get(self, kind: str, name: str, namespace: str | None) -> dict[str, Any] | None:
        """The live object, or None when there is none (a missing CRD is an error, not None)."""
        try:
            live: dict[str, Any] = self._call(
                f"reading {kind} {name}", kind, namespace, self.api.get_namespaced_custom_object, name=name
            )
        except _Absent:
            return None
        return live

    def create(self, doc: dict[str, Any], namespace: str | None) -> dict[str, Any]:
        kind = doc["kind"]
        made: dict[str, Any] = self._call(
            f"creating {kind}", kind, namespace, self.api.create_namespaced_custom_object, body=doc
        )
        return made

    def replace(self, doc: dict[str, Any], namespace: str | None) -> None:
        kind, name = doc["kind"], doc["metadata"]["name"]
        self._call(
            f"replacing {kind} {name}",
            kind,
            namespace,
            self.api.replace_namespaced_custom_object,
            name=name,
            body=doc,
        )

    def delete(self, kind: str, name: str, namespace: str | None) -> None:
        self._call(f"deleting {kind} {name}", kind, namespace, self.api.delete_namespaced_custom_object, name=name)

    def list(self, kind: str, namespace: str | None, label_selector: str = "") -> list[dict[str, Any]]:
        found = self._call(
            f"listing {kind}s",
            kind,
            namespace,
            self.api.list_namespaced_custom_object,
            label_selector=label_selector,
        )
        items: list[dict[str, Any]] = found.get("items", [])
        return items

    def namespace_of(self, namespace: str | None) -> str:
        return namespace or self.default_namespace


class _Absent(CloudError):
    """An object that is not there (404 for the object itself, not for its kind or namespace)."""


def _explain(exc: BaseException, what: str, kind: str, namespace: str) -> CloudError:
    from flowc.cloud import is_connection_error

    if is_connection_error(exc):
        reason = getattr(exc, "reason", None) or exc
        return CloudError(f"cannot reach the Kubernetes API server ({what}): {str(reason).splitlines()[0][:200]}")
    status = getattr(exc, "status", None)
    if "ApiException" in {c.__name__ for c in type(exc).__mro__} and status == 404:
        body = getattr(exc, "body", None) or ""
        try:
            data = json.loads(body)
        except (ValueError, TypeError):
            data = None
        if not isinstance(data, dict) or data.get("kind") != "Status":
            return CloudError(
                f"{what}: the cluster does not serve {PLURALS[kind]}.{GROUP}/{VERSION}: install Argo Workflows "
                "(its CRDs) there, or pick another cluster with --kube-context"
            )
        details = data.get("details") or {}
        if details.get("kind") == "namespaces":
            return CloudError(
                f"{what}: there is no namespace {details.get('name')!r}: create it, or pass another --namespace"
            )
        return _Absent(f"{what}: not found in namespace {namespace}")
    return explain(exc, f"{what} in namespace {namespace}")
