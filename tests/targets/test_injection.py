"""The injection model (docs/security.md), one test per row: hostile text from hypothesis in every
field a flow or a trigger gives, on every target, reaches the task exactly as written, or compiling
refuses it with a diagnostic.

What each engine does to the text is simulated by the same code the other tests trust: Argo's
substitution and Kubernetes' `$(VAR)` expansion by the Argo test interpreter, Airflow's Jinja by a
sandboxed environment as Airflow configures it; what the task then gets is read back through the
runner's own argument parser and decoders.
"""

from __future__ import annotations

import ast
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import jinja2.sandbox
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from flowc.cli import build_parser
from flowc.commands import step as step_cmd
from flowc.compiler import analyze, compile_flow
from flowc.runner.command import decode_value
from tests.targets.argo.interpreter import k8s_expand, substitute

# Pieces of syntax some engine or shell reads, mixed with arbitrary text.
FRAGMENTS = [
    "{{", "}}", "{{=", "{{workflow.name}}", "{{ run_id }}", "{%", "%}", "{#", "$(", "$(HOME)", "$$", "${X}", "$",
    ".$", "$.x", "States.Format('{}', $.a)", "%", "%7B", "%25", "'", '"', "\\", "\n", "`id`", ";", "(", ")", "#",
]  # fmt: skip
TEXT = st.lists(
    st.sampled_from(FRAGMENTS) | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
    min_size=1,
    max_size=6,
).map("".join)
SETTINGS = settings(
    max_examples=int(os.environ.get("FLOWC_FUZZ_EXAMPLES", "60")),
    deadline=None,
    derandomize="FLOWC_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.too_slow],
)
OPTIONS = {
    "argo": {"datastore": "s3://bucket/flowc"},
    "step-functions": {"datastore": "s3://bucket/flowc"},
    "airflow": {"datastore": "s3://bucket/flowc", "mode": "kubernetes"},
}


def flow_source(doc: str, default: str, help_text: str, env: str) -> str:
    return f"""
from flowc import FlowSpec, Parameter, environment, image, step


class HostileFlow(FlowSpec):
    {doc!r}

    note = Parameter("note", default={default!r}, help={help_text!r})

    @environment(vars={{"GREETING": {env!r}}})
    @step
    def start(self):
        {doc!r}
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def compiled(target: str, source: str, **options: Any) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "hostile_flow.py"
        path.write_text(source)
        result = compile_flow(path, target, {**OPTIONS[target], **options})
        assert result.ok, [x.message for x in result.diagnostics]
        return {f.path: f.content for f in result.files}


def runner_args(argv: list[str]) -> Any:
    """What `flowc step` makes of an argv (everything after the program that starts it)."""
    rest = argv[argv.index("step") :]
    return build_parser(rest).parse_args(rest)


def start_params(args: Any) -> dict[str, str]:
    """The start task's parameters as the runner reads them (flowc.commands.step)."""
    texts = dict(args.param)
    texts.update({n: step_cmd._param_decoded(n, v) for n, v in (a.split("=", 1) for a in args.param_encoded)})
    if args.params_json:
        texts.update(json.loads(step_cmd._json_text(args.params_json)))
    return texts


# -- Argo: `{{...}}` substituted by Argo (twice: globals, then the template), `$(VAR)`/`$$` by Kubernetes --


def _argo_task(files: dict[str, str], given: dict[str, str] | None = None) -> tuple[list[str], dict[str, str], Any]:
    """The start container's argv and env as a pod would get them, and the WorkflowTemplate."""
    wt = yaml.safe_load(next(v for k, v in files.items() if k.endswith(".workflow-template.yaml")))
    params = {p["name"]: p.get("value", "") for p in wt["spec"]["arguments"]["parameters"]}
    params.update(given or {})
    scope = {f"workflow.parameters.{k}": v for k, v in params.items()}
    scope.update({"workflow.name": "wf-1", "inputs.parameters.step": "start", "retries": "0"})
    start = next(t for t in wt["spec"]["templates"] if t.get("container") and "start" in t["name"])
    declared: dict[str, str] = {}
    for e in start["container"].get("env", []):
        declared[e["name"]] = k8s_expand(substitute(e["value"], scope), declared)
    # Argo substitutes globals into the template first, then scans the result again for its own
    # expressions: a value that still held `{{` would be read twice.
    argv = [k8s_expand(substitute(substitute(a, scope), scope), declared) for a in start["container"]["command"]]
    return argv, declared, wt


@SETTINGS
@given(doc=TEXT, default=TEXT, help_text=TEXT, env=TEXT)
def test_argo_tasks_get_the_text_as_written(doc: str, default: str, help_text: str, env: str) -> None:
    files = compiled("argo", flow_source(doc, default, help_text, env))
    argv, declared, wt = _argo_task(files)
    args = runner_args(argv)
    assert start_params(args) == {"note": default}
    # In the container's env only if Kubernetes gives it back as written; else the runner sets it
    # from the code package (checked in test_argo_env_left_out_is_set_by_the_runner).
    assert declared.get("GREETING", env) == env
    for p in wt["spec"]["arguments"]["parameters"]:
        assert "{{" not in p.get("description", "") and "{{" not in p.get("value", "")


@SETTINGS
@given(value=TEXT, prefix=TEXT)
def test_argo_trigger_values_and_datastore_reach_the_task_as_written(value: str, prefix: str) -> None:
    from flowc.targets.argo.trigger import arguments

    files = compiled("argo", flow_source("doc", "x", "help", "v"), datastore=f"s3://bucket/{prefix}")
    analysis = analyze_source(flow_source("doc", "x", "help", "v"))
    sent = {a["name"]: a["value"] for a in arguments(analysis, [f"note={value}"])}
    argv, _, _ = _argo_task(files, sent)
    args = runner_args(argv)
    assert start_params(args) == {"note": value}
    assert args.datastore == f"s3://bucket/{prefix}"


def analyze_source(source: str) -> Any:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "hostile_flow.py"
        path.write_text(source)
        flow = analyze(path).flow
        assert flow is not None
        return flow


def test_argo_env_left_out_is_set_by_the_runner(tmp_path: Path) -> None:
    """An `@environment` value Argo would template is not in the pod spec; the code package's IR
    carries it and the runner sets it before the step runs (flowc.runner.process)."""
    env = "hello {{workflow.name}} {{=1+1}} $(HOME) $$x"
    files = compiled("argo", flow_source("doc", "x", "help", env))
    _, declared, _ = _argo_task(files)
    assert "GREETING" not in declared
    from tests.targets.argo.conftest import run_flow

    flow = tmp_path / "env_flow.py"
    flow.write_text(
        flow_source("doc", "x", "help", env).replace(
            "        self.next(self.end)",
            "        import os\n        self.greeting = os.environ['GREETING']\n        self.next(self.end)",
            1,
        )
    )
    run, store = run_flow(flow, tmp_path / "run")
    assert run.phase == "Succeeded", [n.stderr for n in run.failed()]
    assert store.task_artifacts("wf-test", "start")["greeting"] == env


# -- Airflow: Jinja renders templated fields once; in a pod, Kubernetes expands args and env ----------

AIRFLOW_JINJA = jinja2.sandbox.SandboxedEnvironment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


def _airflow_start(files: dict[str, str]) -> dict[str, Any]:
    """The start task's keyword arguments, read back from the DAG file as the literals they are."""
    tree = ast.parse(next(iter(files.values())))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and any(k.arg == "task_id" for k in node.keywords):
            kwargs = {k.arg: k.value for k in node.keywords}
            if ast.literal_eval(kwargs["task_id"]) == "start":
                return {k: ast.literal_eval(v) for k, v in kwargs.items() if k in ("arguments", "env_vars", "params")}
    raise AssertionError("no start task")


@SETTINGS
@given(doc=TEXT, default=TEXT, help_text=TEXT, env=TEXT, given_value=TEXT)
def test_airflow_pod_tasks_get_the_text_as_written(
    doc: str, default: str, help_text: str, env: str, given_value: str
) -> None:
    files = compiled("airflow", flow_source(doc, default, help_text, env))
    source = next(iter(files.values()))
    ast.parse(source)  # the file is Python whatever the text
    start = _airflow_start(files)

    # The DAG file's two filters (its `_params_json` and `_flowc_arg`), as Airflow registers them.
    def flowc_params(params: dict[str, str]) -> str:
        return json.dumps({"note": params["note"]}, sort_keys=True)

    def flowc_arg(text: str) -> str:
        from urllib.parse import quote

        return quote(str(text), safe="/:@+,=")

    jinja = AIRFLOW_JINJA.overlay()
    jinja.filters.update({"flowc_params": flowc_params, "flowc_arg": flowc_arg})
    context = {
        "run_id": "manual__1",
        "ti": type("TI", (), {"try_number": 1}),
        "task": type("T", (), {"flowc_index": ""}),
        "params": {"note": given_value},
    }
    declared: dict[str, str] = {}
    for name, value in (start.get("env_vars") or {}).items():
        declared[name] = k8s_expand(jinja.from_string(value).render(context), declared)
    argv = [k8s_expand(jinja.from_string(a).render(context), declared) for a in start["arguments"]]
    assert start_params(runner_args(argv)) == {"note": given_value}
    assert declared.get("GREETING") == env


# -- Step Functions: `.$` keys and intrinsics; no template engine reads plain values --------------------


def _evaluated_fields(files: dict[str, str]) -> tuple[Any, list[tuple[str, Any]]]:
    """The state machine, and every field Step Functions evaluates (`name.$`) with its value; the
    code package's id (which hashes the flow's text) is left out."""
    asl = json.loads(next(v for k, v in files.items() if k.endswith(".asl.json")))
    found: list[tuple[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k.endswith(".$"):
                    found.append((k, re.sub(r"\b[0-9a-f]{20}\b", "CODE", json.dumps(v))))
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(asl)
    return asl, found


@SETTINGS
@given(doc=TEXT, default=TEXT, help_text=TEXT, env=TEXT)
# Found by the 1,500-example run: a default that is a substring of flowc's own intrinsics.
@example(doc="{{", default="2", help_text="{{", env="{{")
def test_step_functions_carries_text_as_json_data(doc: str, default: str, help_text: str, env: str) -> None:
    asl, evaluated = _evaluated_fields(compiled("step-functions", flow_source(doc, default, help_text, env)))
    # What Step Functions evaluates is exactly what it is for plain text: the user's text is data.
    _, plain = _evaluated_fields(compiled("step-functions", flow_source("d", "x", "h", "v")))
    assert evaluated == plain
    defaults = next(s for s in asl["States"].values() if "defaults" in s.get("Parameters", {}))["Parameters"]
    assert defaults["defaults"] == {"note": default}


def test_a_json_default_key_step_functions_would_read_as_a_path_is_refused(write_flow) -> None:
    path = write_flow(
        flow_source("d", "x", "h", "v")
        .replace(
            "note = Parameter(\"note\", default='x', help='h')",
            'cfg = Parameter("cfg", type=JSONType, default=\'{"a.$": "$$.Execution.Id"}\')',
        )
        .replace("import FlowSpec,", "import FlowSpec, JSONType,")
    )
    result = compile_flow(path, "step-functions", OPTIONS["step-functions"])
    assert not result.ok and any("'.$'" in d.message for d in result.diagnostics)


# -- the runner's side of the channel ------------------------------------------------------------------


@SETTINGS
@given(value=TEXT)
def test_argo_encoding_leaves_no_engine_syntax_and_decodes_back(value: str) -> None:
    from flowc.targets.argo.inert import param_value

    carried = param_value(value)
    assert "{{" not in carried and "$" not in carried and "\n" not in carried
    assert decode_value(carried) == value


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('@environment(vars={"A": "x\\x00y"})', "holds a NUL character"),
        ('@image("python:3.12\\x00")', "must not hold a NUL character"),
    ],
)
def test_nul_where_no_engine_carries_it_is_refused(write_flow, source: str, message: str) -> None:
    text = flow_source("d", "x", "h", "v").replace("@environment(vars={\"GREETING\": 'v'})", source)
    analysis = analyze(write_flow(text))
    assert analysis.flow is None
    assert any(message in d.message and d.code == "FC302" for d in analysis.diagnostics)


CASES = Path(__file__).parent / "cases"


def test_the_reviewers_argo_case_is_refused_for_its_image_and_inert_for_its_environment(tmp_path: Path) -> None:
    """`argo_env_template.py` from the review: @image with Argo template syntax cannot be made inert
    (an image name has no escape), so compiling refuses it; without it, the environment values
    reach the task as written."""
    source = (CASES / "argo_env_template.py").read_text()
    path = tmp_path / "argo_env_template.py"
    path.write_text(source)
    result = compile_flow(path, "argo", OPTIONS["argo"])
    assert not result.ok
    assert [d.code for d in result.diagnostics] == ["FC501"]
    assert "@image 'registry.example/img:{{workflow.uid}}'" in result.diagnostics[0].message
    path.write_text("\n".join(line for line in source.splitlines() if "@image" not in line) + "\n")
    files = compiled("argo", path.read_text())
    _, declared, _ = _argo_task(files)
    # Both values hold `{{`: neither is in the pod spec, the runner sets them from the code package.
    assert declared == {}
    analysis = analyze(path)
    assert analysis.flow is not None
    assert dict(analysis.flow.step("start").decorators.environment) == {
        "GREETING": "hello {{workflow.name}} $(HOME) $$x",
        "MATH": "{{=1+1}}",
    }


@pytest.mark.parametrize("target", ["argo", "airflow"])
def test_a_datastore_the_runner_refuses_is_refused_at_compile(target: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "flow.py"
        path.write_text(flow_source("d", "x", "h", "v"))
        result = compile_flow(path, target, {**OPTIONS[target], "datastore": "ftp://host/path"})
    assert not result.ok
    assert any("ftp://host/path" in d.message and d.code == "FC501" for d in result.diagnostics)
