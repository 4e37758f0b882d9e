"""The client and its commands read an S3 datastore (moto's server on loopback) like a local one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowc.cli import main
from flowc.client import Flow, Run, StepNotFound
from flowc.datastore.storage import open_storage
from tests.client.conftest import run_shape


def test_runs_on_s3_are_read_through_the_same_client(
    s3_bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = f"s3://{s3_bucket}/team/flowc"
    run_shape(root, "foreach.py", "s1", cwd=tmp_path)
    run_shape(root, "failing.py", "s2", cwd=tmp_path, ok=False)

    run = Run("ForeachFlow", datastore=root)
    assert (run.id, run.status, run.datastore) == ("s1", "succeeded", root)
    assert run.data is not None and run.data.result == [1, 4, 9, 16]
    assert [s.name for s in run.steps()] == ["end", "join", "square", "start"]
    assert run["square"].indexes == ["0", "1", "2", "3"] and run["square"]["2"].data.value == 9
    assert [r.id for r in Flow("ForeachFlow", root).runs()] == ["s1"]
    failed = Run("FailingFlow", "s2", root)
    assert failed.status == "failed" and failed.data is None
    with pytest.raises(StepNotFound, match="steps that ran: start, boom"):
        failed["end"]
    # The S3 run's logs stayed on this machine, where run.json says they are.
    boom = failed["boom"].task
    assert boom is not None and "this step always fails" in boom.stdout

    assert main(["runs", "ForeachFlow", "--datastore", root, "--format", "json"]) == 0
    assert [r["run_id"] for r in json.loads(capsys.readouterr().out)["runs"]] == ["s1"]
    assert main(["artifacts", "ForeachFlow", "--datastore", root, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["tasks"][0]["artifacts"]["result"]["value"] == [1, 4, 9, 16]


def test_list_dirs_names_the_folders_under_a_prefix_locally_and_on_s3(s3_bucket: str, tmp_path: Path) -> None:
    for root in (str(tmp_path / "local"), f"s3://{s3_bucket}/some/prefix"):
        st = open_storage(root)
        for key in ("F/runs/r1/run.json", "F/runs/r2/steps/a/_/manifest.json", "F/runs/r10/x", "F/runsx/y", "G/z"):
            st.put(key, b"{}")
        assert st.list_dirs("F/runs") == ["r1", "r10", "r2"], root
        assert st.list_dirs("F/runs/") == ["r1", "r10", "r2"], root
        assert st.list_dirs("") == ["F", "G"], root
        assert st.list_dirs("F/missing") == [], root
