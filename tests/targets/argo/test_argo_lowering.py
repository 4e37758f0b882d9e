"""What the Argo lowering emits for each kind of step and decorator, and its limits."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from flowc.targets.argo import MAX_MANIFEST_BYTES, ArgoTarget, manifest_bytes, names

from flowc.compiler import compile_flow
from flowc.runner.command import UNSET_PARAM
from tests.targets.argo.conftest import compile_argo, dag_tasks, load_flow, manifests, template, workflow_template

SHAPES = Path(__file__).parents[2] / "shapes"
EXAMPLES = Path(__file__).parents[3] / "examples"

DECORATED = """
from flowc import FlowSpec, environment, image, resources, retry, step, timeout


class DecoratedFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.train)

    @retry(times=4, minutes_between_retries=3)
    @timeout(minutes=5)
    @resources(cpu=2, memory=8192, gpu=1)
    @environment(vars={"MODE": "fast"})
    @image("registry.example/train:1")
    @step
    def train(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def linear_source(n: int) -> str:
    lines = ["from flowc import FlowSpec, step", "", "", "class WideFlow(FlowSpec):"]
    names_ = ["start", *[f"step_{i:04d}_with_a_descriptive_name" for i in range(n - 2)], "end"]
    for here, after in zip(names_, [*names_[1:], None], strict=True):
        lines += ["    @step", f"    def {here}(self):"]
        lines.append(f"        self.next(self.{after})" if after else "        pass")
        lines.append("")
    return "\n".join(lines)


def test_steps_that_differ_only_in_name_share_one_container_template(write_flow) -> None:
    wt = workflow_template(load_flow(write_flow(linear_source(50))))
    containers = [t for t in wt["spec"]["templates"] if "container" in t]
    assert sorted(t["name"] for t in containers) == ["start", "step"]
    tasks = dag_tasks(wt)
    assert tasks["step-0007-with-a-descriptive-name"]["arguments"]["parameters"] == [
        {"name": "step", "value": "step_0007_with_a_descriptive_name"}
    ]


def test_every_edge_waits_for_success_so_skipped_cases_do_not_run_their_successors() -> None:
    tasks = dag_tasks(workflow_template(load_flow(SHAPES / "branch.py")))
    depends = [t["depends"] for t in tasks.values() if "depends" in t]
    assert depends and all(".Succeeded" in d for d in depends)


def test_switch_cases_run_on_when_and_the_step_after_runs_after_either() -> None:
    wt = workflow_template(load_flow(SHAPES / "switch_in_foreach.py"))
    body = dag_tasks(wt, "start-body")
    # the case's position among the switch's cases ("even" is the first)
    case_index = "{{tasks.classify.outputs.parameters.switch_index}}"
    assert body["even"]["when"] == f"'{case_index}' == '0'"
    assert body["odd"]["when"] == f"'{case_index}' == '1'"
    assert body["even"]["depends"] == "classify.Succeeded"
    assert body["collect"]["depends"] == "even.Succeeded || odd.Succeeded"
    switch = template(wt, body["classify"]["template"])
    paths = {p["name"]: p["valueFrom"]["path"] for p in switch["outputs"]["parameters"]}
    assert paths == {"switch_case": "/tmp/flowc-outputs/switch_case", "switch_index": "/tmp/flowc-outputs/switch_index"}


def test_foreach_runs_its_body_by_count_and_the_join_after_the_body() -> None:
    wt = workflow_template(load_flow(SHAPES / "nested_foreach.py"))
    top = dag_tasks(wt)
    loops = [t for t in top.values() if "withSequence" in t]
    assert len(loops) == 1
    (loop,) = loops
    split = loop["depends"].split(".")[0]
    assert loop["withSequence"] == {"count": f"{{{{tasks.{split}.outputs.parameters.foreach_count}}}}"}
    assert loop["arguments"]["parameters"] == [{"name": "index", "value": "{{item}}"}]
    join = next(t for t in top.values() if loop["name"] in t.get("depends", ""))
    assert join["depends"] == f"{split}.Succeeded && ({loop['name']}.Succeeded || {loop['name']}.Skipped)"
    inner = [t for t in dag_tasks(wt, loop["template"]).values() if "withSequence" in t]
    assert inner[0]["arguments"]["parameters"] == [{"name": "index", "value": "{{inputs.parameters.index}}.{{item}}"}]


def test_decorators_become_retry_strategy_deadline_resources_env_and_image(write_flow) -> None:
    wt = workflow_template(load_flow(write_flow(DECORATED)))
    train = template(wt, dag_tasks(wt)["train"]["template"])
    assert train["retryStrategy"] == {"limit": "4", "retryPolicy": "Always", "backoff": {"duration": "3m"}}
    assert train["activeDeadlineSeconds"] == 5 * 60 + 60
    container = train["container"]
    assert container["image"] == "registry.example/train:1"
    assert container["env"] == [{"name": "MODE", "value": "fast"}]
    assert container["resources"] == {
        "requests": {"cpu": "2", "memory": "8192Mi"},
        "limits": {"memory": "8192Mi", "nvidia.com/gpu": "1"},
    }
    assert "{{retries}}" in container["command"]
    plain = template(wt, dag_tasks(wt)["end"]["template"])
    assert "retryStrategy" not in plain and "{{retries}}" not in plain["container"]["command"]
    assert plain["container"]["image"] == "python:3.12-slim"


def test_image_namespace_and_service_account_options_reach_the_manifest() -> None:
    flow = load_flow(SHAPES / "linear.py")
    wt = workflow_template(flow, image="my/image:2", namespace="ml", service_account="runner")
    assert wt["metadata"]["namespace"] == "ml"
    assert wt["spec"]["serviceAccountName"] == "runner"
    assert {t["container"]["image"] for t in wt["spec"]["templates"] if "container" in t} == {"my/image:2"}


def test_parameters_become_workflow_arguments_with_text_defaults() -> None:
    wt = workflow_template(load_flow(SHAPES / "parameters.py"))
    args = {p["name"]: p.get("value") for p in wt["spec"]["arguments"]["parameters"]}
    assert args.pop("flowc-datastore") == "s3://flowc-test/datastore"
    assert args == {"who": "world", "count": "3", "ratio": "0.5", "loud": "false", "config": '{"k":[1,2]}'}
    start = template(wt, dag_tasks(wt)["start"]["template"])
    assert "who={{workflow.parameters.who}}" in start["container"]["command"]


def test_a_parameter_without_default_is_optional_at_submission(write_flow) -> None:
    # Metaflow gives such a parameter None when it is not given; Argo needs a value for every
    # workflow parameter, so it gets the runner's "not given" marker (the conformance suite runs it).
    src = (
        (SHAPES / "linear.py")
        .read_text()
        .replace(
            "class LinearFlow(FlowSpec):", 'class LinearFlow(FlowSpec):\n    label = Parameter("label", help="x")\n'
        )
    )
    src = src.replace("from flowc import", "from flowc import Parameter,")
    flow = load_flow(write_flow(src))
    assert not compile_argo(flow).diagnostics
    args = {p["name"]: p.get("value") for p in workflow_template(flow)["spec"]["arguments"]["parameters"]}
    assert args["label"] == UNSET_PARAM


def test_names_are_dns_labels_hash_shortened_with_full_names_annotated(write_flow) -> None:
    long_step = "a_step_whose_name_is_far_too_long_for_a_kubernetes_label_" + "x" * 20
    src = f"""
from flowc import FlowSpec, schedule, step


@schedule(cron="0 * * * *")
class AFlowWithAVeryLongNameThatKeepsGoingOnAndOnPastTheLimit(FlowSpec):
    @step
    def start(self):
        self.next(self.{long_step})

    @step
    def {long_step}(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""
    wt, cron = manifests(load_flow(write_flow(src)))
    assert len(wt["metadata"]["name"]) <= names.WORKFLOW_TEMPLATE_MAX
    assert len(cron["metadata"]["name"]) <= names.CRON_WORKFLOW_MAX
    assert cron["metadata"]["name"].startswith("a-flow-with-a-very-long-name")
    assert cron["spec"]["workflowSpec"]["workflowTemplateRef"]["name"] == wt["metadata"]["name"]
    task = next(n for n in dag_tasks(wt) if n.startswith("a-step-whose"))
    assert names.is_label(task)
    assert wt["metadata"]["annotations"]["flowc.dev/task-names"] == f'{{"{task}": "{long_step}"}}'
    assert wt["metadata"]["annotations"]["flowc.dev/flow"] == "AFlowWithAVeryLongNameThatKeepsGoingOnAndOnPastTheLimit"


def test_names_that_collide_once_lowered_are_all_told_apart() -> None:
    namer = names.Namer(["a_b", "a__b", "ab"])
    assert len(set(namer.names.values())) == 3
    assert namer["ab"] == "ab"
    assert all(names.is_label(n) for n in namer.names.values())
    assert names.Namer(["a__b", "a_b"])["a_b"] == namer["a_b"]


def test_any_switch_value_compiles_and_never_reaches_an_expression() -> None:
    flow = load_flow(SHAPES / "switch.py")
    switch = next(s for s in flow.steps if s.switch_cases)
    bad_value = "x' || true || '{{workflow.name}}"
    cases = (dataclasses.replace(switch.switch_cases[0], value=bad_value), *switch.switch_cases[1:])
    bad = dataclasses.replace(switch, switch_cases=cases)
    flow = flow.with_steps(tuple(bad if s.name == switch.name else s for s in flow.steps))
    result = compile_argo(flow)
    assert result.diagnostics == (), [d.message for d in result.diagnostics]
    text = result.files[0].content
    assert "|| true ||" not in text and "true || '{{" not in text
    whens = [t["when"] for t in dag_tasks(yaml.safe_load(text)).values() if "when" in t]
    # each case task compares the switch's case position, a number
    assert sorted(whens) == [
        f"'{{{{tasks.{switch.name}.outputs.parameters.switch_index}}}}' == '{i}'" for i in range(len(cases))
    ]


def test_without_a_datastore_each_submission_gives_one() -> None:
    result = ArgoTarget().compile(load_flow(SHAPES / "linear.py"), {"datastore": None})
    assert result.diagnostics == ()
    wt = yaml.safe_load(result.files[0].content)
    assert {"name": "flowc-datastore", "description": wt["spec"]["arguments"]["parameters"][0]["description"]} in wt[
        "spec"
    ]["arguments"]["parameters"]


def test_a_datastore_reaches_the_task_encoded_whatever_it_holds() -> None:
    from flowc.runner.command import decode_value

    hostile = "s3://bucket/{{workflow.name}} $(HOME) $$x {{=1+1}}"
    wt = yaml.safe_load(compile_argo(load_flow(SHAPES / "linear.py"), datastore=hostile).files[0].content)
    (param,) = [p for p in wt["spec"]["arguments"]["parameters"] if p["name"] == "flowc-datastore"]
    assert not set(param["value"]) & set("{}$()") and decode_value(param["value"]) == hostile


def test_images_argo_would_read_as_templates_are_refused(write_flow) -> None:
    path = write_flow(
        "from flowc import FlowSpec, image, step\n"
        "class F(FlowSpec):\n"
        "    @image('registry.example/img:{{workflow.uid}}')\n"
        "    @step\n"
        "    def start(self):\n"
        "        self.next(self.end)\n"
        "    @step\n"
        "    def end(self):\n"
        "        pass\n"
    )
    result = ArgoTarget().compile(load_flow(path), {})
    assert [d.code for d in result.diagnostics] == ["FC501"] and "not a container image reference" in str(
        result.diagnostics[0].message
    )
    bad = ArgoTarget().compile(load_flow(SHAPES / "linear.py"), {"image": "img:$(TAG)"})
    assert bad.files == () and "image reference" in bad.diagnostics[0].message


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.name)
def test_output_is_deterministic(path: Path) -> None:
    flow = load_flow(path)
    assert compile_argo(flow) == compile_argo(flow)


def test_a_thousand_step_flow_stays_well_under_the_object_limit(write_flow) -> None:
    path = write_flow(linear_source(1000))
    result = compile_flow(path, "argo", {"datastore": "s3://bucket/prefix"})
    assert result.ok, result.diagnostics
    (wt,) = [f for f in result.files if f.path.endswith("workflow-template.yaml")]
    size = manifest_bytes(yaml.safe_load(wt.content))
    assert size < MAX_MANIFEST_BYTES / 4, size


def test_an_oversized_manifest_is_reported() -> None:
    target = ArgoTarget()
    target.max_manifest_bytes = 1000
    result = target.compile(load_flow(SHAPES / "branch.py"), {"datastore": "s3://bucket/p"})
    assert result.files == ()
    assert "bytes" in result.diagnostics[0].message and result.diagnostics[0].code == "FC501"


def test_manifests_are_the_same_bytes_whether_or_not_hera_was_imported() -> None:
    # Hera patches PyYAML's shared string representer when imported (`flowc check --target argo`
    # imports it, `flowc compile` does not); the manifests must not depend on it.
    import subprocess
    import sys

    code = (
        "import sys\n"
        "if sys.argv[1] == 'hera':\n    import hera.workflows.models\n"
        "from flowc.targets.argo import dump\n"
        "print(dump({'name': 'y', 'doc': 'two\\nlines', 'other': 'N', 'word': 'yes'}), end='')\n"
    )
    plain, patched = (
        subprocess.run([sys.executable, "-c", code, mode], capture_output=True, text=True, check=True).stdout
        for mode in ("plain", "hera")
    )
    assert plain == patched
    # YAML 1.1 readers (Kubernetes, Argo) take a plain y or N for a boolean: they stay quoted.
    assert "name: 'y'" in plain and "other: 'N'" in plain


CATCH_IN_BRANCH = """
from flowc import FlowSpec, catch, retry, step


class CatchBranchFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.a, self.b)

    @catch(var="err")
    @retry(times=2)
    @step
    def a(self):
        self.next(self.join)

    @step
    def b(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @catch(var="err")
    @step
    def end(self):
        pass
"""


def test_a_catch_step_has_a_stand_in_task_that_runs_when_its_pod_fails(tmp_path: Path) -> None:
    path = tmp_path / "flow.py"
    path.write_text(CATCH_IN_BRANCH)
    wt = workflow_template(load_flow(path))
    tasks = dag_tasks(wt)
    assert tasks["a-fallback"]["depends"] == "a.Failed || a.Errored"
    args = {p["name"]: p["value"] for p in tasks["a-fallback"]["arguments"]["parameters"]}
    assert args == {"step": "a", "status": "{{tasks.a.status}}"}
    # The join takes either the step's success or its stand-in's, on a's branch only.
    assert tasks["join"]["depends"] == "(a.Succeeded || a-fallback.Succeeded) && b.Succeeded"
    # The end step's stand-in is a leaf: Argo judges the DAG by it when end fails.
    assert tasks["end-fallback"]["depends"] == "end.Failed || end.Errored"
    assert "b-fallback" not in tasks  # no @catch, no stand-in
    stand_in = template(wt, tasks["a-fallback"]["template"])
    command = stand_in["container"]["command"]
    # One attempt past @retry's last (attempts 0-2), no retryStrategy and no deadline of its own.
    assert command[command.index("--attempt") + 1] == "3" and "--fallback" in command
    assert "{{inputs.parameters.status}}" in command[command.index("--fallback") + 1]
    assert "retryStrategy" not in stand_in and "activeDeadlineSeconds" not in stand_in
