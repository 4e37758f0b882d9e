"""The compiled DAGs on real Airflow: imported by DagBag, run by `dag.test()` with the real runner.

Everything here reads the one session fixture (`airflow` in conftest.py), which starts Airflow once.
What a run leaves (every shape, example and conditional shape, every case value, task by task and
artifact by artifact) is compared in tests/conformance on Airflow 3 and 2; here are the runs' Airflow
side: DAG structure, try numbers, map indexes, skipped tasks, conf, the map limit, pod rendering.
"""

from __future__ import annotations

from tests.conftest import example_files, expected, shape_files

from .conftest import HOSTILE_ENV, HOSTILE_STORE, TRICKY_DIR, Session, switch_shape_files

SHAPES = shape_files()
EXAMPLES = example_files()


def _failed_tasks(run: dict) -> list[str]:
    return sorted(k for k, (state, _) in run["tasks"].items() if state == "failed")


def test_the_intended_airflow_version_ran(airflow: Session) -> None:
    want = {"airflow3": "3.", "airflow2": "2.10."}[airflow.version]
    assert airflow.result["airflow_version"].startswith(want)


def test_every_local_mode_dag_imports_without_errors(airflow: Session) -> None:
    assert airflow.result["import_errors"] == {}
    # every shape, conditional shape and example, plus the renamed linear flow
    assert len(airflow.result["dags"]) == len(SHAPES) + len(switch_shape_files()) + len(EXAMPLES) + 1


def test_every_kubernetes_mode_dag_imports_without_errors(airflow: Session) -> None:
    (imported,) = airflow.result["imports"].values()
    assert imported["import_errors"] == {}
    assert len(imported["dags"]) == len(SHAPES) + len(EXAMPLES) + 1  # and the hostile pod flow
    linear = imported["dags"]["LinearFlow"]
    assert {t["operator"] for t in linear.values()} == {"FlowcPodStep"}


def test_retried_step_succeeds_on_its_second_attempt(airflow: Session) -> None:
    run = airflow.run("retries")
    assert run["state"] == "success"
    assert run["tasks"]["flaky"] == ["success", 2]
    assert airflow.artifacts("retries")["result"] == 1


def test_nested_foreach_runs_one_task_per_index_pair(airflow: Session) -> None:
    tasks = airflow.run("nested_foreach")["tasks"]
    assert sorted(k for k in tasks if k.startswith("cell[")) == [f"cell[{i}]" for i in range(6)]
    assert sorted(k for k in tasks if k.startswith("join_cols[")) == ["join_cols[0]", "join_cols[1]"]
    assert airflow.artifacts("nested_foreach", "cell", "1.2")["label"] == "b3"


def test_switch_skips_the_case_not_taken_and_the_next_step_runs(airflow: Session) -> None:
    tasks = airflow.run("switch")["tasks"]
    states = {k: v[0] for k, v in tasks.items()}
    assert "skipped" in states.values()
    assert states["end"] == "success"


def test_switch_inside_foreach_maps_each_case_over_the_items_that_chose_it(airflow: Session) -> None:
    tasks = airflow.run("switch_in_foreach")["tasks"]
    assert sorted(k for k in tasks if k.startswith(("even[", "odd["))) == ["even[0]", "even[1]", "odd[0]", "odd[1]"]


def test_conf_overrides_parameters_with_their_types(airflow: Session) -> None:
    run = airflow.run("parameters-conf")
    assert run["state"] == "success", run["error"]
    assert airflow.artifacts("parameters-conf")["result"] == ["HELLO AIRFLOW", 7, 0.5, [1, 2]]


def test_conf_value_of_the_wrong_type_is_refused_before_any_task_runs(airflow: Session) -> None:
    run = airflow.run("parameters-bad-conf")
    assert run["state"] == "error"
    assert "count" in run["error"] and "many" in run["error"]
    assert run["tasks"] == {}


def test_foreach_wider_than_max_map_length_fails_the_run(airflow: Session) -> None:
    run = airflow.run("foreach-over-limit")
    assert run["state"] == "failed"
    assert _failed_tasks(run) == ["start-fanout"]


def test_fanout_error_names_the_max_map_length_setting(airflow: Session) -> None:
    probe = airflow.result["probes"]["fanout-over-limit"]
    assert "[core] max_map_length (5)" in probe["error"]
    assert "AIRFLOW__CORE__MAX_MAP_LENGTH" in probe["error"]
    assert "'row'" in probe["error"] and "6 mapped tasks" in probe["error"]


def test_a_runner_that_exits_0_without_an_output_fails_the_task(airflow: Session) -> None:
    # Not an empty XCom and a green task: the task ended before it was published.
    probe = airflow.result["probes"]["exit-0-without-output"]
    assert probe["value"] is None
    assert "exit 0 without publishing the task" in probe["error"], probe


def test_fanout_lists_child_index_paths_outermost_first(airflow: Session) -> None:
    probe = airflow.result["probes"]["fanout-nested-paths"]
    assert probe == {"value": ["0.0", "0.1", "2.0"], "error": None}


def test_jinja_and_shell_syntax_in_the_datastore_path_reach_the_runner_verbatim(airflow: Session) -> None:
    run = airflow.run("tricky-datastore")
    assert run["state"] == "success", run["error"]
    assert airflow.runs["tricky-datastore"].datastore.endswith(TRICKY_DIR)
    assert airflow.artifacts("tricky-datastore")["result"] == expected(SHAPES[0].parent / "linear.py")["end"]["result"]


def test_mapped_steps_and_trigger_rules_are_as_planned(airflow: Session) -> None:
    dag = airflow.result["dags"]["SwitchInForeachFlow"]
    assert dag["classify"]["mapped"] and dag["even"]["mapped"] and not dag["join"]["mapped"]
    assert dag["collect"]["trigger_rule"] == "none_failed_min_one_success"
    assert dag["even"]["upstream"] == ["classify-case-even"]
    assert dag["join"]["upstream"] == ["collect", "start-fanout"]


def test_pod_fields_render_to_the_runner_command_with_user_text_left_alone(airflow: Session) -> None:
    rendered = airflow.result["renders"]["hostile-pod-start"]
    args = rendered["arguments"]
    assert args[args.index("--run-id") + 1] == "manual__1"
    assert args[args.index("--attempt") + 1] == "1"
    # Parameters and the datastore travel percent-encoded: nothing for Jinja or Kubernetes in them,
    # decoded by the runner.
    from flowc.runner.command import decode_value

    params = args[args.index("--params-json") + 1]
    assert not set(params) & set("{}$()") and decode_value(params) == '{"who": "{{ ds }}"}'

    carried = args[args.index("--datastore") + 1]
    assert not set(carried) & set("{}$()") and decode_value(carried) == HOSTILE_STORE
    # Kubernetes turns $$ back into $, so the pod sees exactly what the user wrote.
    assert [(e["name"], e["value"].replace("$$", "$")) for e in rendered["env"]] == [("GREETING", HOSTILE_ENV)]
    assert rendered["image"] == "img:1"
