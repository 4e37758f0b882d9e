from __future__ import annotations

import json
import signal
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# A shell without job control starts a background command (`bash .ci/run &`) with SIGINT ignored, and
# every process the tests start inherits that: the Ctrl-C tests would then test nothing but the
# shell. Interrupts work in the tests as they do in a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
# The user a @project flow's default branch names (`user.<name>`), for tests that compile such flows
# (the `deployer` fixture): fixed, so compiled names and golden files do not depend on who runs them.
DEPLOYER = "ci"
EXAMPLES = ROOT / "examples"
SHAPES = ROOT / "tests" / "shapes"


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.py"))


def shape_files() -> list[Path]:
    return sorted(SHAPES.glob("*.py"))


SWITCH_SHAPES = ROOT / "tests" / "conformance" / "flows" / "switch"
# The switch cases found outside the project that issue 9 names (metaflow-compat 01, 05, 06; semantics
# 02, 07, 09b; Metaflow's graph_switch_*, graph_recursive_switch and the branch/foreach-in-a-case
# graphs), each folder's expected.json holding Metaflow 2.19.39's results: the `end` step's artifacts
# but `name` and Metaflow's internals, except a static join's order, which Metaflow leaves to string
# hashing: there the split's order (docs/semantics.md). They run every case value on every executor.
OUTSIDE_CASES = tuple(
    ROOT / "tests" / "conformance" / "flows" / f for f in ("metaflow-compat", "semantics", "metaflow-graphs")
)


def switch_runs() -> list[tuple[Path, dict, dict]]:
    """Every conditional shape and loop with every case value: (flow, parameters, what must happen:
    `ok`, and the `end` step's artifacts or the `failed_step`), from switch/expected.json, then the
    outside cases (OUTSIDE_CASES)."""
    out = []
    for folder in (SWITCH_SHAPES, *OUTSIDE_CASES):
        table = json.loads((folder / "expected.json").read_text())
        for name, runs in sorted(table.items()):
            for run in runs:
                out.append((folder / name, run["params"], run))
    return out


def has_loop(path: Path) -> bool:
    """Whether the flow has a loop (a switch case that goes back), which Airflow refuses."""
    from flowc.compiler import analyze

    flow = analyze(path).flow
    assert flow is not None, path
    return any(s.loops for s in flow.steps)


def expected(path: Path) -> dict:
    return json.loads((path.parent / "expected.json").read_text())[path.name]


@pytest.fixture
def write_flow(tmp_path: Path):
    """Write a flow source to a temporary file and return its path."""

    def write(source: str, name: str = "flow.py") -> Path:
        p = tmp_path / name
        p.write_text(source)
        return p

    return write


def assert_golden(folder: Path, files) -> None:
    """Compare a target's output files with the golden copies in `folder`, byte for byte.

    Output is deterministic, so nothing is normalised. FLOWC_REGENERATE=1 rewrites the folder instead
    (never set in CI).
    """
    import os

    if os.environ.get("FLOWC_REGENERATE") == "1":
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        for f in files:
            (folder / f.path).write_text(f.content)
    expected = {p.name: p.read_text() for p in sorted(folder.iterdir())} if folder.is_dir() else {}
    assert {f.path: f.content for f in files} == expected, f"{folder}: regenerate with FLOWC_REGENERATE=1"


# A real S3 API on loopback (moto's server), reached by boto3 over HTTP, shared by the whole session;
# each test gets a fresh bucket.


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> str:
    import boto3

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "FLOWC_S3_ENDPOINT_URL": s3_endpoint,
        "FLOWC_CACHE_DIR": str(tmp_path / "cache"),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    bucket = f"flowc-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=bucket)
    return bucket
