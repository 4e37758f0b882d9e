"""`flowc check --fix`: apply certain fixes through LibCST, keeping formatting and comments."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from flowc.diagnostics import Diagnostic


class _Rename(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, edits: dict[tuple[int, int], str]) -> None:
        super().__init__()
        self.edits = edits
        self.applied = 0

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        pos = self.get_metadata(PositionProvider, original).start
        new = self.edits.get((pos.line, pos.column + 1))
        if new is None:
            return updated
        self.applied += 1
        return updated.with_changes(value=new)


def fixed_source(source: str, diags: Sequence[Diagnostic]) -> tuple[str, int]:
    edits = {(d.fix.span.line, d.fix.span.col): d.fix.replacement for d in diags if d.fix is not None}
    wrapper = MetadataWrapper(cst.parse_module(source))
    t = _Rename(edits)
    module = wrapper.visit(t)
    return module.code, t.applied


def apply_fixes(path: Path, source: str, diags: Sequence[Diagnostic]) -> bool:
    new, applied = fixed_source(source, diags)
    if not applied or new == source:
        return False
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(new)
    shutil.copymode(path, tmp)
    os.replace(tmp, path)
    return True
