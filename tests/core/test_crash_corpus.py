"""No input crashes the check: deep nesting of every kind, at and past Python's limits, in every place a
flow reads (module constants, parameters, decorators, step bodies, self.next), huge lines and many
statements. The inputs are generated here, not committed. For each, flowc never raises, reports only
known codes, and agrees with Python itself: a file Python compiles is read (no FC001/FC005), a file
Python refuses is refused with Python's message."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from flowc.cli import main
from flowc.compiler import analyze
from flowc.diagnostics import CODES

# Expression builders: depth -> source text of one expression nested that deep.
EXPRESSIONS: dict[str, Callable[[int], str]] = {
    "parens": lambda n: "(" * n + "1" + ")" * n,
    "lists": lambda n: "[" * n + "1" + "]" * n,
    "dicts": lambda n: "{'k': " * n + "1" + "}" * n,
    "unary": lambda n: "-" * n + "1",
    "not": lambda n: "not " * n + "x",
    "power": lambda n: "2 ** " * n + "2",
    "sum": lambda n: " + ".join(["1"] * n),
    "attributes": lambda n: "a" + ".b" * n,
    "calls": lambda n: "f" + "()" * n,
    "subscripts": lambda n: "a" + "[0]" * n,
    "conditionals": lambda n: "a if b else " * n + "c",
    "lambdas": lambda n: "lambda: " * n + "0",
    "comparisons": lambda n: " < ".join(["a"] * n),
    "strings": lambda n: " ".join(["'s'"] * n),
    "fstrings": lambda n: "f'{" * n + "1" + "}'" * n,
}
DEPTHS = (199, 1300, 10_000)

FLOW_HEAD = "from flowc import FlowSpec, Parameter, retry, step\n\n\nclass DeepFlow(FlowSpec):\n"
FLOW_STEPS = (
    "    @step\n    def start(self):\n        self.next(self.end)\n\n    @step\n    def end(self):\n        pass\n"
)
FLOW = FLOW_HEAD + FLOW_STEPS

# Where a flow file holds an expression: expression -> the whole file.
PLACES: dict[str, Callable[[str], str]] = {
    "module constant": lambda e: f"X = {e}\n\n{FLOW}",
    "parameter default": lambda e: f"{FLOW_HEAD}    p = Parameter('p', default={e})\n{FLOW_STEPS}",
    "decorator argument": lambda e: f"{FLOW_HEAD}    @retry(times={e})\n{FLOW_STEPS}",
    "step body": lambda e: FLOW.replace("self.next(self.end)", f"y = {e}\n        self.next(self.end)", 1),
    "self.next argument": lambda e: FLOW.replace("self.next(self.end)", f"self.next(self.end, foreach={e})", 1),
}


def statement_sources() -> dict[str, str]:
    """Deep or large statements: indentation, elif chains, with items, decorators, huge lines."""
    indent = "".join("    " * i + "if x:\n" for i in range(120)) + "    " * 120 + "pass\n"
    managers = ", ".join(f"m{i}()" for i in range(19))  # CPython 3.12.0-3.12.1 crashed on this
    body = "            pass\n        self.next(self.end)"
    return {
        "indentation 120 deep": FLOW + indent,
        "elif chain of 3,000": FLOW + "if a:\n    pass\n" + "elif a:\n    pass\n" * 3000,
        "with of 19 managers": FLOW.replace("self.next(self.end)", f"with {managers}:\n{body}", 1),
        "2,000 decorators": FLOW.replace("    def start", "    @d\n" * 2000 + "    def start", 1),
        "a 2 MB line": FLOW + "S = '" + "x" * 2_000_000 + "'\n",
        "100,000 statements": FLOW + "x = 1\n" * 100_000,
        "lambda defaults 5,000 deep": FLOW + "f = " + "lambda x=" * 5000 + "0" + ": x" * 5000 + "\n",
    }


def corpus() -> dict[str, str]:
    cases = {
        f"{kind} x{n} in {place}": put(make(n))
        for kind, make in EXPRESSIONS.items()
        for n in DEPTHS
        for place, put in PLACES.items()
    }
    cases.update(statement_sources())
    return cases


ORACLE = """
import json, sys
for line in sys.stdin:
    source = json.loads(line)
    try:
        compile(source, "<flow>", "exec", dont_inherit=True)
        answer = None
    except SyntaxError as e:
        answer = ["syntax", e.msg]
    except (RecursionError, MemoryError) as e:
        answer = ["too_complex", type(e).__name__]
    print(json.dumps(answer), flush=True)
"""


@pytest.fixture(scope="module")
def cases() -> list[tuple[str, str, list[str] | None]]:
    """Every case with what Python itself says of it (asked in a process of its own)."""
    sources = corpus()
    done = subprocess.run(
        [sys.executable, "-c", ORACLE],
        input="".join(json.dumps(s) + "\n" for s in sources.values()),
        capture_output=True,
        text=True,
        check=True,
    )
    verdicts = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(verdicts) == len(sources)
    return [(name, src, verdict) for (name, src), verdict in zip(sources.items(), verdicts, strict=True)]


def test_no_input_crashes_and_flowc_agrees_with_python(tmp_path: Path, cases) -> None:
    disagreements = []
    for name, source, python in cases:
        path = tmp_path / "flow.py"
        path.write_text(source)
        a = analyze(path, all_flows=True)  # must not raise
        codes = [d.code for d in a.diagnostics]
        assert set(codes) <= set(CODES), name
        refused = [d for d in a.diagnostics if d.code in ("FC001", "FC005", "FC006")]
        if python is None and refused:
            disagreements.append(f"{name}: Python compiles it, flowc says {refused[0].message}")
        elif python is not None and [d.code for d in refused] != (["FC001"] if python[0] == "syntax" else ["FC005"]):
            disagreements.append(f"{name}: Python says {python}, flowc says {codes}")
        elif python is not None and python[0] == "syntax" and refused[0].message != f"syntax error: {python[1]}":
            disagreements.append(f"{name}: Python says {python[1]!r}, flowc {refused[0].message!r}")
    assert disagreements == []


def test_a_folder_of_hostile_files_reports_each_and_checks_the_rest(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    for i, kind in enumerate(("parens", "unary", "sum", "subscripts")):
        depth = 1300 if kind == "parens" else 10_000
        (folder / f"deep_{i}.py").write_text(PLACES["module constant"](EXPRESSIONS[kind](depth)))
    (folder / "good.py").write_text(FLOW)
    (folder / "typo.py").write_text(FLOW.replace("self.next(self.end)", "self.next(self.ned)"))
    assert main(["check", str(folder), "--format", "json"]) == 1
    found = sorted((Path(d["file"]).name, d["code"]) for d in json.loads(capsys.readouterr().out))
    assert found == [
        ("deep_0.py", "FC001"),
        ("deep_1.py", "FC005"),
        ("deep_2.py", "FC005"),
        ("deep_3.py", "FC005"),
        ("typo.py", "FC101"),
    ]
