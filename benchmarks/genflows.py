"""Generates the benchmark flows, in both dialects from one generator.

Every shape is written twice, once per dialect, with the same steps and bodies: `from flowc import ...`
for flowc and `from metaflow import ...` for Metaflow. flowc also compiles the Metaflow dialect, but
each tool gets its own files so that neither pays for the other's import (a Metaflow file imported by
flowc's runner would pull in Metaflow) and so that file caches treat both alike.

Sizes count every step, `start` and `end` included: `linear_10` has 10 steps and runs 10 tasks.

    python benchmarks/genflows.py OUT_DIR        # writes OUT_DIR/{flowc,metaflow}/...
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

DIALECTS = ("flowc", "metaflow")

LINEAR_SIZES = (5, 10, 100, 500, 1_000, 10_000)
BRANCH_WIDTHS = (50, 500)
FOREACH_WIDTH = 100
NESTED = (2, 3)
REPO_SIZE = 100


@dataclass(frozen=True)
class Shape:
    """One generated flow: its file name, class name and how many tasks a run of it makes."""

    name: str
    cls: str
    tasks: int
    body: Callable[[], Iterator[str]]  # lines of the class body, indented by four spaces
    deep: bool = False  # long enough to exhaust Metaflow's recursion (see DEEP_STEPS)


# Metaflow walks the graph recursively, one Python frame per step, and dies with RecursionError from
# about 1,000 chained steps at Python's default limit. The Metaflow files of such flows raise the limit
# first (the workaround a Metaflow user would need), so that the benchmark times Metaflow rather than
# its crash; docs/benchmarks.md shows the crash without it.
DEEP_STEPS = 900
RECURSION_WORKAROUND = ["import sys", "", "sys.setrecursionlimit(100_000)", ""]


def _header(dialect: str, names: str, deep: bool) -> list[str]:
    extra = RECURSION_WORKAROUND if deep and dialect == "metaflow" else []
    return [*extra, f"from {dialect} import {names}", "", ""]


def _footer(dialect: str, cls: str) -> list[str]:
    # Metaflow runs a flow through the module's `__main__`; flowc never executes the module that way.
    if dialect == "metaflow":
        return ["", "", 'if __name__ == "__main__":', f"    {cls}()"]
    return []


def _step(name: str, body: list[str], nxt: str | None, args: str = "self") -> list[str]:
    lines = ["", "    @step", f"    def {name}({args}):"]
    lines += [f"        {b}" for b in body]
    if nxt is not None:
        lines.append(f"        self.next({nxt})")
    return lines


def render(shape: Shape, dialect: str) -> str:
    lines = _header(dialect, "FlowSpec, step", shape.deep)
    lines.append(f"class {shape.cls}(FlowSpec):")
    lines.append(f'    """Benchmark flow {shape.name} ({shape.tasks} tasks per run)."""')
    lines.extend(shape.body())
    lines.extend(_footer(dialect, shape.cls))
    return "\n".join(lines) + "\n"


def linear(n: int, name: str | None = None, cls: str | None = None) -> Shape:
    if n < 2:
        raise ValueError("a linear flow has at least start and end")
    middle = [f"s{i:05d}" for i in range(1, n - 1)]

    def body() -> Iterator[str]:
        chain = ["start", *middle, "end"]
        for i, step_name in enumerate(chain[:-1]):
            yield from _step(step_name, [f"self.v = {i}"], f"self.{chain[i + 1]}")
        yield from _step("end", ["self.last = self.v"], None)

    return Shape(name or f"linear_{n}", cls or f"Linear{n}Flow", n, body, deep=n >= DEEP_STEPS)


def branch(width: int, name: str | None = None, cls: str | None = None) -> Shape:
    arms = [f"b{i:04d}" for i in range(width)]

    def body() -> Iterator[str]:
        yield from _step("start", ["self.v = 0"], ", ".join(f"self.{a}" for a in arms))
        for i, arm in enumerate(arms):
            yield from _step(arm, [f"self.v = {i}"], "self.join")
        yield from _step("join", ["self.total = sum(i.v for i in inputs)"], "self.end", "self, inputs")
        yield from _step("end", ["pass"], None)

    shape_name, shape_cls = name or f"branch_{width}", cls or f"Branch{width}Flow"
    return Shape(shape_name, shape_cls, width + 3, body, deep=width >= DEEP_STEPS)


def foreach(width: int, name: str | None = None, cls: str | None = None) -> Shape:
    def body() -> Iterator[str]:
        yield from _step("start", [f"self.items = list(range({width}))"], 'self.work, foreach="items"')
        yield from _step("work", ["self.v = self.input * 2"], "self.join")
        yield from _step("join", ["self.total = sum(i.v for i in inputs)"], "self.end", "self, inputs")
        yield from _step("end", ["pass"], None)

    return Shape(name or f"foreach_{width}", cls or f"Foreach{width}Flow", width + 3, body)


def nested(outer: int, inner: int) -> Shape:
    def body() -> Iterator[str]:
        yield from _step("start", [f"self.rows = list(range({outer}))"], 'self.row, foreach="rows"')
        yield from _step(
            "row", ["self.r = self.input", f"self.cols = list(range({inner}))"], 'self.cell, foreach="cols"'
        )
        yield from _step("cell", ["self.v = self.r * 10 + self.input"], "self.row_join")
        yield from _step("row_join", ["self.v = sum(i.v for i in inputs)"], "self.grid_join", "self, inputs")
        yield from _step("grid_join", ["self.total = sum(i.v for i in inputs)"], "self.end", "self, inputs")
        yield from _step("end", ["pass"], None)

    # start, rows, cells, one row_join per row, grid_join, end
    tasks = 1 + outer + outer * inner + outer + 1 + 1
    return Shape(f"nested_{outer}x{inner}", f"Nested{outer}x{inner}Flow", tasks, body)


def repo_flow(i: int) -> Shape:
    """Small flows of three shapes, so a repository is not a hundred copies of one."""
    name, cls = f"flow_{i:03d}", f"Repo{i:03d}Flow"
    kind = i % 3
    if kind == 0:
        return linear(6, name, cls)
    if kind == 1:
        return branch(3, name, cls)
    return foreach(4, name, cls)


def shapes() -> list[Shape]:
    out = [linear(n) for n in LINEAR_SIZES]
    out += [branch(w) for w in BRANCH_WIDTHS]
    out.append(foreach(FOREACH_WIDTH))
    out.append(nested(*NESTED))
    return out


REPO_DIR = f"repo_{REPO_SIZE}"


def generate(out: Path) -> dict[str, Shape]:
    """Writes every flow under out/<dialect>/ (the repository in out/<dialect>/repo_100/)."""
    written: dict[str, Shape] = {}
    for dialect in DIALECTS:
        root = out / dialect
        (root / REPO_DIR).mkdir(parents=True, exist_ok=True)
        for shape in shapes():
            _write(root / f"{shape.name}.py", render(shape, dialect))
            written[shape.name] = shape
        for i in range(REPO_SIZE):
            shape = repo_flow(i)
            _write(root / REPO_DIR / f"{shape.name}.py", render(shape, dialect))
    return written


def _write(path: Path, text: str) -> None:
    # Rewriting identical files would only bump their mtime; skip to keep reruns cheap.
    if path.exists() and path.read_text() == text:
        return
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path, help="folder to write into (created)")
    args = p.parse_args(argv)
    written = generate(args.out)
    print(f"wrote {len(written)} flows and a {REPO_SIZE}-flow repository per dialect under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
