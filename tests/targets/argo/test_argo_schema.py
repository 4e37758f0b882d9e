"""The manifests against Argo's published JSON schema (made strict), per Argo version, and the
checks of references that no schema can see. The validator is trusted only because it accepts every
upstream example and rejects the typos it is meant to catch."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from flowc.targets.argo import refs, schema

from tests.conftest import example_files, shape_files, switch_runs
from tests.targets.argo.conftest import (
    load_flow,
    manifests,
    published_schema,
    upstream_example_files,
    workflow_template,
)

# The examples, the shapes, and every conditional shape, loop and outside switch case (issue 9).
FLOWS = [*example_files(), *shape_files(), *sorted({p for p, _, _ in switch_runs()})]
VERSIONS = ("3.5", "3.7", "4")
ARGO_KINDS = {"Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"}
LINEAR = Path(__file__).parents[2] / "shapes" / "linear.py"
SCHEDULED = Path(__file__).parents[3] / "examples" / "daily_etl.py"


def problems(doc: dict[str, Any], version: str = "4") -> list[str]:
    return schema.errors(schema.for_kind(published_schema(version), doc["kind"]), doc)


def upstream_documents() -> list[tuple[str, dict[str, Any]]]:
    docs = []
    for name, text in upstream_example_files():
        for i, doc in enumerate(yaml.safe_load_all(text)):
            # The Argo kinds; the folder also holds a ConfigMap, a PVC and the like that examples use.
            if doc and doc.get("kind") in ARGO_KINDS:
                docs.append((f"{name}#{i}", doc))
    return docs


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name)
def test_every_flow_validates_against_argo_schema_of_its_version(path: Path, version: str) -> None:
    for doc in manifests(load_flow(path), argo_version=version):
        assert problems(doc, version) == [], doc["kind"]


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name)
def test_every_flow_has_consistent_references(path: Path) -> None:
    assert refs.check(manifests(load_flow(path))) == []


def test_strict_validator_accepts_every_upstream_example() -> None:
    docs = upstream_documents()
    assert len(docs) == 223
    rejected = {name: errs[:2] for name, doc in docs if (errs := problems(doc, "4"))}
    assert rejected == {}


@pytest.mark.parametrize(
    ("mutate", "expect"),
    [
        (lambda wt: wt["spec"].update(entrypont="main"), "entrypont"),
        (lambda wt: wt["spec"]["templates"][0]["dag"]["tasks"][0].update(withParams="[]"), "withParams"),
        (lambda wt: wt["spec"]["templates"][-1]["container"].update(comand=["x"]), "comand"),
        (lambda wt: wt["spec"]["templates"][-1]["container"].update(image=3), "not of type"),
        (lambda wt: wt["spec"]["templates"][0]["dag"]["tasks"][0].pop("name"), "'name' is a required"),
    ],
)
def test_strict_validator_rejects_typos_and_wrong_types(mutate: Any, expect: str) -> None:
    wt = copy.deepcopy(workflow_template(load_flow(LINEAR)))
    mutate(wt)
    assert any(expect in p for p in problems(wt)), problems(wt)


def test_cron_workflow_field_follows_the_argo_version() -> None:
    flow = load_flow(SCHEDULED)
    old = manifests(flow, argo_version="3.5")[1]["spec"]
    new = manifests(flow, argo_version="4")[1]["spec"]
    assert old["schedule"] == "30 6 * * *" and "schedules" not in old
    assert new["schedules"] == ["30 6 * * *"] and "schedule" not in new
    assert old["timezone"] == new["timezone"] == "Europe/Paris"
    # Each is what its version requires: 3.5 knows no `schedules`, 4.x requires it.
    assert problems(manifests(flow, argo_version="4")[1], "3.5") != []
    assert problems(manifests(flow, argo_version="3.5")[1], "4") != []


def _mutated(mutate: Any) -> list[str]:
    docs = copy.deepcopy(manifests(load_flow(Path(__file__).parents[2] / "shapes" / "switch_in_foreach.py")))
    mutate(docs[0]["spec"])
    return refs.check(docs)


def _task(spec: dict[str, Any], template: str, name: str) -> dict[str, Any]:
    t = next(t for t in spec["templates"] if t["name"] == template)
    return next(task for task in t["dag"]["tasks"] if task["name"] == name)


ODD_CASE = "'{{tasks.odd.outputs.parameters.switch_case}}' == 'a'"
NO_SUCH_OUTPUT = "'{{tasks.classify.outputs.parameters.case}}' == 'a'"
EXTRA_ARG = {"name": "x", "value": "1"}


@pytest.mark.parametrize(
    ("mutate", "expect"),
    [
        (lambda s: _task(s, "main", "end").update(template="nope"), "template 'nope' does not exist"),
        (lambda s: _task(s, "main", "end").update(depends="jion.Succeeded"), "depends on 'jion'"),
        (lambda s: _task(s, "main", "end").update(depends="join.Succeded"), "cannot read 'join.Succeded'"),
        (
            lambda s: _task(s, "start-body", "even").update(when=NO_SUCH_OUTPUT),
            "has no output 'case'",
        ),
        (
            lambda s: _task(s, "start-body", "even").update(
                when="'{{tasks.odd.outputs.parameters.switch_case}}' == 'a'"
            ),
            "does not depend on 'odd'",
        ),
        (lambda s: _task(s, "main", "start-each").pop("withSequence"), "{{item}} outside a loop"),
        (
            lambda s: _task(s, "main", "end")["arguments"]["parameters"].append({"name": "x", "value": "1"}),
            "passes 'x'",
        ),
        (lambda s: _task(s, "main", "end").pop("arguments"), "does not pass 'step'"),
        (lambda s: s.update(entrypoint="mian"), "entrypoint 'mian'"),
        (lambda s: _task(s, "main", "start").update(depends="end.Succeeded"), "cycle"),
    ],
)
def test_reference_checks_catch_what_no_schema_sees(mutate: Any, expect: str) -> None:
    found = _mutated(mutate)
    assert any(expect in p for p in found), found


def test_reference_checks_see_undeclared_workflow_parameters() -> None:
    docs = copy.deepcopy(manifests(load_flow(Path(__file__).parents[2] / "shapes" / "parameters.py")))
    params = docs[0]["spec"]["arguments"]["parameters"]
    params[:] = [p for p in params if p["name"] != "who"]
    assert any("workflow parameter 'who'" in p for p in refs.check(docs))


def test_cron_workflow_must_refer_to_the_template() -> None:
    docs = copy.deepcopy(manifests(load_flow(SCHEDULED)))
    docs[1]["spec"]["workflowSpec"]["workflowTemplateRef"]["name"] = "other"
    assert any("workflowTemplateRef 'other'" in p for p in refs.check(docs))


# -- what users get: `flowc check --target argo`, from Hera's models ------------------------------


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name)
def test_installed_schema_accepts_every_flow(path: Path) -> None:
    for version in ("3.5", "4"):
        found, missing = schema.check_installed(manifests(load_flow(path), argo_version=version))
        assert (found, missing) == ([], None)


def test_installed_schema_rejects_a_misspelt_field() -> None:
    docs = manifests(load_flow(LINEAR))
    docs[0]["spec"]["templates"][-1]["container"]["comand"] = ["x"]
    found, _ = schema.check_installed(docs)
    assert any("comand" in p for p in found), found


# Fields from Argo's main branch (4.x) that the Hera release in use does not model yet: the user-facing
# schema may reject examples using them, and no others.
NEWER_THAN_HERA = {
    "examples_pod-resources-template-override.yaml#0",
    "examples_pod-resources.yaml#0",
    "examples_resource-claims-template-override.yaml#0",
    "examples_resource-claims.yaml#0",
    "examples_workflow-level-executor-plugin.yaml#0",
}


def test_installed_schema_accepts_upstream_examples_but_the_newest_fields() -> None:
    rejected = {}
    for name, doc in upstream_documents():
        errs, _ = schema.check_installed([doc])
        if errs:
            rejected[name] = errs[:2]
    assert set(rejected) <= NEWER_THAN_HERA, {k: v for k, v in rejected.items() if k not in NEWER_THAN_HERA}
