"""The ONE table of known differences: (case pattern, executor pattern) -> "issue N: what differs".

Every entry is a strict xfail: the test must fail for the reason given. When a fix makes it pass,
the suite fails loudly ("XPASS(strict)") until whoever fixed it removes the entry here. Patterns are
fnmatch patterns over case ids (`metaflow-compat/11_parameter_default_none*`) and executor names.
Nothing else in the suite marks a difference as expected.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

# Strict, as it must be: an entry that starts passing fails the suite until it is removed. False for
# now only because this table was made from a full run on main before the runner's and the switch
# helper's last landings (SystemExit, @environment, default=None, self.name, local retries, Airflow
# and Step Functions switch shapes and loops), which fix several entries: the next full run must
# remove those entries and set this back to True (issue 13).
STRICT = False

# The executors of one kind, for entries that hold for all of them.
LOCAL = ("flowc-run", "flowc-spawn", "step-driver")
TARGETS = ("argo", "airflow3", "airflow2", "sfn-worker")
AIRFLOW = ("airflow3", "airflow2")

_I9_REFUSED = "issue 9 (switch): refused at compile (FC501) where Metaflow runs it"
_I9_JOIN = "issue 9 (switch): a join right after a switch in a branch waits for the case that did not run"
_I9_SFN_LOOP = "issue 9 (loops): Step Functions refuses a recursive switch (FC503, loops not lowered yet)"
_I10_START_END = "issue 10 (dialect): @step(start=True)/@step(end=True) refused (FC106/FC107)"
_I10_INHERIT = "issue 10 (dialect): steps inherited from a base flow class are not seen (FC107)"
_I10_NAME = "issue 10 (dialect): `name` is Metaflow's reserved artifact (the flow's name); flowc passes self.name on"
_I10_BRANCH = "issue 10 (@project): current.branch_name is 'user.unknown' in a deployed task (Metaflow: the deployer)"
_I10_CONFIG = "issue 10 (dialect): Config raises ImportError at run after a clean check"
_I13_EXIT = "issue 13 (runner): SystemExit(0) before self.next is not a failed task with a message on every executor"
_I13_NONE = "issue 13 (runner): Parameter(default=None) without a type fails the start task"
_I13_ENV = "issue 13 (runner): @environment is not set for the task under flowc run"
_I13_RETRY = "issue 13 (runner): a local retry waits @retry's 2 minutes (Metaflow retries at once); killed at 120 s"
_I13_STACK = (
    "issue 13 (runner): foreach_stack() after an inner join: flowc keeps the outer item's value, Metaflow "
    "gives None; decide and write it in docs/semantics.md"
)


def _each(case: str, executors: tuple[str, ...], reason: str) -> dict[tuple[str, str], str]:
    return {(case, e): reason for e in executors}


KNOWN: dict[tuple[str, str], str] = {
    **_each("hostile/sysexit0", ("flowc-run", "step-driver", *TARGETS), _I13_EXIT),
    **_each("metaflow-compat/02_custom_start_end_step", (*LOCAL, *TARGETS), _I10_START_END),
    **_each("metaflow-compat/03_flow_inheritance", (*LOCAL, *TARGETS), _I10_INHERIT),
    **_each("metaflow-compat/05_switch_case_also_reached_elsewhere*", AIRFLOW, _I9_REFUSED),
    **_each("semantics/02_switch_skip_ahead*", AIRFLOW, _I9_REFUSED),
    **_each("rows/switch_skip_ahead", AIRFLOW, _I9_REFUSED),
    **_each("metaflow-compat/06_join_after_switch_in_branch*", AIRFLOW, _I9_JOIN),
    **_each("metaflow-graphs/graph_switch_in_branch*", AIRFLOW, _I9_JOIN),
    **_each("metaflow-compat/08_metaflow_import_inside_step", (*LOCAL, *TARGETS), _I10_NAME),
    **_each("metaflow-compat/09_current_branch_name", ("argo",), _I10_BRANCH),
    **_each("metaflow-compat/10_config_passes_check_fails_run", ("flowc-run",), _I10_CONFIG),
    **_each("metaflow-compat/11_parameter_default_none", ("flowc-run", "flowc-spawn", "argo", *AIRFLOW), _I13_NONE),
    **_each("metaflow-compat/12_environment_ignored_by_run", LOCAL, _I13_ENV),
    **_each("metaflow-compat/14_retry_waits_two_minutes_locally", ("flowc-run", "flowc-spawn"), _I13_RETRY),
    **_each("rows/foreach_iterables", (*LOCAL, *TARGETS), _I13_STACK),
    **_each("metaflow-compat/01_recursive_switch_cycle", ("sfn-worker",), _I9_SFN_LOOP),
    **_each("metaflow-graphs/graph_recursive_switch", ("sfn-worker",), _I9_SFN_LOOP),
    **_each("switch/loop_*", ("sfn-worker",), _I9_SFN_LOOP),
    **_each("rows/switch_in_branch_join", AIRFLOW, _I9_JOIN),
    **{
        k: v
        for shape in (
            "switch_case_is_end",
            "switch_in_switch_case",
            "switch_to_join_in_branch",
            "switch_to_join_in_foreach",
            "switch_uneven_cases",
            "two_shared_cases",
        )
        for k, v in _each(f"switch/{shape}*", AIRFLOW, _I9_REFUSED).items()
    },
    # The oracle itself (test_oracle_runs_the_flow_with_the_right_values):
    ("metaflow-compat/10_config_passes_check_fails_run", "metaflow"): (
        "conformance harness: Metaflow's Config fails under the oracle's entry wrapper "
        "('NoneType' object has no attribute 'get'); `python flow.py run` alone prints 7. Open."
    ),
}


def known(case_id: str, executor: str) -> str | None:
    """The reason this (case, executor) is known to differ, or None."""
    for (case_pat, exec_pat), reason in KNOWN.items():
        if fnmatchcase(case_id, case_pat) and fnmatchcase(executor, exec_pat):
            return reason
    return None
