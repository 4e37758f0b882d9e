"""Python's own compiler, run on flow sources in a process of its own (see `flowc.analyzer.syntax`).

Where the platform forks, the worker is a forked copy of flowc's process that calls `serve`; elsewhere
this file is run as a script by a fresh interpreter (`python -I -S syntax_worker.py`), so it imports
the standard library only. It reads requests from stdin, one after another: a line holding the size in
bytes, then that many bytes of UTF-8 source. For each it writes one line of JSON to stdout: what
Python's parser and compiler said. Before that line, once the source has parsed, it writes
`{"kind": "parsed"}`: the source is then known not to crash the parser, so flowc's process parses it
too while this one compiles it. It never runs the source. It stops at the end of its input.
"""

from __future__ import annotations

import ast
import gc
import json
import sys
import warnings
from collections.abc import Callable
from typing import Any

# Not the file's real name: Python would open that file to quote the offending line in some errors,
# and the text compiled here is not necessarily what is on disk.
FILENAME = "<flow>"


def verdict(source: str, parsed: Callable[[], None] | None = None) -> dict[str, Any]:
    """What Python says about `source`: {"kind": "ok"}, a syntax error with its position (and the
    stage that found it: "parse" columns count characters, "compile" columns count UTF-8 bytes), or
    "too_complex" when Python's parser or compiler ran out of room. `parsed` is called once the
    source has parsed, before it is compiled."""
    stage = "parse"
    try:
        with warnings.catch_warnings():
            # Warnings (an invalid escape in a string, `is` with a literal) are not errors, and this
            # process has no one to show them to.
            warnings.simplefilter("ignore")
            tree = ast.parse(source, FILENAME)
            stage = "compile"
            if parsed is not None:
                parsed()
            try:
                # The symbol table and code generation catch what the parser alone accepts: a
                # `return` outside a function, `nonlocal` at module level, a duplicate argument...
                compile(tree, FILENAME, "exec", dont_inherit=True)
            except RecursionError:
                # compile() checks a tree with the interpreter's recursion limit, which is lower than
                # what the parser accepts; compile the text instead, as `python flow.py` does.
                del tree
                compile(source, FILENAME, "exec", dont_inherit=True)
    except SyntaxError as err:  # IndentationError and TabError too
        answer: dict[str, Any] = {
            "kind": "syntax",
            "stage": stage,
            "message": str(err.msg),
            "line": err.lineno,
            "offset": err.offset,
            "end_line": getattr(err, "end_lineno", None),
            "end_offset": getattr(err, "end_offset", None),
        }
    except (RecursionError, MemoryError) as err:
        return {"kind": "too_complex", "stage": stage, "message": str(err) or type(err).__name__}
    except ValueError as err:  # a NUL character (before 3.11.?), a lone surrogate
        answer = {"kind": "syntax", "stage": stage, "message": str(err)}
    else:
        return {"kind": "ok"}
    if not answer.get("line") and "\0" in source:
        # Python names no position for a NUL character: the first one is the place to look.
        before = source[: source.index("\0")]
        lines = before.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        answer.update(line=len(lines), offset=len(lines[-1]) + 1, end_line=None, end_offset=None)
    return answer


PARSED = {"kind": "parsed"}


def _write(stdout: Any, answer: dict[str, Any]) -> None:
    stdout.write(json.dumps(answer).encode("ascii") + b"\n")
    stdout.flush()


def serve(stdin: Any, stdout: Any) -> None:
    """Answer requests from the binary file `stdin` on the binary file `stdout` until the input ends."""
    # Syntax trees hold no reference cycles; the cyclic collector would only slow their building.
    gc.disable()
    while True:
        header = stdin.readline()
        if not header.strip():
            return
        data = stdin.read(int(header))
        answer = verdict(data.decode("utf-8", "surrogatepass"), lambda: _write(stdout, PARSED))
        stdout.write(json.dumps(answer).encode("ascii") + b"\n")
        stdout.flush()


def main() -> None:
    serve(sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()
