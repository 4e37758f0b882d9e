"""`flowc check --fix`: apply certain fixes through LibCST, keeping formatting and comments.

LibCST has a parser of its own, and a source Python compiles can still be too much for it: it takes
seconds on `a[0][0]...` a thousand deep and minutes at two thousand, and its native parser has crashed
the process on deep nesting. So the rewrite runs in a child process (`python -m flowc.fix`) with a time
limit: a crash or a timeout leaves the file as it was, with a one-line reason. It is the only place
flowc imports LibCST.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from flowc.analyzer.syntax import exit_status
from flowc.diagnostics import Diagnostic

TIME_LIMIT_SECONDS = 60.0


class FixError(Exception):
    """The fixes could not be applied; the message says why (the file is unchanged)."""


# A fix: (line, column, replacement), 1-based, where a name to replace starts.
Edit = tuple[int, int, str]


def fixed_source(source: str, edits: Sequence[Edit]) -> tuple[str, int]:
    """`source` with each name that starts at an edit's position renamed; and how many were."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    by_position = {(line, col): new for line, col, new in edits}

    class Rename(cst.CSTTransformer):
        METADATA_DEPENDENCIES = (PositionProvider,)

        def __init__(self) -> None:
            super().__init__()
            self.applied = 0

        def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
            pos = self.get_metadata(PositionProvider, original).start
            new = by_position.get((pos.line, pos.column + 1))
            if new is None:
                return updated
            self.applied += 1
            return updated.with_changes(value=new)

    rename = Rename()
    module = MetadataWrapper(cst.parse_module(source)).visit(rename)
    return module.code, rename.applied


def apply_fixes(path: Path, source: str, diags: Sequence[Diagnostic], time_limit: float | None = None) -> bool:
    """Rewrite `path` with the fixes of `diags` applied; False when there was nothing to change.
    Raises FixError when LibCST failed on the source (the file is left as it was)."""
    edits = [(d.fix.span.line, d.fix.span.col, d.fix.replacement) for d in diags if d.fix is not None]
    if not edits:
        return False
    new, applied = _in_child(source, edits, TIME_LIMIT_SECONDS if time_limit is None else time_limit)
    if not applied or new == source:
        return False
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(new)
        shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def _in_child(source: str, edits: Sequence[Edit], time_limit: float) -> tuple[str, int]:
    request = json.dumps({"source": source, "edits": edits}).encode("utf-8", "surrogatepass")
    env = dict(os.environ)
    # The child imports flowc the way this process did, even from a source checkout.
    here = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), here) if p)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "flowc.fix"],
            input=request,
            capture_output=True,
            timeout=time_limit,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise FixError(f"LibCST did not finish reading the file within {time_limit:g} s") from None
    except OSError as exc:
        raise FixError(f"cannot start {sys.executable}: {exc.strerror or exc}") from None
    if done.returncode < 0:
        raise FixError(f"LibCST crashed reading the file ({exit_status(done.returncode)})")
    if done.returncode != 0:
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise FixError(f"LibCST could not rewrite the file: {last[0] if last else f'status {done.returncode}'}")
    answer = json.loads(done.stdout)
    return answer["source"], answer["applied"]


def _main() -> None:
    request = json.loads(sys.stdin.buffer.read().decode("utf-8", "surrogatepass"))
    new, applied = fixed_source(request["source"], [tuple(e) for e in request["edits"]])
    sys.stdout.buffer.write(json.dumps({"source": new, "applied": applied}).encode("utf-8", "surrogatepass"))


if __name__ == "__main__":
    _main()
