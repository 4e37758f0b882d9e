"""The conformance corpus: which flows run, with which parameter values, on which executors.

Flows: `examples/`, `tests/shapes/`, and `tests/conformance/flows/` (Metaflow's graph shapes, the
Metaflow-compatibility and semantics cases found outside the project, copied with their first-line
notes, and one flow per row of docs/semantics.md under `flows/rows/`). A flow that takes a parameter
or a switch value runs once per value in RUNS: every case of every switch.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any

from flowc.compiler import analyze
from flowc.ir import Flow, ParamType
from tests.conformance.known import METAFLOW_WRONG
from tests.conftest import ROOT, example_files, shape_files

HERE = Path(__file__).resolve().parent
FLOWS = HERE / "flows"

# Parameter values per run, by flow path relative to the repository. A flow not listed runs once with
# its defaults. Values are typed as in JSON; each executor passes them its own way (CLI text, Airflow
# conf, Step Functions input, Argo parameters).
RUNS: dict[str, list[dict[str, Any]]] = {
    "tests/shapes/switch.py": [{}, {"size": 5000}],
    "tests/shapes/parameters.py": [{}, {"who": "it's $(whoami)", "count": 7, "loud": True, "config": {"k": [3]}}],
    "tests/conformance/flows/semantics/02_switch_skip_ahead.py": [{"mode": "enrich"}, {"mode": "skip"}],
    "tests/conformance/flows/semantics/20_empty_foreach.py": [{}, {"batches": [1, 2]}],
    "tests/conformance/flows/metaflow-compat/05_switch_case_also_reached_elsewhere.py": [
        {"route_case": "a"},
        {"route_case": "skip"},
    ],
    "tests/conformance/flows/metaflow-compat/06_join_after_switch_in_branch.py": [{"k_case": "c"}, {"k_case": "d"}],
    "tests/conformance/flows/metaflow-compat/11_parameter_default_none.py": [{}, {"s": "given"}],
    "tests/conformance/flows/rows/task_ends.py": [
        {"how": how}
        for how in ("return", "sys_exit_0", "sys_exit_3", "sys_exit_none", "os_exit_0", "sigterm", "sigkill")
    ],
    "tests/conformance/flows/metaflow-graphs/graph_branch_in_switch.py": [
        {"mode_case": "process"},
        {"mode_case": "skip"},
    ],
    "tests/conformance/flows/metaflow-graphs/graph_foreach_in_switch.py": [
        {"mode_case": "process"},
        {"mode_case": "skip"},
    ],
    "tests/conformance/flows/metaflow-graphs/graph_switch_basic.py": [
        {"condition_case": "case1"},
        {"condition_case": "case2"},
        {"condition_case": "case3"},
    ],
    "tests/conformance/flows/metaflow-graphs/graph_switch_in_branch.py": [
        {"condition_case": "case1"},
        {"condition_case": "case2"},
    ],
    "tests/conformance/flows/metaflow-graphs/graph_switch_nested.py": [
        {"condition1_case": "case1", "condition2_case": "case2_1"},
        {"condition1_case": "case1", "condition2_case": "case2_2"},
        {"condition1_case": "case2"},
    ],
}

# Flows left out of some executors, and why (each reason is also in docs/semantics.md or the target's
# docs). Keys are paths as in RUNS; values map an executor (or "*" for every flowc executor, "metaflow"
# for the oracle) to the reason.
_NO_LOOPS_ON_AIRFLOW = {
    "airflow3": "Airflow DAGs cannot loop: a clean FC5xx at compile (issue 9)",
    "airflow2": "Airflow DAGs cannot loop: a clean FC5xx at compile (issue 9)",
}
EXCLUDED: dict[str, dict[str, str]] = {
    "tests/conformance/flows/semantics/19b_nested_foreach_airflow.py": {
        "*": "1,056 tasks: too big for the suite's budget; Airflow's per-level map limit is tested in "
        "tests/targets/airflow",
        "metaflow": "1,056 tasks: too big for the suite's budget",
    },
    "tests/conformance/flows/metaflow-compat/01_recursive_switch_cycle.py": _NO_LOOPS_ON_AIRFLOW,
    "tests/conformance/flows/metaflow-graphs/graph_recursive_switch.py": _NO_LOOPS_ON_AIRFLOW,
    "tests/conformance/flows/switch/loop_in_branch.py": _NO_LOOPS_ON_AIRFLOW,
    "tests/conformance/flows/switch/loop_in_foreach.py": _NO_LOOPS_ON_AIRFLOW,
    "tests/conformance/flows/switch/loop_max_iterations.py": _NO_LOOPS_ON_AIRFLOW,
    "tests/conformance/flows/switch/loop_nested.py": _NO_LOOPS_ON_AIRFLOW,
    "tests/conformance/flows/switch/loop_to_earlier_step.py": _NO_LOOPS_ON_AIRFLOW,
    "tests/conformance/flows/switch/loop_two_exits.py": _NO_LOOPS_ON_AIRFLOW,
    "tests/conformance/flows/rows/loop_over_steps.py": _NO_LOOPS_ON_AIRFLOW,
    "tests/conformance/flows/rows/recursive_switch.py": _NO_LOOPS_ON_AIRFLOW,
    "tests/conformance/flows/metaflow-graphs/graph_parallel.py": {
        "*": "@parallel (multi-node) is not supported by flowc: FC303 at check (a clear refusal is the "
        "expected behaviour)",
    },
}


# Airflow 2 runs a subset: every row of docs/semantics.md and issue 13's cases (where the runner's
# semantics meet the target), every shape and example, and every conditional shape and switch case
# found outside the project with every case value (tests.conftest.switch_runs). Left out: Metaflow's
# graph shapes without a switch, `added/` and the other outside cases, whose DAGs are compiled the same
# for both versions and hold nothing Airflow 2 does differently; Airflow 3 runs them. Patterns over
# case ids.
AIRFLOW2_SUBSET = (
    "rows/*",
    "shapes/*",
    "examples/*",
    "switch/*",
    "metaflow-graphs/graph_*switch*",
    "metaflow-compat/0[156]_*",
    "semantics/0[27]_*",
    "semantics/09b_*",
    "semantics/13_foreach_over_set",
    "semantics/20_empty_foreach*",
    "metaflow-compat/08_*",
    "metaflow-compat/1[123]_*",
    "hostile/sysexit0",
)


@dataclass(frozen=True)
class Case:
    """One run of one flow: a flow file and the parameter values it runs with."""

    path: Path
    params: tuple[tuple[str, Any], ...] = ()
    excluded: tuple[tuple[str, str], ...] = field(default=())

    @property
    def rel(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    @property
    def id(self) -> str:
        short = self.rel.removeprefix("tests/conformance/flows/").removeprefix("tests/")
        short = short.removesuffix(".py")
        if self.params:
            short += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in self.params) + "]"
        return short

    @property
    def key(self) -> str:
        """A file-name-safe, unique name for this run (its folder and run id)."""
        digest = hashlib.sha256(self.id.encode()).hexdigest()[:10]
        return f"{self.path.stem.replace('_', '-')[:40]}-{digest}"

    @property
    def param_values(self) -> dict[str, Any]:
        return dict(self.params)

    def source_hash(self) -> str:
        """The flow file and the parameters: what the oracle's cached dump depends on."""
        h = hashlib.sha256(self.path.read_bytes())
        h.update(json.dumps(self.params, sort_keys=True).encode())
        return h.hexdigest()

    def skip_reason(self, executor: str) -> str | None:
        reasons = dict(self.excluded)
        if executor in reasons:
            return reasons[executor]
        if executor != "metaflow" and "*" in reasons:
            return reasons["*"]
        return None


@cache
def flow_of(path: Path) -> Flow | None:
    """The flow's IR, or None when flowc refuses it (then every flowc executor fails the same way)."""
    return analyze(path).flow


def dialect(path: Path) -> str:
    # Read from the source, not the IR: a flow flowc refuses is still a Metaflow flow for the oracle.
    text = path.read_text()
    return "metaflow" if "from metaflow import" in text or "import metaflow" in text else "flowc"


def flow_files() -> list[Path]:
    rows = sorted(FLOWS.glob("*/*.py"))
    return [*example_files(), *shape_files(), *rows]


def _expected_runs(path: Path) -> list[dict[str, Any]] | None:
    """The runs a folder's expected.json lists for a flow (a list of {"params", "ok", "end"}), if any."""
    expected_file = path.parent / "expected.json"
    if not expected_file.exists():
        return None
    entry = json.loads(expected_file.read_text()).get(path.name)
    return entry if isinstance(entry, list) else None


def cases() -> list[Case]:
    out = []
    for path in flow_files():
        rel = path.relative_to(ROOT).as_posix()
        excluded = tuple(sorted(EXCLUDED.get(rel, {}).items()))
        listed = _expected_runs(path)
        runs = RUNS.get(rel) or ([r.get("params", {}) for r in listed] if listed else [{}])
        for params in runs:
            out.append(Case(path, tuple(sorted(params.items())), excluded))
    return out


def in_airflow2_subset(case: Case) -> bool:
    return any(fnmatchcase(case.id, pattern) for pattern in AIRFLOW2_SUBSET)


def param_text(flow: Flow | None, name: str, value: Any) -> str:
    """A parameter value as a person types it on a command line (`--param name=TEXT`)."""
    ptype = None
    if flow is not None:
        try:
            ptype = flow.parameter(name).type
        except KeyError:
            ptype = None
    if isinstance(value, str) and ptype is not ParamType.JSON:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def references(case: Case) -> tuple[str, ...]:
    """The executors whose dumps this case is compared with, best first: Metaflow for a Metaflow flow
    (unless Metaflow is wrong there), and `flowc run` always (the reference when Metaflow is not)."""
    if dialect(case.path) == "metaflow" and case.rel not in METAFLOW_WRONG and case.skip_reason("metaflow") is None:
        return ("metaflow", "flowc-run")
    return ("flowc-run",)


# The right values, written down: what a case's reference run must show. Shapes and examples also
# bring their expected.json (outcome and `end` artifacts, for their default parameters). Keys are
# case ids; a task's artifacts are compared as canonical data.
EXPECT: dict[str, dict[str, Any]] = {
    # @catch catches sys.exit(0) as any error of the step (docs/semantics.md): the task did not finish
    # its step, and flowc step says so (never an exit 0 with no output).
    "hostile/sysexit0": {"tasks": {"start": {"a": 1, "err": SystemExit(0)}}},
    'rows/task_ends[how="return"]': {"tasks": {"end": {"after": "set before leaving"}}},
    **{
        f'rows/task_ends[how="{how}"]': {"outcome": "failed", "failed_step": "start"}
        for how in ("sys_exit_0", "sys_exit_3", "sys_exit_none", "os_exit_0", "sigterm", "sigkill")
    },
    "rows/foreach_unsortable_set": {"outcome": "failed", "failed_step": "start"},
    'semantics/02_switch_skip_ahead[mode="enrich"]': {"tasks": {"end": {"note": "enriched"}}},
    'semantics/02_switch_skip_ahead[mode="skip"]': {"tasks": {"end": {"note": "raw"}}},
    "semantics/13_foreach_over_set": {
        "tasks": {
            "join": {
                "missing": [],
                "visited_all": sorted(["north", "south", "east", "west", "central", "coastal", "alpine", "delta"]),
            }
        }
    },
    "semantics/20_empty_foreach": {"tasks": {"all_done": {"counts": []}}},
    "semantics/20_empty_foreach[batches=[1, 2]]": {"tasks": {"all_done": {"counts": [0, 0]}}},
    "metaflow-compat/01_recursive_switch_cycle": {"tasks": {"end": {"n": 3}}},
    "metaflow-compat/08_metaflow_import_inside_step": {"tasks": {"start": {"name": "start"}}},
    "metaflow-compat/11_parameter_default_none": {"tasks": {"end": {"s": None}}},
    'metaflow-compat/11_parameter_default_none[s="given"]': {"tasks": {"end": {"s": "given"}}},
    "metaflow-compat/12_environment_ignored_by_run": {"tasks": {"start": {"v": "set"}}},
    "metaflow-compat/13_foreach_stack": {"tasks": {"a/0": {"s": [(0, 1, "x")]}}},
    # After an inner join the outer foreach's item is still known (Metaflow gives None: known.py).
    "rows/foreach_iterables": {
        "tasks": {"join_range/0": {"after_inner": [(0, 2, "x")]}, "join_range/1": {"after_inner": [(1, 2, "y")]}}
    },
}


def expectations(case: Case) -> dict[str, Any]:
    """What the case's reference run must show (EXPECT, and expected.json for shapes and examples)."""
    want: dict[str, Any] = {}
    expected_file = case.path.parent / "expected.json"
    data = json.loads(expected_file.read_text()).get(case.path.name) if expected_file.exists() else None
    if isinstance(data, list):  # one entry per run, by its parameters
        data = next((d for d in data if d.get("params", {}) == case.param_values), None)
    elif case.params:
        data = None  # a single entry is for the default parameters
    if data is not None:
        want["outcome"] = "ok" if data["ok"] else "failed"
        if not data["ok"] and "failed_step" in data:
            want["failed_step"] = data["failed_step"]
        if "end" in data:
            # JSON values: compared with the artifacts as JSON would show them (tuples as lists).
            want["tasks_json"] = {"end": data["end"]}
    want.update(EXPECT.get(case.id, {}))
    return want
