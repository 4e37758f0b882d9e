"""Byte storage under a root: a local folder or an S3 prefix, behind one small interface.

Keys are relative and `/`-separated (see `layout`). Every `put` is atomic for readers: locally the
bytes go to a temporary file that is renamed into place, and an S3 PUT is atomic by itself. boto3 is
imported only when an `s3://` root is opened.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path
from typing import Protocol


class NotFound(KeyError):
    """The key does not exist in the datastore."""

    def __str__(self) -> str:
        return f"not found in the datastore: {self.args[0]}"


# The temporary name LocalStorage.put writes before its rename: `.NAME.PID.SEQ.tmp`.
_TEMPORARY = re.compile(r"^\..+\.(\d+)\.\d+\.tmp$")


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


class StorageError(OSError):
    """Reading or writing the datastore failed: the message says what, where (a path or s3:// URL)
    and why, in one line (a full disk, a read-only folder, a missing bucket, denied access)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class Storage(Protocol):
    root: str

    def get(self, key: str) -> bytes: ...

    def put(self, key: str, data: bytes) -> None: ...

    def exists(self, key: str) -> bool: ...

    def list_dirs(self, prefix: str) -> list[str]: ...

    def list(self, prefix: str) -> list[str]: ...

    def url(self, key: str) -> str: ...


class LocalStorage:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.path = Path(root).resolve()
        self.root = str(self.path)
        self._made: set[str] = set()  # folders this process already created
        self._seq = 0

    def _file(self, key: str) -> Path:
        if key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"datastore keys are relative and stay under the root: {key!r}")
        return self.path / key

    def get(self, key: str) -> bytes:
        try:
            return self._file(key).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise NotFound(key) from None

    def put(self, key: str, data: bytes) -> None:
        target = self._file(key)
        parent = str(target.parent)
        if parent not in self._made:
            try:
                os.makedirs(parent, exist_ok=True)
            except OSError as exc:
                raise StorageError(
                    f"cannot store {target}: cannot make {exc.filename or parent}: {exc.strerror}"
                ) from None
            self._made.add(parent)
        # Write beside the target, then rename: readers see the whole file or nothing. The temporary
        # name is unique per process and write (no other writer uses this pid at the same time), which
        # costs less than tempfile's random names when a task stores thousands of small artifacts.
        self._seq += 1
        tmp = f"{parent}/.{target.name}.{os.getpid()}.{self._seq}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, OSError) and not isinstance(exc, StorageError):
                raise StorageError(f"cannot store {target}: {exc.strerror or exc}") from None
            raise

    def sweep_temporaries(self, prefix: str, older_than: float = 60.0) -> list[str]:
        """Remove the temporary files `put` leaves when its process dies mid-write (SIGKILL, a lost
        machine): `.NAME.PID.SEQ.tmp` under `prefix` whose writer is not a live process on this host
        and that nobody has written to for `older_than` seconds (a writer on another host sharing the
        folder keeps its file's mtime fresh). Returns what was removed."""
        base = self._file(prefix.strip("/")) if prefix.strip("/") else self.path
        removed = []
        now = time.time()
        for dirpath, _, filenames in os.walk(base):
            for name in filenames:
                m = _TEMPORARY.match(name)
                if m is None or _process_exists(int(m.group(1))):
                    continue
                path = os.path.join(dirpath, name)
                with contextlib.suppress(OSError):
                    if now - os.stat(path).st_mtime >= older_than:
                        os.unlink(path)
                        removed.append(path)
        return removed

    def exists(self, key: str) -> bool:
        return self._file(key).is_file()

    def list_dirs(self, prefix: str) -> list[str]:
        """The names of the folders directly under `prefix` (hidden ones skipped), without listing their files."""
        base = self._file(prefix.strip("/")) if prefix.strip("/") else self.path
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))

    def list(self, prefix: str) -> list[str]:
        base = self._file(prefix.rstrip("/")) if prefix else self.path
        if not base.is_dir():
            return []
        return sorted(
            p.relative_to(self.path).as_posix() for p in base.rglob("*") if p.is_file() and not p.name.startswith(".")
        )

    def url(self, key: str) -> str:
        return str(self._file(key))


def open_storage(root: str) -> Storage:
    """The storage for a datastore root: `s3://bucket/prefix` or a local folder."""
    if root.startswith("s3://"):
        from flowc.datastore.s3 import S3Storage

        return S3Storage(root)
    if "://" in root:
        raise ValueError(f"unsupported datastore {root!r}: use a local folder or s3://bucket/prefix")
    return LocalStorage(root)
