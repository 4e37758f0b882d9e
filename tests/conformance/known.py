"""The ONE table of known differences, strict both ways.

Three kinds, each with its reason:

- `KNOWN`: (case pattern, executor pattern) -> "issue N: what differs". A flowc executor (or the
  oracle) that does not give the reference's result yet. Each is a strict xfail: when a fix makes it
  pass, the test fails ("XPASS(strict)") until the entry is removed here.
- `METAFLOW_WRONG`: flow path -> why Metaflow's result is wrong for the whole flow. `flowc run` is
  the reference there (checked against the values written down in corpus.EXPECT) and
  `test_metaflow_still_differs` fails when Metaflow's dump stops differing from flowc's.
- `METAFLOW_ARTIFACTS`: (case pattern, task pattern, artifact) -> why one artifact differs from
  Metaflow's, by design or by Metaflow's error. Left out of every comparison with Metaflow's dump (the
  rest of the flow is compared), and `test_metaflow_still_differs` fails when none of the matching
  artifacts differs any more.

Patterns are fnmatch patterns over case ids (`rows/task_ends*`), executor names and task names
(`join_range/*`). Nothing else in the suite marks a difference as expected.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

# The executors of one kind, for entries that hold for all of them.
LOCAL = ("flowc-run", "flowc-spawn", "step-driver")
TARGETS = ("argo", "airflow3", "airflow2", "sfn-worker")
AIRFLOW = ("airflow3", "airflow2")


def _each(case: str, executors: tuple[str, ...], reason: str) -> dict[tuple[str, str], str]:
    return {(case, e): reason for e in executors}


KNOWN: dict[tuple[str, str], str] = {}

# Where Metaflow is wrong for a whole flow: `flowc run` is the reference (docs/semantics.md says why).
METAFLOW_WRONG: dict[str, str] = {
    "tests/conformance/flows/rows/foreach_over_set.py": "Metaflow issue 469: each task re-iterates the set",
    "tests/conformance/flows/rows/foreach_over_dict_and_generator.py": "Metaflow looks a dict's items up by "
    "position and cannot store a generator: its split task fails",
    "tests/conformance/flows/rows/foreach_unsortable_set.py": "Metaflow fans out over an unsortable set in an "
    "order that changes per process; flowc has no order to fix and fails the split, saying so",
    "tests/conformance/flows/rows/switch_in_foreach_join.py": "Metaflow orders a foreach join's inputs by the "
    "case step they came through, then by item; flowc by item",
    "tests/conformance/flows/rows/empty_foreach.py": "Metaflow fails the split task ('Foreach iterator ... "
    "produced zero splits'); flowc runs the join with no inputs, on every target (issue 13, section 5)",
    "tests/conformance/flows/semantics/20_empty_foreach.py": "Metaflow fails the split task ('Foreach iterator "
    "... produced zero splits'); flowc runs the join with no inputs, on every target (issue 13, section 5)",
    "tests/conformance/flows/semantics/13_foreach_over_set.py": "Metaflow issue 469: every task re-iterates the "
    "set, whose order changes with string hashing per process: items are seen twice or never",
}

# One artifact that differs from Metaflow's, by design or by Metaflow's error (docs/semantics.md).
METAFLOW_ARTIFACTS: dict[tuple[str, str, str], str] = {
    ("rows/foreach_iterables", "join_range/*", "after_inner"): "Metaflow wrong: foreach_stack() in a join "
    "inside an outer foreach gives None as the outer item; flowc keeps the outer item (docs/semantics.md)",
    ("rows/catch_killed", "*", "err"): "by design: @catch of a killed process stores flowc's TaskProcessEnded "
    "saying how it ended (killed by SIGKILL); Metaflow's FailureHandledByCatch says nothing of why",
}


def known(case_id: str, executor: str) -> str | None:
    """The reason this (case, executor) is known to differ, or None."""
    for (case_pat, exec_pat), reason in KNOWN.items():
        if fnmatchcase(case_id, case_pat) and fnmatchcase(executor, exec_pat):
            return reason
    return None


def metaflow_artifacts(case_id: str) -> list[tuple[str, str, str]]:
    """The (task pattern, artifact, reason) entries of METAFLOW_ARTIFACTS for this case."""
    return [(task, name, why) for (case, task, name), why in METAFLOW_ARTIFACTS.items() if fnmatchcase(case_id, case)]


def without_metaflow_artifacts(case_id: str, tasks: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    """`tasks` (a dump's) without the artifacts METAFLOW_ARTIFACTS leaves out of comparisons with Metaflow."""
    entries = metaflow_artifacts(case_id)
    if not entries:
        return tasks
    return {
        task: {
            name: value
            for name, value in values.items()
            if not any(fnmatchcase(task, t) and name == n for t, n, _ in entries)
        }
        for task, values in tasks.items()
    }
