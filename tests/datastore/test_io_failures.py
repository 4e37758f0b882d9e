"""Every I/O failure is one line naming the path and the reason, with the documented exit code, and
leaves no partial file (issue 11): output folders, a full disk, a datastore that refuses writes, S3
buckets that are missing or deny access."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from flowc.cli import main
from tests.conftest import SHAPES

BIG_FLOW = textwrap.dedent(
    """
    from flowc import FlowSpec, step

    class BigFlow(FlowSpec):
        @step
        def start(self):
            self.blob = "x" * 3_000_000
            self.next(self.end)

        @step
        def end(self):
            pass
    """
).lstrip()


def _file_size_limit(limit: int):
    def apply() -> None:
        # A full disk, as a process sees it: writes past `limit` bytes fail with EFBIG.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def flowc(*argv: str, limit: int | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowc", *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        preexec_fn=_file_size_limit(limit) if limit is not None else None,
    )


def leftovers(root: Path) -> list[str]:
    return sorted(str(p) for p in root.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".tmp"))


def test_output_path_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "afile"
    target.write_text("mine\n")
    proc = flowc("compile", str(SHAPES / "linear.py"), "-t", "argo", "-o", str(target))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"flowc compile: cannot write to {target}: File exists"]
    assert target.read_text() == "mine\n"


def test_compile_onto_a_full_disk_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = flowc("compile", str(SHAPES / "linear.py"), "-t", "argo", "-o", str(out), limit=100)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "File too large" in lines[0] and str(out) in lines[0], proc.stderr
    assert not out.exists() or not any(out.iterdir())


def test_a_task_that_cannot_store_its_artifacts_fails_in_one_line(tmp_path: Path) -> None:
    flow = tmp_path / "big_flow.py"
    flow.write_text(BIG_FLOW)
    ds = tmp_path / "ds"
    # Enough for the code package and the run's metadata, not for the 3 MB artifact.
    proc = flowc("run", str(flow), "--datastore", str(ds), limit=1_000_000)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "cannot store" in proc.stdout + proc.stderr and "File too large" in proc.stdout + proc.stderr
    assert leftovers(ds) == []


def test_s3_bucket_missing_is_one_line(s3_bucket: str, tmp_path: Path, capsys) -> None:
    code = main(["run", str(SHAPES / "linear.py"), "--datastore", "s3://no-such-bucket-here/x"])
    err = capsys.readouterr().err
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "s3://no-such-bucket-here/x" in lines[0] and "NoSuchBucket" in lines[0], err


def test_s3_access_denied_is_one_line(s3_bucket: str, tmp_path: Path, capsys, monkeypatch) -> None:
    import botocore.client
    from botocore.exceptions import ClientError

    real = botocore.client.BaseClient._make_api_call

    def denied(self, operation, params):
        # What S3 answers a caller whose policy does not allow writing there.
        if operation == "PutObject":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, operation)
        return real(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", denied)
    code = main(["run", str(SHAPES / "linear.py"), "--datastore", f"s3://{s3_bucket}/x"])
    err = capsys.readouterr().err
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"s3://{s3_bucket}/x" in lines[0] and "AccessDenied" in lines[0], err


def test_a_datastore_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    ds = tmp_path / "ds"
    ds.write_text("not a folder\n")
    proc = flowc("run", str(SHAPES / "linear.py"), "--datastore", str(ds))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(ds) in lines[0], proc.stderr
    assert os.path.isfile(ds)


def _refuse_writes_under(monkeypatch, root: Path, errno_: int, reason: str) -> None:
    """A folder the process may not write into (a read-only mount, no permission), as root sees it
    too: creating a file under `root` fails as the kernel would make it fail."""
    import tempfile as tempfile_mod

    real_open, real_mkstemp = os.open, tempfile_mod.mkstemp

    def guarded_open(path, flags, *args, **kwargs):
        if str(path).startswith(str(root)) and flags & os.O_CREAT:
            raise OSError(errno_, reason, str(path))
        return real_open(path, flags, *args, **kwargs)

    def guarded_mkstemp(*args, dir=None, **kwargs):
        if dir is not None and str(dir).startswith(str(root)):
            raise OSError(errno_, reason, str(dir))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(tempfile_mod, "mkstemp", guarded_mkstemp)


def test_a_read_only_output_folder_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    import errno

    out = tmp_path / "out"
    out.mkdir()
    _refuse_writes_under(monkeypatch, out, errno.EACCES, "Permission denied")
    code = main(["compile", str(SHAPES / "linear.py"), "-t", "argo", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(out) in lines[0] and "Permission denied" in lines[0], err
    assert list(out.iterdir()) == []


def test_a_read_only_datastore_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    import errno

    ds = tmp_path / "ds"
    ds.mkdir()
    _refuse_writes_under(monkeypatch, ds, errno.EROFS, "Read-only file system")
    code = main(["run", str(SHAPES / "linear.py"), "--datastore", str(ds), "--spawn"])
    err = capsys.readouterr().err
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(ds) in lines[0] and "Read-only file system" in lines[0], err
    assert leftovers(ds) == []
