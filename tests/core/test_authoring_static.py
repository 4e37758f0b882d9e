"""What the analyzer reads of Metaflow's authoring dialect beyond one class: `@step(start=True)` /
`@step(end=True)` (with Metaflow 2.19's rules for ambiguity and one-step flows), and inheritance from
base flows and mixins read from source (same file, or a module of the flow's package)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from flowc.compiler import analyze
from flowc.ir import Flow, StepKind


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source).lstrip())
    return path


def codes(path: Path, flow: str | None = None, all_flows: bool = False) -> list[str]:
    return [d.code for d in analyze(path, flow, all_flows=all_flows).diagnostics]


def test_annotated_ends_name_the_entry_and_exit(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.py",
        """
        from metaflow import FlowSpec, step

        class F(FlowSpec):
            @step(start=True)
            def begin(self):
                self.next(self.finish)

            @step(end=True)
            def finish(self):
                pass
        """,
    )
    flow = analyze(path).flow
    assert flow is not None
    assert (flow.start_step, flow.end_step) == ("begin", "finish")
    assert [flow.step("begin").kind, flow.step("finish").kind] == [StepKind.START, StepKind.END]
    # The mark survives the IR's JSON round trip (the runner reads the IR back).
    again = Flow.from_json(flow.to_json())
    assert (again.start_step, again.end_step) == ("begin", "finish")


def test_flows_without_marks_keep_their_ir_bytes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.py",
        """
        from flowc import FlowSpec, step

        class F(FlowSpec):
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
        """,
    )
    flow = analyze(path).flow
    assert flow is not None and "entry" not in flow.to_json()


def test_two_annotated_starts_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.py",
        """
        from metaflow import FlowSpec, step

        class F(FlowSpec):
            @step(start=True)
            def a(self):
                self.next(self.end)

            @step(start=True)
            def b(self):
                self.next(self.end)

            @step
            def end(self):
                pass
        """,
    )
    diags = analyze(path).diagnostics
    assert any(d.code == "FC106" and "a, b" in d.message for d in diags), diags


def test_an_annotated_end_beside_a_step_named_end_is_ambiguous(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.py",
        """
        from metaflow import FlowSpec, step

        class F(FlowSpec):
            @step
            def start(self):
                self.next(self.finish)

            @step(end=True)
            def finish(self):
                pass

            @step
            def end(self):
                pass
        """,
    )
    diags = analyze(path).diagnostics
    assert any(d.code == "FC107" and "ambiguous" in d.message for d in diags), diags


def test_step_takes_only_start_and_end(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.py",
        """
        from metaflow import FlowSpec, step

        class F(FlowSpec):
            @step(begin=True)
            def start(self):
                self.next(self.end)

            @step(end="yes")
            def end(self):
                pass
        """,
    )
    assert sorted(codes(path)) == ["FC302", "FC304"]


BASES = """
from metaflow import FlowSpec, Parameter, schedule, step

class Mixin:
    size = Parameter("size", default=1)
    LIMIT = 3

@schedule(daily=True)
class Base(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_a_subclass_inherits_steps_parameters_and_flow_decorators(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.py",
        BASES
        + """
class Child(Mixin, Base):
    @step
    def start(self):
        self.next(self.middle)

    @step
    def middle(self):
        self.next(self.end)
""",
    )
    a = analyze(path)
    assert a.flow is not None, a.diagnostics
    # The most derived class is the flow, without --flow and without a __main__ block.
    assert a.flow.name == "Child"
    assert [s.name for s in a.flow.walk()] == ["start", "middle", "end"]
    assert [p.name for p in a.flow.parameters] == ["size"]
    assert a.flow.schedule is not None and a.flow.schedule.preset == "daily"
    # `flowc check` (every flow of the file) checks Child and Base, each complete; --flow finds both.
    assert codes(path, all_flows=True) == []
    assert analyze(path, "Base").flow is not None


def test_an_incomplete_base_is_not_a_broken_flow(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.py",
        """
        from metaflow import FlowSpec, step

        class Base(FlowSpec):
            @step
            def start(self):
                self.next(self.end)

        class Child(Base):
            @step
            def end(self):
                pass
        """,
    )
    assert codes(path, all_flows=True) == []
    assert codes(path, "Child") == []


def test_a_method_of_the_subclass_hides_the_base_step(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.py",
        BASES
        + """
class Middle(Base):
    @step
    def start(self):
        self.next(self.middle)

    @step
    def middle(self):
        self.next(self.end)

class Child(Middle):
    def end(self):
        pass
""",
    )
    # Python finds Child.end, which is not a step: the flow has no end step.
    assert {"FC107", "FC113"} <= set(codes(path, "Child"))


CHILD = """
from metaflow import step

class Child(Mixin, Base):
    @step
    def end(self):
        self.x = self.LIMIT
"""


def test_a_base_in_a_module_beside_the_flow(tmp_path: Path) -> None:
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/common.py", BASES)
    write(tmp_path, "pkg/sub/shared.py", BASES)
    for name, imp in (("a.py", "from common import Base, Mixin"), ("c.py", "from sub.shared import Base, Mixin")):
        path = write(tmp_path, f"pkg/{name}", imp + CHILD)
        a = analyze(path)
        assert a.flow is not None, a.diagnostics
        assert a.flow.name == "Child" and [p.name for p in a.flow.parameters] == ["size"]


def test_a_base_no_task_could_import_is_refused_with_the_import_that_works(tmp_path: Path) -> None:
    # A task runs the flow's file as a script with the flow's folder as its import root, and the code
    # package holds that folder only: these bases are read, but every task would fail to import them.
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/common.py", BASES)
    write(tmp_path, "pkg/flows/__init__.py", "")
    write(tmp_path, "pkg/flows/near.py", BASES)
    cases = {
        "pkg/b.py": ("from .common import Base, Mixin", "imported relatively", "from common import "),
        "pkg/flows/up.py": ("from ..common import Base, Mixin", "imported relatively", "move common.py into"),
        "pkg/flows/pkg_abs.py": ("from pkg.common import Base, Mixin", "outside the flow's folder", "move common.py"),
        "pkg/flows/long.py": ("from pkg.flows.near import Base, Mixin", "not importable", "from near import "),
    }
    for name, (imp, why, hint) in cases.items():
        path = write(tmp_path, name, imp + CHILD)
        found = [d for d in analyze(path).diagnostics if d.code == "FC117"]
        assert len(found) == 2, (name, analyze(path).diagnostics)  # Mixin and Base
        d = found[0]
        assert why in d.message and d.hint is not None and hint in d.hint, (name, d)
        assert d.file == str(path) and d.span is not None and d.span.line == 4, d


def test_a_problem_in_a_base_from_another_file_names_that_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        "common.py",
        """
        from metaflow import FlowSpec, step

        class Base(FlowSpec):
            @step
            def start(self):
                self.next(self.nowhere)
        """,
    )
    path = write(
        tmp_path,
        "flow.py",
        "from common import Base\nfrom metaflow import step\n\n"
        + "class Child(Base):\n    @step\n    def end(self):\n        pass\n",
    )
    (d,) = analyze(path).diagnostics
    assert d.code == "FC101" and d.file == str(tmp_path / "common.py"), d
    assert d.span is not None and (d.span.line, d.span.col) == (6, 24)
    # `flowc check` shows that file's line under the location.
    from flowc.cli import main

    assert main(["check", str(path), "--color", "never"]) == 1
    captured = capsys.readouterr()
    err = captured.out + captured.err
    assert f"{tmp_path / 'common.py'}:6:24: FC101" in err and "self.next(self.nowhere)" in err, err


def test_a_folder_check_takes_a_base_of_another_file_as_a_base(tmp_path: Path, capsys) -> None:
    """`flowc check flows/`: a base flow in its own module that is incomplete (its start goes to a
    step only the subclass defines) is not a broken flow, and the subclass's file, which need not
    mention FlowSpec, is checked, however deep the chain of modules."""
    from flowc.cli import main

    write(
        tmp_path,
        "flows/base.py",
        """
        from metaflow import FlowSpec, step

        class Base(FlowSpec):
            @step
            def start(self):
                self.next(self.train)

            @step
            def end(self):
                pass
        """,
    )
    middle = """
        from base import Base
        from metaflow import step

        class Middle(Base):
            @step
            def train(self):
                self.next(self.evaluate)
        """
    write(tmp_path, "flows/middle.py", middle)
    child = """
        from middle import Middle
        from metaflow import step

        class Child(Middle):
            @step
            def evaluate(self):
                self.next(self.end)
        """
    write(tmp_path, "flows/child.py", child)
    write(tmp_path, "flows/helpers.py", "def helper():\n    return 1\n")
    assert main(["check", str(tmp_path / "flows")]) == 0, capsys.readouterr()
    assert "1 flow checked, no problems" in capsys.readouterr().err
    # The subclass is checked: a mistake in it is found although its file never says FlowSpec.
    write(tmp_path, "flows/child.py", child.replace("self.next(self.end)", "self.next(self.ned)"))
    assert main(["check", str(tmp_path / "flows")]) == 1
    assert "child.py:7:24: FC101 self.next(self.ned)" in capsys.readouterr().out


def test_an_unreadable_base_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.py",
        """
        from metaflow import FlowSpec, step
        from somewhere_else import Helpers

        class F(Helpers, FlowSpec):
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
        """,
    )
    (d,) = analyze(path).diagnostics
    assert d.code == "FC114" and "Helpers" in d.message and d.span is not None and d.span.line == 4
    # --flow naming a class whose only base cannot be read says why, not "no flow class"
    path = write(tmp_path, "g.py", "from somewhere_else import Base\n\nclass G(Base):\n    pass\n")
    assert codes(path, "G") == ["FC114"]


def test_an_assignment_that_expects_the_refusal_is_not_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.py",
        """
        from metaflow import FlowSpec, Parameter, step

        class F(FlowSpec):
            alpha = Parameter("alpha", default=1)
            LIMIT = 3

            @step
            def start(self):
                try:
                    self.alpha = 2
                except AttributeError:
                    self.refused = True
                try:
                    self.LIMIT = 4
                finally:
                    pass
                self.next(self.end)

            @step
            def end(self):
                pass
        """,
    )
    # Only the assignment no handler expects is reported (Metaflow runs the first, fails the second).
    diags = analyze(path).diagnostics
    assert [(d.code, d.span.line if d.span else None) for d in diags] == [("FC406", 14)]
