"""Python's verdict first: every file goes through CPython's own parser and compiler before flowc reads
it, in a worker process, so a syntax error is Python's, at Python's place, nothing Python refuses
passes, and a crash of Python's compiler is a diagnostic for that file alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowc.analyzer import syntax, syntax_worker
from flowc.cli import main
from flowc.compiler import analyze

FORK_ONLY = pytest.mark.skipif(not syntax.FORK, reason="the worker is forked only where the platform forks")

FLOW = """\
from flowc import FlowSpec, step


class SimpleFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""

ORACLE = """
import json, sys
try:
    compile(sys.stdin.read(), "<flow>", "exec", dont_inherit=True)
    print("null")
except SyntaxError as e:
    print(json.dumps([e.msg, e.lineno, e.offset]))
"""


def python_says(source: str) -> tuple[str, int, int] | None:
    """What `python` itself says about `source` (asked in a process of its own): None when it compiles."""
    done = subprocess.run(
        [sys.executable, "-c", ORACLE], input=source, capture_output=True, text=True, check=True, encoding="utf-8"
    )
    found = json.loads(done.stdout)
    return None if found is None else (found[0], found[1], found[2])


# What the parser accepts and only Python's compiler refuses, written after a valid flow.
COMPILER_ONLY = [
    "return",
    "yield 1",
    "nonlocal x",
    "break",
    "continue",
    "await something()",
    "def helper(a, a):\n    pass",
    "from __future__ import braces_please",
    "x = *rest",
    "def helper():\n    x = 1\n    global x",
]


@pytest.mark.parametrize("tail", COMPILER_ONLY)
def test_what_only_pythons_compiler_refuses_is_refused_as_python_says(write_flow, tail: str) -> None:
    source = FLOW + "\n" + tail + "\n"
    said = python_says(source)
    assert said is not None, "the case must be one Python refuses"
    message, line, col = said
    a = analyze(write_flow(source))
    assert [d.code for d in a.diagnostics] == ["FC001"]
    (d,) = a.diagnostics
    assert d.message == f"syntax error: {message}"
    assert d.span is not None and (d.span.line, d.span.col) == (line, col)
    assert a.flow is None


@pytest.mark.parametrize("depth", [201, 500, 1280, 1300, 5000])
def test_too_many_nested_parentheses_is_pythons_syntax_error(write_flow, depth: int) -> None:
    # hostile/py_invalid_nesting.py and hostile/deep_parens.py: a valid flow, then one deep expression.
    # LibCST accepted up to ~1,280 levels and crashed the process (SIGSEGV) from ~1,300.
    source = FLOW + "\nY = " + "(" * depth + "1" + ")" * depth + "\n"
    said = python_says(source)
    assert said is not None and said[0] == "too many nested parentheses"
    (d,) = analyze(write_flow(source)).diagnostics
    assert (d.code, d.message) == ("FC001", "syntax error: too many nested parentheses")
    assert d.span is not None and (d.span.line, d.span.col) == said[1:]


def test_two_hundred_nested_parentheses_are_still_python(write_flow) -> None:
    source = FLOW + "\nY = " + "(" * 200 + "1" + ")" * 200 + "\n"
    assert python_says(source) is None
    a = analyze(write_flow(source))
    assert a.diagnostics == [] and a.flow is not None


def test_compiler_columns_count_characters_not_bytes(write_flow) -> None:
    # Python's compiler gives `return` at byte 8 (é is two bytes); an editor shows column 8.
    source = FLOW + "\né = 1; return\n"
    (d,) = analyze(write_flow(source)).diagnostics
    assert d.message == "syntax error: 'return' outside function"
    assert d.span is not None and (d.span.line, d.span.col, d.span.end_col) == (13, 8, 14)


def test_parser_columns_count_characters(write_flow) -> None:
    source = FLOW + "\nnames = ['é', 'ü' 'ö', ]]\n"
    said = python_says(source)
    assert said is not None
    (d,) = analyze(write_flow(source)).diagnostics
    assert d.span is not None and (d.span.line, d.span.col) == said[1:] == (13, 25)


def test_a_nul_character_is_refused_where_it_is(write_flow) -> None:
    path = write_flow("")
    path.write_bytes((FLOW + 'x = "a\0b"\n').encode())
    (d,) = analyze(path).diagnostics
    assert d.code == "FC001" and "null bytes" in d.message
    assert d.span is not None and (d.span.line, d.span.col) == (12, 7)


def test_nesting_python_cannot_follow_is_fc005(write_flow) -> None:
    # Python's parser runs out of stack on 10,000 unary minus signs (MemoryError in CPython 3.11),
    # and its AST builder out of recursion on a 10,000-term sum: both are files Python cannot run.
    for expr in ("-" * 10_000 + "1", "+".join(["1"] * 10_000)):
        a = analyze(write_flow(FLOW + "\nLIMIT = " + expr + "\n"))
        assert [d.code for d in a.diagnostics] == ["FC005"], a.diagnostics
        assert a.diagnostics[0].message.startswith("Python cannot compile this file")


def test_a_file_over_the_size_limit_is_not_read(write_flow, monkeypatch) -> None:
    monkeypatch.setattr(syntax, "MAX_SOURCE_BYTES", 1000)
    path = write_flow(FLOW + "#" * 2000 + "\n")
    (d,) = analyze(path).diagnostics
    assert d.code == "FC005"
    assert d.message == f"the file is {path.stat().st_size:,} bytes; flowc reads flow files of up to 1,000 bytes"
    (d,) = analyze(path, source=path.read_text()).diagnostics
    assert d.code == "FC005"


# -- a worker that misbehaves -------------------------------------------------------------------

FAKE_WORKER = """
import os, runpy, signal, sys, time
verdict = runpy.run_path({real!r})["verdict"]
while True:
    header = sys.stdin.buffer.readline()
    if not header.strip():
        break
    data = sys.stdin.buffer.read(int(header))
    if b"CRASH_PYTHON" in data:
        os.kill(os.getpid(), signal.SIGSEGV)
    if b"HANG_PYTHON" in data:
        time.sleep(600)
    import json
    sys.stdout.buffer.write(json.dumps(verdict(data.decode())).encode() + b"\\n")
    sys.stdout.buffer.flush()
"""


def misbehaving_verdict(source: str, parsed=None):
    """The worker's `verdict`, but crashing on CRASH_PYTHON and hanging on HANG_PYTHON."""
    if "CRASH_PYTHON" in source:
        os.kill(os.getpid(), signal.SIGSEGV)
    if "HANG_PYTHON" in source:
        time.sleep(600)
    return REAL_VERDICT(source, parsed)


REAL_VERDICT = syntax_worker.verdict
WORKER_KINDS = ["spawned", pytest.param("forked", marks=FORK_ONLY)]


def _as_if_single_threaded(monkeypatch: pytest.MonkeyPatch) -> None:
    # The whole suite's process runs other threads (the conformance batches run in the background),
    # and flowc then spawns its worker instead of forking: these tests are about the forked worker
    # itself, so they let it fork. test_the_worker_is_forked_only_while_no_other_thread_runs tests
    # the rule.
    monkeypatch.setattr(syntax, "_single_threaded", lambda: True)


@pytest.fixture(params=WORKER_KINDS)
def fake_worker(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Python's compiler as a worker that crashes on CRASH_PYTHON and hangs on HANG_PYTHON: a script
    run by a new interpreter, or this process forked with the worker's `verdict` replaced."""
    monkeypatch.setattr(syntax, "_worker", None)
    if request.param == "forked":
        monkeypatch.setattr(syntax, "FORK", True)
        _as_if_single_threaded(monkeypatch)
        monkeypatch.setattr(syntax_worker, "verdict", misbehaving_verdict)
    else:
        script = tmp_path / "fake_worker.py"
        script.write_text(FAKE_WORKER.format(real=str(syntax.WORKER)))
        monkeypatch.setattr(syntax, "WORKER", script)
        monkeypatch.setattr(syntax, "FORK", False)
    syntax.start_worker()
    assert syntax._worker is not None
    assert isinstance(syntax._worker.proc, syntax._Forked) == (request.param == "forked")
    yield
    if syntax._worker is not None:
        syntax._worker.close()


def test_python_crashing_on_one_file_is_fc006_and_the_others_are_still_checked(
    tmp_path: Path, fake_worker: None, capsys
) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "a_good.py").write_text(FLOW)
    (folder / "b_crash.py").write_text(FLOW + "# CRASH_PYTHON\n")
    (folder / "c_typo.py").write_text(FLOW.replace("self.next(self.end)", "self.next(self.ned)"))
    (folder / "d_good.py").write_text(FLOW.replace("SimpleFlow", "OtherFlow"))
    assert main(["check", str(folder), "--format", "json"]) == 1
    found = {(Path(d["file"]).name, d["code"]) for d in json.loads(capsys.readouterr().out)}
    assert found == {("b_crash.py", "FC006"), ("c_typo.py", "FC101")}
    (d,) = analyze(folder / "b_crash.py").diagnostics
    assert "SIGSEGV" in d.message and d.hint is not None


def test_python_taking_too_long_is_fc005(write_flow, fake_worker: None, monkeypatch) -> None:
    monkeypatch.setattr(syntax, "TIME_LIMIT_SECONDS", 1.0)
    (d,) = analyze(write_flow(FLOW + "# HANG_PYTHON\n")).diagnostics
    assert d.code == "FC005" and "within 1 s" in d.message
    # the next file gets a fresh worker
    assert analyze(write_flow(FLOW)).diagnostics == []


def test_without_a_worker_python_compiles_in_this_process(write_flow, monkeypatch) -> None:
    monkeypatch.setattr(syntax, "_worker", None)
    monkeypatch.setattr(syntax, "FORK", False)
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
    (d,) = analyze(write_flow(FLOW + "return\n")).diagnostics
    assert d.message == "syntax error: 'return' outside function"
    assert analyze(write_flow(FLOW)).diagnostics == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_starts_its_own_worker(write_flow) -> None:
    good, bad = write_flow(FLOW, "good.py"), write_flow(FLOW + "return\n", "bad.py")
    assert analyze(good).diagnostics == []  # this process's worker is running
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        try:
            codes = [d.code for d in analyze(bad).diagnostics]
            os.write(write, json.dumps(codes).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as fh:
        child_codes = json.loads(fh.read() or "null")
    os.waitpid(pid, 0)
    assert child_codes == ["FC001"]
    # the parent's worker answers the parent, in order
    assert [d.code for d in analyze(bad).diagnostics] == ["FC001"]
    assert analyze(good).diagnostics == []


def test_warnings_python_gives_are_not_printed(write_flow, capfd) -> None:
    source = FLOW + textwrap.dedent(
        """
        PATTERN = "\\d+"
        CHECK = 1 is 1
        """
    )
    a = analyze(write_flow(source))
    assert a.diagnostics == []
    out, err = capfd.readouterr()
    assert out == "" and err == ""


@FORK_ONLY
def test_the_worker_is_forked_only_while_no_other_thread_runs(write_flow, monkeypatch) -> None:
    monkeypatch.setattr(syntax, "_worker", None)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        syntax.start_worker()
        assert syntax._worker is not None and isinstance(syntax._worker.proc, subprocess.Popen)
        assert analyze(write_flow(FLOW + "return\n")).diagnostics[0].code == "FC001"
    finally:
        stop.set()
        other.join()
        assert syntax._worker is not None
        syntax._worker.close()


@FORK_ONLY
def test_a_forked_worker_keeps_none_of_this_process_files_open(write_flow, monkeypatch) -> None:
    # A pipe open when the worker forks: its reader must see the end once this process closes it.
    read, write = os.pipe()
    monkeypatch.setattr(syntax, "_worker", None)
    _as_if_single_threaded(monkeypatch)
    syntax.start_worker()
    try:
        assert syntax._worker is not None and isinstance(syntax._worker.proc, syntax._Forked)
        assert analyze(write_flow(FLOW)).diagnostics == []
        os.close(write)
        os.set_blocking(read, False)
        assert os.read(read, 1) == b""  # end of file, not "would block": no writer is left
    finally:
        os.close(read)
        assert syntax._worker is not None
        syntax._worker.close()
    assert syntax._worker.proc.poll() == 0
