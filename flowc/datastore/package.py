"""Code packages: a deterministic tar.gz of a flow's source and its IR, named by a content hash.

Targets build the package at compile time (no network, no user code runs) to put its id into every
task's command; deploy uploads it; `flowc run` stores it in the local datastore. The runner reads the
IR from the package (`flow.json`), so a task never needs the compiler or libcst.

Archive layout:
    flow.json    the IR (`Flow.to_json`), with `file` made relative to the package
    meta.json    {"format": 1, "flow_file": "<path of the flow file inside code/>"}
    code/...     the flow file, every .py file under its directory, and IncludeFile defaults found there;
                 a symbolic link only when it points to a regular file inside the folder (else
                 PackageError names it: outside the folder, dangling, not a file)
    requirements/<step>.txt   for a step whose task installs packages: @pypi_base/@conda_base, the
                 step's @pypi/@conda, and a requirements.txt beside the flow, one pip requirement a line
    runtime/flowc/...   in a deployable package: flowc's runner, which a task on a stock Python image
                        imports (flowc.runner.bootstrap); `flowc run` stores the package without it

Determinism: files sorted by path, mtime 0, owner root, fixed modes, gzip without name or time. The id
hashes paths and contents (not the gzip bytes), so it does not depend on the zlib build. It covers the
flow's members and flowc's version, not the runtime's bytes: a package deployed by one flowc release
is never replaced by another's, while an edit inside flowc does not rename every package.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from flowc.ir import Flow

PACKAGE_FORMAT = 1
CODE_ID_LENGTH = 20
# Directory names never packaged: caches, virtualenvs, VCS and tool folders (hidden ones are skipped too).
_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "site-packages", "venv", "env"})
RUNTIME_DIR = "runtime/"
# Parts of the flowc package a task never imports (the compiler's, which need libcst; the targets).
_NOT_RUNTIME = frozenset({"analyzer", "checks", "targets", "templates"})


@dataclass(frozen=True)
class CodePackage:
    id: str
    members: dict[str, bytes] = field(repr=False, compare=False)

    @property
    def files(self) -> tuple[str, ...]:
        """The archive members, sorted: what the id was computed from."""
        return tuple(sorted(self.members))

    @cached_property
    def data(self) -> bytes:
        # Packed on first use: compiling needs only the id, deploying and running need the bytes.
        return pack(self.members)

    @cached_property
    def deployable(self) -> bytes:
        """The package with flowc's runner inside (`runtime/flowc/...`): what deploy uploads."""
        return pack({**self.members, **runtime_members()})


class PackageError(OSError):
    """A file under the flow's folder cannot go into the code package; the message names it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.strerror = self.message = message

    def __str__(self) -> str:
        return self.message


def _member_bytes(f: Path, root: Path, flow_file: Path) -> bytes:
    """The bytes a file contributes: a symbolic link is followed only to a regular file inside the
    flow's folder, so nothing from outside it (a link to /etc/passwd) is ever packaged."""
    if f.is_symlink() and f != flow_file:
        target = f.resolve()
        if not target.exists():
            raise PackageError(f"{f} is a symbolic link to {os.readlink(f)}, which does not exist; remove or fix it")
        if not target.is_relative_to(root.resolve()):
            raise PackageError(
                f"{f} is a symbolic link to {target}, outside the flow's folder {root}; the code package "
                "holds only files inside it (copy the file in, or remove the link)"
            )
        if not target.is_file():
            raise PackageError(f"{f} is a symbolic link to {target}, which is not a regular file")
    return f.read_bytes()


def _source_files(root: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".")
            and d not in _SKIP_DIRS
            and not d.endswith(".egg-info")
            and not (here / d / "pyvenv.cfg").exists()
        )
        found.extend(here / f for f in filenames if f.endswith(".py") and not f.startswith("."))
    return found


def _include_defaults(flow: Flow, root: Path) -> list[Path]:
    """IncludeFile defaults that are files under the flow's directory: remote tasks read them here."""
    out = []
    for p in flow.parameters:
        if not p.include_file or not isinstance(p.default, str) or not p.default:
            continue
        candidate = Path(p.default)
        if candidate.is_absolute():
            continue
        path = (root / candidate).resolve()
        if path.is_file() and path.is_relative_to(root.resolve()):
            out.append(root / path.relative_to(root.resolve()))
    return out


def package_members(flow: Flow, flow_path: str | os.PathLike[str]) -> dict[str, bytes]:
    """The archive's members and their bytes, before packing: what the code package contains."""
    path = Path(flow_path)
    root = path.parent
    rel = path.name
    packaged = replace(flow, file=rel)
    members: dict[str, bytes] = {
        "flow.json": packaged.to_json(indent=None).encode(),
        "meta.json": json.dumps({"flow_file": rel, "format": PACKAGE_FORMAT}, sort_keys=True).encode(),
    }
    members["code/" + rel] = path.read_bytes()  # the file the user named, wherever it links to
    problems = []
    for f in sorted([*_source_files(root), *_include_defaults(flow, root)]):
        name = "code/" + f.relative_to(root).as_posix()
        if name not in members:
            try:
                members[name] = _member_bytes(f, root, path)
            except PackageError as exc:
                problems.append(str(exc))  # every link at once, not one per attempt
    if problems:
        raise PackageError("; ".join(problems))
    members.update(requirements(flow, root))
    return members


REQUIREMENTS_FILE = "requirements.txt"


def requirements(flow: Flow, root: Path) -> dict[str, bytes]:
    """`requirements/<step>.txt` for each step that installs anything: the flow's packages, the
    requirements.txt beside the flow (as written), then the step's own packages."""
    beside = root / REQUIREMENTS_FILE
    base = _member_bytes(beside, root, root).decode("utf-8").splitlines() if beside.is_file() else []
    out: dict[str, bytes] = {}
    for step in flow.steps:
        lines = [*flow.packages, *base, *step.decorators.packages]
        if lines:
            out[f"requirements/{step.name}.txt"] = ("\n".join(lines) + "\n").encode()
    return out


@functools.cache
def runtime_members() -> dict[str, bytes]:
    """flowc's own modules that a task needs, as `runtime/flowc/...` members (sources only)."""
    import flowc

    root = Path(flowc.__file__).parent
    out: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        rel = here.relative_to(root)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith((".", "_")) and not (rel == Path(".") and d in _NOT_RUNTIME)
        )
        for f in sorted(filenames):
            if f.endswith(".py"):
                out[f"{RUNTIME_DIR}flowc/{(rel / f).as_posix()}"] = (here / f).read_bytes()
    return out


def runtime_version() -> str:
    from flowc import __version__

    return __version__


def code_id(members: dict[str, bytes]) -> str:
    h = hashlib.sha256(b"flowc-code\0")
    # The runtime a deployable package carries is flowc's release, named by its version.
    h.update(f"runtime\0flowc {runtime_version()}\0".encode())
    for name in sorted(members):
        data = members[name]
        h.update(f"{name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()[:CODE_ID_LENGTH]


def pack(members: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(members):
            data = members[name]
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=6) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def build_code_package(flow: Flow, flow_path: str | os.PathLike[str]) -> CodePackage:
    """The code package of `flow`, whose source is `flow_path`. Same inputs, same bytes and id."""
    members = package_members(flow, flow_path)
    return CodePackage(id=code_id(members), members=members)


def publish(store: Any, package: CodePackage) -> bool:
    """Put the deployable package (with flowc's runner) into a `FlowDatastore`, unless exactly that
    is there already; True when it was written. A package `flowc run` stored without the runner, or
    one another build of this flowc release made, is replaced."""
    from flowc.datastore import layout

    key = layout.code_key(package_flow(package), package.id)
    if store.storage.exists(key) and store.storage.get(key) == package.deployable:
        return False
    store.storage.put(key, package.deployable)
    return True


def package_flow(package: CodePackage) -> str:
    """The name of the flow a package holds (from its IR)."""
    return str(json.loads(package.members["flow.json"])["name"])


def read_member(data: bytes, name: str) -> bytes:
    """One file of a code package, read in memory (`flow.json`, `meta.json`, `code/...`)."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        try:
            src = tar.extractfile(name)
        except KeyError:
            raise KeyError(f"code package has no member {name!r}") from None
        if src is None:
            raise KeyError(f"code package member {name!r} is not a plain file")
        return src.read()


def extract(data: bytes, dest: str | os.PathLike[str]) -> None:
    """Unpack a code package into `dest`, refusing members that would land outside it."""
    target = Path(dest).resolve()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                raise ValueError(f"code package member {member.name!r} is not a plain file inside it")
            src = tar.extractfile(member)
            assert src is not None  # isfile() above
            _write_member(target, member.name, src.read())


def write_members(members: dict[str, bytes], dest: str | os.PathLike[str]) -> None:
    """Write a package's members into `dest` as `extract` unpacks the packed package (without
    packing and unpacking it): `flowc run` fills the local cache of the package it just built."""
    target = Path(dest).resolve()
    for name in sorted(members):
        _write_member(target, name, members[name])


def _write_member(target: Path, name: str, data: bytes) -> None:
    out = (target / name).resolve()
    if not out.is_relative_to(target):
        raise ValueError(f"code package member {name!r} is not a plain file inside it")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
