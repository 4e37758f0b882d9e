"""The storage backends behave the same, locally and on S3 (moto's server over HTTP)."""

from __future__ import annotations

import json
import os

import pytest

from flowc.datastore import layout
from flowc.datastore.storage import LocalStorage, NotFound, open_storage
from flowc.datastore.store import FlowDatastore


@pytest.fixture(params=["local", "s3"])
def root(request, tmp_path) -> str:
    if request.param == "local":
        return str(tmp_path / "store")
    bucket = request.getfixturevalue("s3_bucket")
    return f"s3://{bucket}/some/prefix"


def test_put_get_exists_and_list(root):
    st = open_storage(root)
    st.put("F/runs/r/a.json", b"1")
    st.put("F/runs/r/sub/b.json", b"2")
    st.put("G/other", b"3")
    assert st.get("F/runs/r/a.json") == b"1"
    assert st.exists("F/runs/r/sub/b.json") and not st.exists("F/runs/r/nope")
    assert st.list("F/runs") == ["F/runs/r/a.json", "F/runs/r/sub/b.json"]
    with pytest.raises(NotFound):
        st.get("F/missing")


def test_a_put_replaces_the_whole_value(root):
    st = open_storage(root)
    st.put("k", b"first, longer value")
    st.put("k", b"second")
    assert st.get("k") == b"second"


def test_artifacts_are_content_addressed(root):
    ds = FlowDatastore.open(root, "F")
    a = ds.save_value("a", {"x": [1, 2]})
    b = ds.save_value("b", {"x": [1, 2]})
    assert a == b and a["type"] == "dict"
    assert ds.load_value(a["sha"]) == {"x": [1, 2]}
    assert ds.storage.list("F/data") == [layout.data_key("F", a["sha"])]


def test_a_task_is_published_with_its_outputs_and_manifest(root):
    ds = FlowDatastore.open(root, "F")
    assert ds.read_manifest("r", "split", "1") is None
    manifest = {"artifacts": {"v": ds.save_value("v", 5)}, "output": {"foreach_count": 3}}
    ds.write_task("r", "split", "1", manifest, {"foreach_count": 3})
    assert ds.read_manifest("r", "split", "1") == manifest
    assert json.loads(ds.storage.get(layout.output_key("F", "r", "split", "1"))) == {"foreach_count": 3}
    assert json.loads(ds.storage.get(layout.foreach_items_key("F", "r", "split", "1"))) == [0, 1, 2]
    assert ds.task_artifacts("r", "split", "1") == {"v": 5}


def test_an_unpicklable_artifact_is_named_in_the_error(root):
    from flowc.datastore.store import ArtifactError

    ds = FlowDatastore.open(root, "F")
    with pytest.raises(ArtifactError, match=r"artifact 'handle' \(generator\) cannot be stored"):
        ds.save_value("handle", (i for i in range(3)))


def test_local_writes_leave_no_temporary_files(tmp_path):
    st = LocalStorage(tmp_path)
    for i in range(5):
        st.put("a/b", str(i).encode())
    assert os.listdir(tmp_path / "a") == ["b"]


def test_local_keys_cannot_escape_the_root(tmp_path):
    st = LocalStorage(tmp_path / "root")
    with pytest.raises(ValueError, match="stay under the root"):
        st.put("../outside", b"x")


def test_unknown_schemes_are_refused():
    with pytest.raises(ValueError, match="unsupported datastore 'gs://b'"):
        open_storage("gs://b")


def test_layout_keys_accept_engine_expressions():
    assert layout.task_prefix("F", "{{workflow.name}}", "train", "{{inputs.parameters.i0}}") == (
        "F/runs/{{workflow.name}}/steps/train/{{inputs.parameters.i0}}"
    )
    assert layout.output_key("F", "r", "start") == "F/runs/r/steps/start/_/output.json"
    assert layout.code_key("F", "abc") == "F/code/abc.tar.gz"
    assert layout.data_key("F", "abcdef") == "F/data/ab/abcdef"
