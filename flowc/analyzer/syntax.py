"""Python's verdict first: every source goes through CPython's own parser and compiler before flowc reads
it, so a syntax error is Python's, at Python's position, and nothing Python refuses passes.

Python's parser and compiler are C code, and C code can crash the process instead of raising: CPython
releases flowc supports have had segmentation faults on particular inputs (a `with` of 19 context
managers in 3.12.0-3.12.1, a parser error path in 3.12.1, very deep expressions in the AST constructor
before 3.11). No check flowc could make beforehand rules such inputs out, so the compiler runs in a
worker process of its own (`syntax_worker.py`, one per flowc process, reused for every file): a crash
there becomes a diagnostic for that file, and the other files are still checked. Only a source the
worker compiled is parsed again here, by the same interpreter, so the parse in this process cannot
crash. A worker that cannot start (no interpreter to start) is replaced by compiling in this process.

The worker is a fork of this process where that is safe (Linux and other POSIX systems but macOS, and
no other thread running yet): it then costs a millisecond instead of a new interpreter's start and
imports, which were a quarter of a small `flowc check`'s CPU time. Elsewhere it is a fresh
`python -I -S syntax_worker.py`.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import json
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowc.diagnostics import Diagnostic
from flowc.ir import Span

if TYPE_CHECKING:
    import subprocess

# Larger sources are refused before Python reads them: a flow of 10,000 steps is under 1 MiB, and the
# syntax tree of a source takes about 100 times its size in memory.
MAX_SOURCE_BYTES = 16 * 1024 * 1024
# Python compiles 10,000 steps in well under a second; a source that takes this long is refused.
TIME_LIMIT_SECONDS = 120.0

WORKER = Path(__file__).with_name("syntax_worker.py")
SYNTAX_HINT = "fix the Python syntax first; nothing else can be checked until then"


# Whether the worker may be a fork of this process (see the module's docstring); tests turn it off to
# run a stand-in script as the worker.
FORK = hasattr(os, "fork") and sys.platform != "darwin"


def _max_fd() -> int:
    try:
        return max(int(os.sysconf("SC_OPEN_MAX")), 256)
    except (OSError, ValueError):
        return 256


class _Forked:
    """The worker as a forked child of this process, with the part of `subprocess.Popen`'s interface
    that `_Worker` uses: `stdin`, `stdout`, `poll()`, `wait()`, `kill()`."""

    def __init__(self) -> None:
        from flowc.analyzer import syntax_worker

        request_r, request_w = os.pipe()
        answer_r, answer_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports through its pipe
            import signal

            status = 1
            try:
                # The child holds nothing of this process's but its two pipes: a pipe it kept open would
                # not see its end when this process closes it, and a traceback goes nowhere.
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.dup2(request_r, 0)
                os.dup2(answer_w, 1)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)
                os.closerange(3, _max_fd())
                syntax_worker.serve(os.fdopen(0, "rb"), os.fdopen(1, "wb"))
                status = 0
            finally:
                os._exit(status)
        os.close(request_r)
        os.close(answer_w)
        self.pid = pid
        self.returncode: int | None = None
        self.stdin = os.fdopen(request_w, "wb")
        self.stdout = os.fdopen(answer_r, "rb")

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if timeout is None:
            while self.returncode is None:
                _, status = os.waitpid(self.pid, 0)
                self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                import subprocess

                raise subprocess.TimeoutExpired(f"syntax worker {self.pid}", timeout)
            time.sleep(0.005)
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        import signal

        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)


def _single_threaded() -> bool:
    """No thread runs but this one: none of Python's, and (where /proc tells) none a C library started."""
    if threading.active_count() != 1:
        return False
    try:
        with open("/proc/self/stat", "rb") as fh:
            # The fields after the command's name (which may hold spaces) start at the 3rd; the 20th
            # is the number of threads.
            return int(fh.read().rpartition(b")")[2].split()[17]) == 1
    except (OSError, ValueError, IndexError):
        return True  # no /proc: Python's own count is what there is


class _Worker:
    """One worker process and the pipes to it; answers one request at a time."""

    def __init__(self) -> None:
        self.pid = os.getpid()  # a forked child must start its own, not share these pipes
        self.proc: _Forked | subprocess.Popen[bytes]
        if FORK and _single_threaded():
            # Forking a process with other threads running can leave the child holding their locks.
            self.proc = _Forked()
        else:
            import subprocess  # only here: a forked worker does without it (its import is ~2 ms)

            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", str(WORKER)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )

    def alive(self) -> bool:
        return self.pid == os.getpid() and self.proc.poll() is None

    def ask(self, data: bytes, time_limit: float, parsed: Callable[[], None] | None = None) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            self.proc.kill()

        timer = threading.Timer(time_limit, stop)
        timer.start()
        try:
            self.proc.stdin.write(b"%d\n" % len(data) + data)
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
            if line.startswith(_PARSED):
                # The worker's parser took the source; while it compiles, this process parses.
                if parsed is not None:
                    try:
                        parsed()
                    except BaseException:
                        self.proc.kill()  # its answer would be read as the next file's
                        raise
                line = self.proc.stdout.readline()
        except OSError:  # the worker died while reading the request
            line = b""
        finally:
            timer.cancel()
            timer.join()  # gone before the next worker starts: a fork wants no other thread running
        if line:
            answer: dict[str, Any] = json.loads(line)
            return answer
        code = self.proc.wait()
        if timed_out.is_set():
            return {"kind": "timeout"}
        return {"kind": "crashed", "returncode": code}

    def close(self) -> None:
        if self.alive() and self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except Exception:  # OSError, or subprocess.TimeoutExpired: it did not stop in time
                self.proc.kill()


_PARSED = b'{"kind": "parsed"}'
_worker: _Worker | None = None
_lock = threading.Lock()


def start_worker() -> None:
    """Start the worker now (it takes a few milliseconds), so that it is ready by the first file."""
    global _worker
    with _lock:
        if _worker is None or not _worker.alive():
            if _worker is None:
                atexit.register(_close)
            try:
                _worker = _Worker()
            except OSError:
                _worker = None


def _close() -> None:
    if _worker is not None:
        _worker.close()


def python_verdict(
    source: str, time_limit: float | None = None, parsed: Callable[[], None] | None = None
) -> dict[str, Any]:
    """What Python's parser and compiler say about `source` (see `syntax_worker.verdict`), or
    {"kind": "crashed", "returncode": N} when Python died on it, or {"kind": "timeout"}. `parsed` is
    called once Python's parser has read the source without crashing (perhaps not at all)."""
    data = source.encode("utf-8", "surrogatepass")
    start_worker()
    with _lock:
        worker = _worker
        if worker is None:
            from flowc.analyzer import syntax_worker

            return syntax_worker.verdict(source)
        answer = worker.ask(data, TIME_LIMIT_SECONDS if time_limit is None else time_limit, parsed)
    return answer


def check(file: str, source: str, lines: list[str], parsed: Callable[[], None] | None = None) -> Diagnostic | None:
    """None when Python compiles `source`; else the diagnostic saying why it does not. `parsed` as
    for `python_verdict`."""
    answer = python_verdict(source, parsed=parsed)
    kind = answer["kind"]
    if kind == "ok":
        return None
    if kind == "syntax":
        return _syntax_error(file, answer, lines)
    if kind == "too_complex":
        return Diagnostic(
            "FC005",
            f"Python cannot compile this file: {_complexity(answer['message'])}",
            file,
            hint="an expression or a block is nested too deeply for Python: split it into smaller parts",
        )
    if kind == "timeout":
        return Diagnostic(
            "FC005",
            f"Python did not finish compiling this file within {TIME_LIMIT_SECONDS:g} s",
            file,
            hint="split the file: a flow's source is rarely more than a few thousand lines",
        )
    return Diagnostic(
        "FC006",
        f"Python itself crashed while compiling this file ({exit_status(answer.get('returncode'))}); "
        "`python` would crash on it too",
        file,
        hint=f"`{Path(sys.executable).name} -X faulthandler -m py_compile {file}` shows the crash; rewrite "
        "the construct it points at, and report it to CPython if the file is valid Python",
    )


def too_large(file: str, size: int) -> Diagnostic:
    return Diagnostic(
        "FC005",
        f"the file is {_size(size)}; flowc reads flow files of up to {_size(MAX_SOURCE_BYTES)}",
        file,
        hint="a flow's source is rarely more than a few thousand lines: move data out of the file",
    )


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.3g} MiB" if n >= 1024 * 1024 else f"{n:,} bytes"


def parse(file: str, source: str, lines: list[str]) -> tuple[ast.Module | None, Diagnostic | None]:
    """The syntax tree of `source`, once Python has compiled it in the worker; else the diagnostic."""
    got: list[ast.Module | BaseException] = []

    def parse_here() -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got.append(ast.parse(source, file))
        except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
            got.append(err)

    # Parsed here as soon as the worker's parser has read the source (it compiles meanwhile); the
    # tree is used only once the worker has compiled the source too.
    problem = check(file, source, lines, parse_here)
    if problem is not None:
        return None, problem
    if not got:
        parse_here()
    if isinstance(got[0], ast.Module):
        return got[0], None
    # The worker compiled this very text with this very interpreter: not expected, but a
    # diagnostic all the same.
    return None, Diagnostic("FC005", f"Python cannot parse this file: {got[0]}", file)


def _syntax_error(file: str, answer: dict[str, Any], lines: list[str]) -> Diagnostic:
    message = answer["message"]
    line = answer.get("line")
    if not line or line < 1:
        return Diagnostic("FC001", f"syntax error: {message}", file, hint=SYNTAX_HINT)
    col = max(answer.get("offset") or 1, 1)
    end_line = answer.get("end_line") or line
    end_col = answer.get("end_offset") or 0
    if answer.get("stage") == "compile":
        # The compiler counts columns in UTF-8 bytes (the parser counts characters).
        col = _character(lines, line, col)
        end_col = _character(lines, end_line, end_col) if end_col else 0
    end_col = end_col if end_line == line and end_col > col else col + 1
    return Diagnostic("FC001", f"syntax error: {message}", file, Span(line, col, line, end_col), hint=SYNTAX_HINT)


def _character(lines: list[str], line: int, offset: int) -> int:
    """A 1-based byte offset on `line` as a 1-based character offset."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if text.isascii():
        return offset
    return len(text.encode("utf-8", "surrogatepass")[: offset - 1].decode("utf-8", "replace")) + 1


def _complexity(message: str) -> str:
    if message == "MemoryError":
        return "its parser ran out of stack (MemoryError)"
    return message


def exit_status(returncode: int | None) -> str:
    """How a child process ended, in words: `SIGSEGV`, or `exit status 3`."""
    if returncode is not None and returncode < 0:
        import signal

        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit status {returncode}"
