"""`flowc deploy --target argo`: upload the code package, then create or replace each manifest.

Manifests are created when absent and replaced (with the live object's resourceVersion, which
Kubernetes requires to update a custom resource) when present; a CronWorkflow left by an earlier
deploy of a flow that no longer has @schedule is deleted. `kubectl apply` is not used: it copies the
whole object into an annotation capped at 256 KiB, which a large flow's template exceeds. An object
whose `flowc.dev/deployment` annotation names another deployment is never replaced.

`dry_run` prints the plan and changes nothing: with a reachable cluster, what would be created or
replaced and the difference from the live objects; without one (no client, no kubeconfig, an API
server that does not answer), an offline plan with the manifests.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping, Sequence
from typing import IO, Any

from flowc.cloud import USAGE, CloudError
from flowc.ir import Flow
from flowc.target_api import TargetResult

from . import dump, load_manifests
from .cluster import Cluster, offline_reason
from .lower import ANNOTATION
from .settings import DATASTORE_PARAMETER

DEPLOYMENT = f"{ANNOTATION}/deployment"
CODE_PACKAGE = f"{ANNOTATION}/code-package"


def datastore_of(docs: Sequence[dict[str, Any]]) -> str | None:
    """The datastore bound into the WorkflowTemplate (its parameter's default, decoded), or None."""
    from flowc.runner.command import decode_value

    for p in docs[0]["spec"].get("arguments", {}).get("parameters", []):
        if p["name"] == DATASTORE_PARAMETER and "value" in p:
            return decode_value(p["value"])
    return None


def upload_code(flow: Flow, docs: Sequence[dict[str, Any]], dry_run: bool) -> str:
    """Put the flow's deployable code package in the bound datastore; returns what happened.

    Raises CloudError when no datastore is bound or the source changed since compiling (the tasks
    would then run other code than the manifests were made from)."""
    from flowc.datastore import layout
    from flowc.datastore.package import build_code_package, publish
    from flowc.datastore.store import FlowDatastore

    datastore = datastore_of(docs)
    want = docs[0]["metadata"]["annotations"][CODE_PACKAGE]
    if datastore is None:
        raise CloudError(
            "deploying needs a datastore: pass --datastore s3://bucket/prefix, set FLOWC_DATASTORE, or put "
            "datastore = ... in flowc.toml",
            USAGE,
        )
    if dry_run:
        return f"upload code package {want} to {datastore} (unless it is there)"
    package = build_code_package(flow, flow.file)
    if package.id != want:
        raise CloudError(f"the code package is {package.id}, the manifests expect {want}: compile again")
    store = FlowDatastore.open(datastore, flow.name)
    where = store.storage.url(layout.code_key(flow.name, package.id))
    return f"uploaded code package {where}" if publish(store, package) else f"code package {where} is there already"


def _owner_problem(live: dict[str, Any], doc: dict[str, Any]) -> str | None:
    owner = live.get("metadata", {}).get("annotations", {}).get(DEPLOYMENT)
    mine = doc["metadata"]["annotations"][DEPLOYMENT]
    if owner is not None and owner != mine:
        return f"{doc['kind']} {doc['metadata']['name']} belongs to {owner}, not {mine}; give this one another --name"
    return None


def _comparable(doc: dict[str, Any]) -> dict[str, Any]:
    meta = doc.get("metadata", {})
    return {
        "metadata": {k: meta.get(k) for k in ("name", "annotations", "labels") if meta.get(k) is not None},
        "spec": doc.get("spec"),
    }


def _diff(live: dict[str, Any], doc: dict[str, Any]) -> str:
    old = dump(_comparable(live)).splitlines(keepends=True)
    new = dump(_comparable(doc)).splitlines(keepends=True)
    name = f"{doc['kind']} {doc['metadata']['name']}"
    return "".join(difflib.unified_diff(old, new, f"deployed {name}", f"compiled {name}"))


def apply(flow: Flow, docs: Sequence[dict[str, Any]], cluster: Cluster, out: IO[str], dry_run: bool = False) -> None:
    """Create or replace each manifest (the WorkflowTemplate first: the CronWorkflow refers to it)."""
    print(upload_code(flow, docs, dry_run), file=out)
    verb = "would " if dry_run else ""
    for doc in docs:
        ns = doc["metadata"].get("namespace")
        kind, name = doc["kind"], doc["metadata"]["name"]
        live = cluster.get(kind, name, ns)
        where = f"in namespace {cluster.namespace_of(ns)}"
        if live is None:
            if not dry_run:
                cluster.create(doc, ns)
            print(f"{verb}{'create' if dry_run else 'created'} {kind} {name} {where}", file=out)
            continue
        problem = _owner_problem(live, doc)
        if problem:
            raise CloudError(problem, USAGE)
        diff = _diff(live, doc)
        if not diff:
            print(f"{kind} {name} {where} is up to date", file=out)
            continue
        if dry_run:
            print(f"would replace {kind} {name} {where}:", file=out)
            out.write(diff)
            continue
        replacement = copy.deepcopy(doc)
        replacement["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
        cluster.replace(replacement, ns)
        print(f"replaced {kind} {name} {where}", file=out)
    _drop_stale_cron(docs, cluster, out, dry_run)


def _drop_stale_cron(docs: Sequence[dict[str, Any]], cluster: Cluster, out: IO[str], dry_run: bool) -> None:
    """A flow that lost its @schedule: delete the CronWorkflow an earlier deploy made for it."""
    if any(d["kind"] == "CronWorkflow" for d in docs):
        return
    template = docs[0]
    ns = template["metadata"].get("namespace")
    mine = template["metadata"]["annotations"][DEPLOYMENT]
    for cron in cluster.list("CronWorkflow", ns):
        meta = cron.get("metadata", {})
        ref = cron.get("spec", {}).get("workflowSpec", {}).get("workflowTemplateRef", {}).get("name")
        if ref == template["metadata"]["name"] and meta.get("annotations", {}).get(DEPLOYMENT) == mine:
            if not dry_run:
                cluster.delete("CronWorkflow", meta["name"], ns)
            verb = "would delete" if dry_run else "deleted"
            print(f"{verb} CronWorkflow {meta['name']} (the flow has no @schedule any more)", file=out)


def offline_plan(docs: Sequence[dict[str, Any]], why: str) -> list[str]:
    code = docs[0]["metadata"]["annotations"][CODE_PACKAGE]
    datastore = datastore_of(docs)
    lines = [f"offline plan ({why}): what exists on the cluster is not known"]
    if datastore is None:
        lines.append("no datastore is bound: deploying needs --datastore s3://bucket/prefix (or FLOWC_DATASTORE)")
    else:
        lines.append(f"upload code package {code} to {datastore} (unless it is there)")
    for d in docs:
        where = d["metadata"].get("namespace") or "the kubeconfig's namespace"
        lines.append(f"create or replace {d['kind']} {d['metadata']['name']} in {where}")
    return lines


def deploy(flow: Flow, result: TargetResult, options: Mapping[str, Any], out: IO[str]) -> int:
    docs = load_manifests(result)
    dry_run = bool(options.get("dry_run"))
    why = offline_reason(options) if dry_run else None
    if why is None:
        cluster = Cluster.connect(options)
        try:
            apply(flow, docs, cluster, out, dry_run)
        except CloudError as exc:
            if not (dry_run and str(exc).startswith("cannot reach")):
                raise
            why = str(exc)
    if why is not None:
        for line in offline_plan(docs, why):
            plain = line.startswith(("offline", "no datastore"))
            print(f"# {line}" if plain else f"# would {line}", file=out)
        print("---\n".join(dump(d) for d in docs), end="", file=out)
    if dry_run:
        print("dry run: nothing changed", file=out)
    return 0
