"""Every diagnostic code: an invalid flow that triggers it, with location, and valid flows that don't."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from flowc.checks import CHECK_MODULES
from flowc.compiler import analyze
from flowc.diagnostics import CODES

ROOT = Path(__file__).parents[2]


def flow(body: str, imports: str = "FlowSpec, step", deco: str = "", prelude: str = "") -> str:
    head = f"from flowc import {imports}\n{prelude}\n{deco}class F(FlowSpec):\n"
    return head + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"


START_END = """
@step
def start(self):
    self.next(self.end)

@step
def end(self):
    pass
"""


def with_start(step_decos: str = "", imports: str = "FlowSpec, step", deco: str = "", prelude: str = "") -> str:
    body = START_END.replace("@step\ndef start", f"{step_decos}\n@step\ndef start", 1)
    return flow(body, imports, deco, prelude)


# code -> (source, the code's expected line, a substring of the message)
CASES: dict[str, list[tuple[str, int | None, str]]] = {
    "FC001": [
        ("class F(:\n", 1, "syntax error"),
        ("return 1\n", 1, "'return' outside function"),
        ("x = " + "(" * 201 + "1" + ")" * 201 + "\n", 1, "too many nested parentheses"),
    ],
    "FC002": [("x = 1\n", None, "no flow class")],
    "FC005": [("LIMIT = " + "-" * 10_000 + "1\n", None, "Python cannot compile this file")],
    "FC102": [(flow("@step\ndef start(self):\n    pass\n\n@step\ndef end(self):\n    pass"), 5, "no self.next")],
    "FC103": [
        (
            flow(
                "@step\ndef start(self):\n    self.next(self.end)\n\n@step\ndef end(self):\n    self.next(self.start)"
            ),
            10,
            "end step cannot",
        )
    ],
    "FC104": [
        (
            flow(
                "@step\ndef start(self):\n    if self.x:\n        self.next(self.a)\n    else:\n"
                "        self.next(self.end)\n\n@step\ndef a(self):\n    self.next(self.end)\n\n"
                "@step\ndef end(self):\n    pass"
            ),
            7,
            "if/else",
        ),
        (
            flow("@step\ndef start(self):\n    self.next(self.end)\n    self.x = 1\n\n@step\ndef end(self):\n    pass"),
            6,
            "last statement",
        ),
    ],
    "FC105": [
        (
            flow("@step\ndef start(self):\n    self.next(getattr(self, 'end'))\n\n@step\ndef end(self):\n    pass"),
            6,
            "not a step reference",
        )
    ],
    "FC108": [(flow(START_END + "\n@step\ndef end(self):\n    pass"), 13, "defined twice")],
    "FC110": [
        (
            flow(
                "@step\ndef start(self):\n    k = 'xs'\n    self.next(self.a, foreach=k)\n\n"
                "@step\ndef a(self):\n    self.next(self.j)\n\n@step\ndef j(self, inputs):\n"
                "    self.next(self.end)\n\n@step\ndef end(self):\n    pass"
            ),
            7,
            "string literal",
        )
    ],
    "FC111": [
        (
            flow(
                "@step\ndef start(self):\n    self.next({'a': self.a}, condition='c')\n\n"
                "@step\ndef a(self):\n    self.next(self.end)\n\n@step\ndef end(self):\n    pass"
            ),
            6,
            "at least two cases",
        )
    ],
    "FC112": [
        (
            flow("@step\ndef start(self, a, b):\n    self.next(self.end)\n\n@step\ndef end(self):\n    pass"),
            5,
            "must be",
        )
    ],
    "FC301": [(with_start("@retry(times=int('3'))", "FlowSpec, retry, step"), 4, "must be known")],
    "FC302": [
        (with_start("@retry(times=-1)", "FlowSpec, retry, step"), 4, "between 0 and 100"),
        (with_start("@timeout(seconds=0)", "FlowSpec, timeout, step"), 4, "positive duration"),
    ],
    "FC303": [(with_start("@secrets", "FlowSpec, step", prelude="from metaflow import secrets"), 4, "@secrets")],
    "FC007": [
        (with_start(prelude="from metaflow import FlowMutator"), 2, "'FlowMutator'"),
        (with_start(prelude="from metaflow.cards import Markdown"), 2, "'metaflow.cards'"),
    ],
    "FC304": [(with_start("@retry(tims=2)", "FlowSpec, retry, step"), 4, "no argument 'tims'")],
    "FC305": [
        (with_start(deco='@schedule(cron="61 * * * *")\n', imports="FlowSpec, schedule, step"), 3, "out of range")
    ],
    "FC306": [
        (
            with_start(deco='@schedule(daily=True, timezone="Mars/Olympus")\n', imports="FlowSpec, schedule, step"),
            3,
            "unknown timezone",
        )
    ],
    "FC307": [(with_start(deco="@retry(times=1)\n", imports="FlowSpec, retry, step"), 3, "belongs on a step")],
    "FC308": [(with_start("@retry(times=1)\n@retry(times=2)", "FlowSpec, retry, step"), 5, "twice")],
    "FC401": [
        (
            flow("a = Parameter('a')\nb = Parameter('a')\n" + START_END, "FlowSpec, Parameter, step"),
            5,
            "declared twice",
        ),
        # Metaflow compares names case-insensitively (FlowSpec._check_parameters)
        (
            flow("a = Parameter('Alpha')\nb = Parameter('alpha')\n" + START_END, "FlowSpec, Parameter, step"),
            5,
            "only in case",
        ),
    ],
    "FC402": [
        (
            flow(
                "start = Parameter('start')\n" + START_END.replace("@step\ndef start", "@step\ndef start", 1),
                "FlowSpec, Parameter, step",
            ),
            4,
            "reserved",
        ),
        # Metaflow's reserved parameter names (options of its run command), in both dialects
        (flow("t = Parameter('tag')\n" + START_END, "FlowSpec, Parameter, step"), 4, "'tag' is a reserved word"),
        (
            flow("n = Parameter('max_workers')\n" + START_END, "FlowSpec, Parameter, step").replace(
                "from flowc", "from metaflow"
            ),
            4,
            "'max_workers' is a reserved word",
        ),
    ],
    "FC403": [
        (flow("a = Parameter('a', default=compute())\n" + START_END, "FlowSpec, Parameter, step"), 4, "must be known")
    ],
    "FC404": [
        (
            flow("a = Parameter('a', default='x', type=int)\n" + START_END, "FlowSpec, Parameter, step"),
            4,
            "not a valid int",
        ),
        # 1e400 is inf: no JSON (how a value reaches every task and engine) can hold it.
        (flow("a = Parameter('a', default=1e400)\n" + START_END, "FlowSpec, Parameter, step"), 4, "not a finite"),
        (
            flow(
                "a = Parameter('a', type=JSONType, default=[1, -1e400])\n" + START_END,
                "FlowSpec, JSONType, Parameter, step",
            ),
            4,
            "holds a number that is not finite",
        ),
    ],
    "FC405": [(flow("a = Parameter('-bad')\n" + START_END, "FlowSpec, Parameter, step"), 4, "must start")],
    "FC420": [
        (flow("c = Config('c', required=True)\n" + START_END, "FlowSpec, Config, step"), 4, "required"),
        (
            with_start("@resources(cpu=c.n)", "FlowSpec, Config, resources, step").replace(
                "class F(FlowSpec):\n", "class F(FlowSpec):\n    c = Config('c', default_value={'m': 1})\n"
            ),
            5,
            "has no `n`",
        ),
    ],
    "FC421": [
        (
            with_start("@resources(cpu=c.n)", "FlowSpec, Config, resources, step", prelude="p = print").replace(
                "class F(FlowSpec):\n", "class F(FlowSpec):\n    c = Config('c', default_value='{}', parser=p)\n"
            ),
            5,
            "the flow's own function",
        )
    ],
    "FC422": [
        (flow("c = Config('c', default='c.json', default_value={})\n" + START_END, "FlowSpec, Config, step"), 4, "both")
    ],
    "FC406": [
        (
            flow(
                "a = Parameter('a', default=1)\n\n@step\ndef start(self):\n    self.a += 1\n    self.next(self.end)\n"
                "\n@step\ndef end(self):\n    pass",
                "FlowSpec, Parameter, step",
            ),
            8,
            "assigns self.a, a parameter",
        ),
        (
            flow(
                "LIMIT = 3\n\n@step\ndef start(self):\n    self.x, self.LIMIT = 1, 2\n    self.next(self.end)\n"
                "\n@step\ndef end(self):\n    pass"
            ),
            8,
            "a class-level constant",
        ),
    ],
    "FC202": [
        (
            flow(
                "@step\ndef start(self):\n    self.next(self.a)\n\n@step\ndef a(self):\n"
                "    self.next(self.b)\n\n@step\ndef b(self):\n    self.next(self.a)\n\n@step\ndef end(self):\n"
                "    pass"
            ),
            5,
            "can never reach end",
        )
    ],
    "FC114": [
        (
            "from flowc import step\nfrom elsewhere import Base\n\n\nclass F(Base):\n    @step\n    def end(self):\n"
            "        pass\n\n\nif __name__ == '__main__':\n    F()\n",
            5,
            "module 'elsewhere' is not a file",
        )
    ],
}
# codes whose examples live with their check module (EXAMPLES) are tested from there
FROM_MODULES = {code for m in CHECK_MODULES for code in m.EXAMPLES}
# FC003 needs --flow (tested in test_analyzer); FC004 an unreadable file (test_cli); FC006 a Python
# that crashes (test_syntax); FC117 a base in another file (test_authoring_static); FC5xx a target.
NOT_TRIGGERABLE_FROM_ONE_FILE = {"FC003", "FC004", "FC006", "FC117", "FC501", "FC502", "FC503"}


def codes_of(path: Path) -> list[str]:
    return [d.code for d in analyze(path, all_flows=True).diagnostics]


@pytest.mark.parametrize(
    ("code", "source", "line", "text"),
    [(c, s, line, t) for c, cases in CASES.items() for s, line, t in cases],
    ids=lambda v: v if isinstance(v, str) and v.startswith("FC") else "",
)
def test_invalid_flow_reports_code_at_its_line(write_flow, code: str, source: str, line: int | None, text: str) -> None:
    a = analyze(write_flow(source))
    matching = [d for d in a.diagnostics if d.code == code]
    assert matching, f"expected {code}, got {[(d.code, d.message) for d in a.diagnostics]}"
    d = matching[0]
    assert text in d.message
    if line is not None:
        assert d.span is not None and d.span.line == line
    assert d.hint, "every diagnostic carries a fix hint"
    assert a.flow is None


@pytest.mark.parametrize(
    ("code", "valid", "invalid"),
    [(c, v, i) for m in CHECK_MODULES for c, (v, i) in m.EXAMPLES.items()],
    ids=lambda v: v if isinstance(v, str) and v.startswith("FC") else "",
)
def test_check_module_examples(write_flow, code: str, valid: str, invalid: str) -> None:
    assert codes_of(write_flow(valid, "valid.py")) == []
    assert code in codes_of(write_flow(invalid, "invalid.py"))


# A foreach over self.<var>; `sets` is the start step's first line, `prelude` module-level code.
FANOUT = """
@step
def start(self):
    {sets}
    self.next(self.body, foreach="{var}")

@step
def body(self):
    self.next(self.join)

@step
def join(self, inputs):
    self.next(self.end)

@step
def end(self):
    pass
"""


# Warnings: the flow still compiles (CASES are errors).
WARNING_CASES = {
    "FC115": (
        flow(
            "@step\ndef start(self):\n    self.c = current.card\n    self.next(self.end)\n\n@step\ndef end(self):\n"
            "    self.ok = current.run_id, getattr(current, 'parallel', None)",
            "FlowSpec, current, step",
        ),
        6,
    ),
    "FC309": (
        with_start(deco="@pypi_base(packages={'six': '1'}, python='3.10')\n", imports="FlowSpec, pypi_base, step"),
        3,
    ),
    "FC116": (flow(FANOUT.format(sets="self.items = [1, 2]", var="itemz")), 7),
}


def test_a_foreach_variable_set_only_where_a_reading_cannot_see_is_not_reported(write_flow) -> None:
    """FC116 warns only when no code of the flow can set the name: helpers, setattr, @catch's var and
    class attributes set it; a computed setattr or __dict__ makes the check stay quiet."""
    quiet = [
        (FANOUT.format(sets="prepare(self)", var="rows"), "def prepare(flow):\n    flow.rows = [1]\n"),
        (FANOUT.format(sets="setattr(self, 'rows', [1])", var="rows"), ""),
        (FANOUT.format(sets="setattr(self, NAME, [1])", var="rows"), "NAME = 'rows'\n"),
        (FANOUT.format(sets="self.__dict__.update(rows=[1])", var="rows"), ""),
        (FANOUT.format(sets="pass", var="ROWS") + "\nROWS = [1, 2]\n", ""),
    ]
    for body, prelude in quiet:
        a = analyze(write_flow(flow(body, prelude=prelude)))
        assert [d.code for d in a.diagnostics] == [], (body, a.diagnostics)
    switch = flow(
        "@step\ndef start(self):\n    self.mode = 'a'\n"
        "    self.next({'a': self.a, 'b': self.end}, condition='mdoe')\n\n"
        "@step\ndef a(self):\n    self.next(self.end)\n\n@step\ndef end(self):\n    pass"
    )
    (d,) = analyze(write_flow(switch)).diagnostics
    assert (d.code, d.span is not None and d.span.line, d.hint) == ("FC116", 7, "did you mean 'mode'?")


@pytest.mark.parametrize("code", sorted(WARNING_CASES))
def test_warning_codes_are_reported_and_the_flow_still_compiles(write_flow, code: str) -> None:
    source, line = WARNING_CASES[code]
    a = analyze(write_flow(source))
    (d,) = a.diagnostics
    assert (d.code, d.severity.value, d.span is not None and d.span.line) == (code, "warning", line)
    assert d.hint and a.flow is not None


def test_every_code_has_a_case_and_a_documented_section() -> None:
    covered = set(CASES) | set(WARNING_CASES) | FROM_MODULES | NOT_TRIGGERABLE_FROM_ONE_FILE
    assert set(CODES) - covered == set()
    doc = (ROOT / "docs" / "diagnostics.md").read_text()
    documented = set(re.findall(r"^## (FC\d{3})\b", doc, re.M))
    assert documented == set(CODES)


def test_all_problems_are_reported_in_one_pass(write_flow) -> None:
    source = flow(
        "p = Parameter('p', default='x', type=int)\n\n@retry(tims=1)\n@step\ndef start(self):\n"
        "    self.next(self.procss)\n\n@step\ndef process(self):\n    self.next(self.end)\n\n"
        "@secrets\n@step\ndef end(self):\n    pass",
        "FlowSpec, Parameter, retry, step",
        prelude="from metaflow import secrets",
    )
    codes = sorted(codes_of(write_flow(source)))
    assert {"FC404", "FC304", "FC101", "FC303"} <= set(codes)


def test_misspelt_step_gets_did_you_mean_and_a_fix(write_flow) -> None:
    source = flow(
        "@step\ndef start(self):\n    self.next(self.procss)\n\n@step\ndef process(self):\n"
        "    self.next(self.end)\n\n@step\ndef end(self):\n    pass"
    )
    (d,) = analyze(write_flow(source)).diagnostics
    assert d.code == "FC101"
    assert "did you mean 'process'" in d.message
    assert d.fix is not None and d.fix.replacement == "process"
    assert d.span is not None and (d.span.line, d.span.col) == (6, 24)


def test_cycle_is_named(write_flow) -> None:
    source = flow(
        "@step\ndef start(self):\n    self.next(self.a)\n\n@step\ndef a(self):\n    self.next(self.b)\n\n"
        "@step\ndef b(self):\n    self.next(self.a, self.end)\n\n@step\ndef end(self):\n    pass"
    )
    diags = [d for d in analyze(write_flow(source)).diagnostics if d.code == "FC203"]
    assert len(diags) == 1
    assert "a -> b -> a" in diags[0].message


def test_foreach_join_of_wrong_split_is_reported(write_flow) -> None:
    source = flow(
        "@step\ndef start(self):\n    self.xs = [1]\n    self.next(self.a, foreach='xs')\n\n"
        "@step\ndef a(self):\n    self.next(self.b, self.c)\n\n"
        "@step\ndef b(self):\n    self.next(self.j)\n\n@step\ndef c(self):\n    self.next(self.j2)\n\n"
        "@step\ndef j(self, inputs):\n    self.next(self.j2)\n\n"
        "@step\ndef j2(self, inputs):\n    self.next(self.end)\n\n"
        "@step\ndef end(self):\n    pass"
    )
    codes = codes_of(write_flow(source))
    assert "FC205" in codes


def test_unsupported_metaflow_decorator_on_flow_class(write_flow) -> None:
    source = with_start(deco="@trigger(event='x')\n", prelude="from metaflow import trigger")
    (d,) = analyze(write_flow(source)).diagnostics
    assert d.code == "FC303" and "trigger" in d.message


def test_unknown_user_decorator_is_a_warning_not_an_error(write_flow) -> None:
    source = with_start("@my_logging", prelude="def my_logging(f):\n    return f\n")
    a = analyze(write_flow(source))
    assert [d.code for d in a.diagnostics] == ["FC303"]
    assert a.diagnostics[0].severity.value == "warning"
    assert a.flow is not None
