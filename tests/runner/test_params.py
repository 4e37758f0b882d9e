"""Parameters: typed from the IR, validated with readable messages, IncludeFile content captured."""

from __future__ import annotations

import pytest

from flowc.runner import params as params_mod
from flowc.runner.task import EXIT_USAGE, TaskError


def test_start_types_parameters_and_every_step_sees_them(harness):
    h = harness("params_flow.py")
    h.run("start", params=(("count", "7"), ("loud", "yes"), ("seed", "3"), ("config", "[1]")))
    h.run("end")
    out = h.artifacts("end")
    assert out["again"] == ("world", 7, 0.5, True, [1], 3)
    assert out["seen"]["count"] == 7 and out["seen"]["ratio"] == 0.5
    assert out["notes"] == "line one\nline two\n" and out["raw"] == b"line one\nline two\n"


def test_params_json_accepts_typed_values_and_text(harness):
    h = harness("params_flow.py")
    h.run("start", params_json={"count": 4, "ratio": "0.25", "seed": 1, "config": {"a": 1}})
    out = h.artifacts("start")
    assert (out["count"], out["ratio"], out["config"]) == (4, 0.25, {"a": 1})


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ((("count", "abc"), ("seed", "1")), "parameter 'count' (int): 'abc' is not an integer"),
        ((("cuont", "1"), ("seed", "1")), "unknown parameter 'cuont' (did you mean 'count'?); valid parameters:"),
        ((("loud", "maybe"), ("seed", "1")), "'maybe' is not a boolean"),
        # float() reads these, but a run's values travel as JSON, which cannot hold them.
        ((("ratio", "nan"), ("seed", "1")), "parameter 'ratio' (float): 'nan' is not a finite number"),
        ((("ratio", "-Infinity"), ("seed", "1")), "'-Infinity' is not a finite number"),
        ((("config", "{"), ("seed", "1")), "'{' is not valid JSON"),
        ((), "parameter 'seed' is required"),
    ],
)
def test_bad_parameters_are_refused_before_the_step_runs(harness, given, message):
    h = harness("params_flow.py")
    with pytest.raises(TaskError) as info:
        h.run("start", params=given)
    assert info.value.exit_code == EXIT_USAGE and message in str(info.value)
    assert h.manifest("start") is None


def test_all_problems_are_reported_at_once(harness):
    h = harness("params_flow.py")
    with pytest.raises(params_mod.ParamError) as info:
        params_mod.resolve(h.flow, [("count", "x"), ("ratio", "y")])
    assert len(info.value.problems) == 3  # count, ratio, and the missing seed


def test_include_file_defaults_travel_in_the_code_package(harness, tmp_path, monkeypatch):
    h = harness("params_flow.py")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # notes.txt is not here: the packaged copy is used
    h.run("start", params=(("seed", "1"),))
    assert h.artifacts("start")["notes"].startswith("line one")


def test_a_missing_include_file_is_a_clear_error(harness):
    h = harness("params_flow.py")
    with pytest.raises(TaskError, match=r"IncludeFile 'notes': file 'nope.txt' not found"):
        h.run("start", params=(("seed", "1"), ("notes", "nope.txt")))
