"""A whole flow run with its datastore on S3 (moto's server), each task a separate process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flowc.datastore import layout
from flowc.datastore.store import FlowDatastore

SHAPES = Path(__file__).parents[1] / "shapes"


def test_a_nested_foreach_runs_on_an_s3_datastore(s3_bucket, tmp_path):
    root = f"s3://{s3_bucket}/flowc"
    proc = subprocess.run(
        [sys.executable, "-m", "flowc", "run", str(SHAPES / "nested_foreach.py"), "--datastore", root,
         "--run-id", "s3run", "--max-workers", "2"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=os.environ.copy(),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ds = FlowDatastore.open(root, "NestedForeachFlow")
    end = ds.task_artifacts("s3run", "end")
    assert end["count"] == 6 and end["grid"][1] == ["b1", "b2", "b3"]
    assert ds.storage.exists(layout.foreach_items_key("NestedForeachFlow", "s3run", "cell", "1")) is False
    assert ds.storage.get(layout.foreach_items_key("NestedForeachFlow", "s3run", "row", "1")) == b"[0,1,2]"
    assert ds.read_run_meta("s3run")["status"] == "succeeded"
