"""`flowc deploy --target argo`: upload the code package, then create or replace each manifest.

Manifests are created when absent and replaced (with the live object's resourceVersion, which
Kubernetes requires to update a custom resource) when present. `kubectl apply` is not used: it copies
the whole object into an annotation capped at 256 KiB, which a large flow's template exceeds.

Two ways to reach the cluster: the Kubernetes Python client (`pip install flowc[kubernetes]`) or the
`kubectl` on PATH (`--kubectl`, or when the client is not installed). `--dry-run` prints the plan and
the manifests and changes nothing. Compiling decided everything; this module only applies it.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any, Protocol

from flowc.ir import Flow
from flowc.target_api import TargetResult

from . import dump, load_manifests
from .lower import ANNOTATION

GROUP, VERSION = "argoproj.io", "v1alpha1"
PLURALS = {"WorkflowTemplate": "workflowtemplates", "CronWorkflow": "cronworkflows"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--kubectl",
        metavar="PATH",
        nargs="?",
        const="kubectl",
        help="apply with this kubectl (default: the Kubernetes Python client when installed, else kubectl)",
    )
    p.add_argument("--context", help="the kubeconfig context to use (default: the current one)")


class Cluster(Protocol):
    def resource_version(self, kind: str, name: str, namespace: str | None) -> str | None: ...

    def create(self, manifest: dict[str, Any], namespace: str | None) -> None: ...

    def replace(self, manifest: dict[str, Any], namespace: str | None) -> None: ...


class DeployError(Exception):
    pass


@dataclass
class Kubectl:
    """The cluster through a kubectl binary: every call is an argv, never a shell string."""

    executable: str = "kubectl"
    context: str | None = None

    def argv(self, *args: str, namespace: str | None = None) -> list[str]:
        out = [self.executable]
        if self.context:
            out += ["--context", self.context]
        if namespace:
            out += ["--namespace", namespace]
        return [*out, *args]

    def _run(self, argv: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
        except FileNotFoundError:
            raise DeployError(f"{self.executable!r} was not found; install kubectl or flowc[kubernetes]") from None

    def resource_version(self, kind: str, name: str, namespace: str | None) -> str | None:
        argv = self.argv(
            "get", f"{PLURALS[kind]}.{GROUP}", name, "--ignore-not-found", "-o", "json", namespace=namespace
        )
        proc = self._run(argv)
        if proc.returncode != 0:
            raise DeployError(f"kubectl get {kind} {name} failed: {proc.stderr.strip()}")
        if not proc.stdout.strip():
            return None
        return str(json.loads(proc.stdout)["metadata"]["resourceVersion"])

    def _apply(self, verb: str, manifest: dict[str, Any], namespace: str | None) -> None:
        proc = self._run(self.argv(verb, "-f", "-", namespace=namespace), stdin=json.dumps(manifest))
        if proc.returncode != 0:
            name = manifest["metadata"]["name"]
            raise DeployError(f"kubectl {verb} {manifest['kind']} {name} failed: {proc.stderr.strip()}")

    def create(self, manifest: dict[str, Any], namespace: str | None) -> None:
        self._apply("create", manifest, namespace)

    def replace(self, manifest: dict[str, Any], namespace: str | None) -> None:
        self._apply("replace", manifest, namespace)


class KubernetesClient:
    """The cluster through the Kubernetes Python client (CustomObjectsApi)."""

    def __init__(self, context: str | None = None) -> None:
        from kubernetes import client, config

        try:
            config.load_kube_config(context=context)
            _, active = config.list_kube_config_contexts()
            self.default_namespace = (active or {}).get("context", {}).get("namespace", "default")
        except config.ConfigException:
            config.load_incluster_config()
            self.default_namespace = "default"
        self.api = client.CustomObjectsApi()
        self.api_exception = client.ApiException

    def _where(self, kind: str, namespace: str | None) -> dict[str, str]:
        return {
            "group": GROUP,
            "version": VERSION,
            "namespace": namespace or self.default_namespace,
            "plural": PLURALS[kind],
        }

    def resource_version(self, kind: str, name: str, namespace: str | None) -> str | None:
        try:
            live = self.api.get_namespaced_custom_object(name=name, **self._where(kind, namespace))
        except self.api_exception as exc:
            if exc.status == 404:
                return None
            raise DeployError(f"reading {kind} {name} failed: {exc.reason}") from None
        return str(live["metadata"]["resourceVersion"])

    def create(self, manifest: dict[str, Any], namespace: str | None) -> None:
        self.api.create_namespaced_custom_object(body=manifest, **self._where(manifest["kind"], namespace))

    def replace(self, manifest: dict[str, Any], namespace: str | None) -> None:
        name = manifest["metadata"]["name"]
        self.api.replace_namespaced_custom_object(name=name, body=manifest, **self._where(manifest["kind"], namespace))


def connect(args: argparse.Namespace) -> Cluster:
    kubectl = getattr(args, "kubectl", None)
    context = getattr(args, "context", None)
    if kubectl is None and importlib.util.find_spec("kubernetes") is not None:
        return KubernetesClient(context)
    executable = kubectl or "kubectl"
    return Kubectl(shutil.which(executable) or executable, context)


def upload_code(flow: Flow, manifest: dict[str, Any]) -> tuple[str, bool]:
    """Put the flow's code package where the manifest's tasks will look for it.

    Returns (where, written). Raises DeployError when the source changed since compiling, as the
    tasks would then run other code than the manifests were made from.
    """
    from flowc.datastore import layout
    from flowc.datastore.package import build_code_package
    from flowc.datastore.store import FlowDatastore

    annotations = manifest["metadata"]["annotations"]
    want, datastore = annotations[f"{ANNOTATION}/code-package"], annotations[f"{ANNOTATION}/datastore"]
    package = build_code_package(flow, flow.file)
    if package.id != want:
        raise DeployError(f"the code package is {package.id}, the manifests expect {want}: compile again")
    store = FlowDatastore.open(datastore, flow.name)
    written = store.put_code(package.id, package.data)
    return store.storage.url(layout.code_key(flow.name, package.id)), written


def plan(docs: Sequence[dict[str, Any]]) -> list[str]:
    annotations = docs[0]["metadata"]["annotations"]
    code, datastore = annotations[f"{ANNOTATION}/code-package"], annotations[f"{ANNOTATION}/datastore"]
    lines = [f"upload code package {code} to {datastore} (unless it is there)"]
    for d in docs:
        where = d["metadata"].get("namespace") or "the current namespace"
        lines.append(f"create or replace {d['kind']} {d['metadata']['name']} in {where}")
    return lines


def apply(flow: Flow, docs: Sequence[dict[str, Any]], cluster: Cluster, out: IO[str]) -> None:
    where, written = upload_code(flow, docs[0])
    print(f"{'uploaded' if written else 'already there:'} code package {where}", file=out)
    # The template first: the CronWorkflow refers to it.
    for doc in docs:
        ns = doc["metadata"].get("namespace")
        kind, name = doc["kind"], doc["metadata"]["name"]
        version = cluster.resource_version(kind, name, ns)
        if version is None:
            cluster.create(doc, ns)
            print(f"created {kind} {name}", file=out)
        else:
            live = copy.deepcopy(doc)
            live["metadata"]["resourceVersion"] = version
            cluster.replace(live, ns)
            print(f"replaced {kind} {name}", file=out)


def deploy(flow: Flow, result: TargetResult, args: argparse.Namespace, out: IO[str]) -> int:
    docs = load_manifests(result)
    if getattr(args, "dry_run", False):
        for line in plan(docs):
            print(f"# would {line}", file=out)
        print("---\n".join(dump(d) for d in docs), end="", file=out)
        return 0
    try:
        apply(flow, docs, connect(args), out)
    except DeployError as exc:
        print(f"flowc deploy: {exc}", file=out)
        return 1
    return 0
