"""Shared pieces of the Argo target's tests: compiling flows, and Argo's published schemas.

Argo's published JSON schemas and its example manifests are in `data/` (gzipped; see
data/README.md for where they come from), so these tests run on a fresh clone.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import sys
import tarfile
from pathlib import Path
from typing import Any

import yaml
from flowc.targets.argo import ArgoTarget, load_manifests

from flowc.compiler import analyze
from flowc.ir import Flow
from flowc.target_api import TargetResult

DATA = Path(__file__).parent / "data"
SCHEMA_FILES = {"3.5": "schema-v3.5.14.json.gz", "3.7": "schema-v3.7.18.json.gz", "4": "schema-v4.json.gz"}
UPSTREAM_EXAMPLES = DATA / "upstream-examples.tar.gz"
# What the tests run tasks with: this interpreter's flowc, whatever is on PATH.
EXECUTABLE = (sys.executable, "-m", "flowc")


@functools.cache
def published_schema(version: str) -> dict[str, Any]:
    from flowc.targets.argo import schema

    return schema.strict(json.loads(gzip.decompress((DATA / SCHEMA_FILES[version]).read_bytes())))


def upstream_example_files() -> list[tuple[str, str]]:
    """(file name, text) of every example manifest from Argo's repository, sorted by name."""
    out = []
    with tarfile.open(fileobj=io.BytesIO(UPSTREAM_EXAMPLES.read_bytes()), mode="r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.endswith(".yaml"):
                f = tar.extractfile(member)
                assert f is not None
                out.append((Path(member.name).name, f.read().decode("utf-8")))
    return sorted(out)


def load_flow(path: Path) -> Flow:
    analysis = analyze(path)
    assert analysis.flow is not None, analysis.diagnostics
    return analysis.flow


def compile_argo(flow: Flow, **options: Any) -> TargetResult:
    opts = {o.dest: o.default for o in ArgoTarget().options()}
    opts["datastore"] = "s3://flowc-test/datastore"
    opts.update(options)
    return ArgoTarget().compile(flow, opts)


def manifests(flow: Flow, **options: Any) -> list[dict[str, Any]]:
    result = compile_argo(flow, **options)
    errors = [d for d in result.diagnostics if d.severity.value == "error"]
    assert not errors, errors
    return load_manifests(result)


def workflow_template(flow: Flow, **options: Any) -> dict[str, Any]:
    return manifests(flow, **options)[0]


def dag_tasks(wt: dict[str, Any], template: str = "main") -> dict[str, dict[str, Any]]:
    t = next(t for t in wt["spec"]["templates"] if t["name"] == template)
    return {task["name"]: task for task in t["dag"]["tasks"]}


def template(wt: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in wt["spec"]["templates"] if t["name"] == name)


def yaml_docs(text: str) -> list[Any]:
    return list(yaml.safe_load_all(text))


def run_flow(
    path: Path, tmp_path: Path, parameters: dict[str, Any] | None = None, **interpreter: Any
) -> tuple[Any, Any]:
    """Compile `path`, upload its code package (as `flowc deploy` does) and run the WorkflowTemplate on
    the test interpreter, each task through the real runner on a local datastore. Parameters that are
    not strings go in as JSON, as `argo submit -p` takes them. Returns the run and the datastore."""
    import json

    from flowc.targets.argo import deploy

    from flowc.datastore.store import FlowDatastore
    from tests.targets.argo.interpreter import Interpreter

    flow = load_flow(path)
    datastore = str(tmp_path / "datastore")
    docs = manifests(flow, datastore=datastore, executable=EXECUTABLE)
    deploy.upload_code(flow, docs, dry_run=False)
    workdir = tmp_path / "pods"
    workdir.mkdir()
    given = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (parameters or {}).items()}
    run = Interpreter(docs[0], workdir, **interpreter).submit("wf-test", given)
    return run, FlowDatastore.open(datastore, flow.name)


def assert_outcome(run: Any, store: Any, want: dict[str, Any]) -> None:
    """The run ended as `want` says (expected.json's form): failed at `failed_step`, or succeeded
    with the `end` step's artifacts."""
    import json

    from tests.targets.argo.interpreter import FAILED, SUCCEEDED

    if not want["ok"]:
        assert run.phase == FAILED
        assert [n.arguments["step"] for n in run.failed()] == [want["failed_step"]]
        return
    assert run.phase == SUCCEEDED, "\n".join(f"{n.path}: {n.stderr[-2000:]}" for n in run.failed())
    artifacts = store.task_artifacts("wf-test", "end")
    for name, value in want["end"].items():
        # expected.json is JSON: tuples in artifacts read as lists there.
        assert json.loads(json.dumps(artifacts[name])) == value, name
