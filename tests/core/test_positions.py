"""Diagnostics point where they always have: every span below was produced by the LibCST-based
analyzer flowc had before it read CPython's `ast`, and the ast-based one must give the same, in layouts
that make the two disagree easily: characters of several UTF-8 bytes, tabs, CRLF line ends, spaces
after `@`, parentheses around arguments, parameter lists over several lines, `**mapping` in a dict."""

from __future__ import annotations

import pytest

from flowc.compiler import analyze
from flowc.ir import Span

EVERYTHING = """\
from flowc import FlowSpec, Parameter, step, retry, resources, schedule, catch, environment
import os

N = 3


@schedule( cron="0 * * * *")
@ bogus
class ÄFlow(FlowSpec):
    é = Parameter("é", default=1)
    p = Parameter("p", default=os.environ["X"])
    q = Parameter("q", default=(1 + x))
    r = Parameter("r", default={**a})
    s = Parameter( "s" , ("t"), nope=1 )
    t: int = Parameter("t", default=[1, *b])

    @step
    def start(self, a, b=1, *c, d, **e):
        日本 = "中"; self.next( (self.ned) , self.a, )

    @retry(times=-1)
    @step
    def a(  self, x = (1) , ):
        self.next(self.end, foreach=f"x")

    @retry(times=1)
    @retry(times=2)
    @step
    def ö(self):
        self.next(self.end)

    @step
    def b(self):
        self.next({"x": self.a, **q}, condition="c")

    @step
    def c(self):
        ü = 1; self.next(self.a, bad=1)

    @resources(cpu=(1 +
       "x"))  # comment
    @step
    def d(self, a: int = 3, *, b: "s" = 2, **kw) -> None:
        self.next(self.end)

    @step
    async def e(self, inputs, more):
        self.next((self.end), (self.end))

    @catch(var=("no name"))
    @environment(vars={"A": os.sep})
    @step
    def f(self):
        if N:
            self.next(self.end)
        else:
            self.next(self.a)

    @step
    def end(self):
        pass
"""

# CRLF line ends, tabs, and two-byte characters before the span on its line.
CRLF_TABS = (
    "from flowc import FlowSpec, step\r\n"
    "\r\n"
    "class F(FlowSpec):\r\n"
    "\t@step\r\n"
    "\tdef start(self):\r\n"
    '\t\tx = "éé"; self.next(self.procss)\r\n'
    "\r\n"
    "\t@step\r\n"
    "\tdef process(self, inputs):\r\n"
    "\t\tself.next(self.end)\r\n"
    "\r\n"
    "\t@step\r\n"
    "\tdef end(self):\r\n"
    "\t\tpass\r\n"
)

TRANSITIONS = """\
from flowc import FlowSpec, step, project, timeout

@project(name="Bad Name")
class F(FlowSpec):
    @timeout(minutes=N)
    @step
    def start(self):
        self.choice = "a"
        self.next({"a": self.x, "a": self.y, 1.5: self.z}, condition="choice")

    @step
    def x(self):
        self.next(self.end)
        print("after")

    @step
    def y(self):
        self.next(self.end); self.next(self.x)

    @project(name="p")
    @step
    def z(self):
        self.next({"a": self.end}, condition=("cho" + "ice"))

    @step
    def end(self):
        self.next(self.x)
"""

# (code, line, col, end_line, end_col), in the order flowc reports them.
EXPECTED = {
    "EVERYTHING": [
        ("FC303", 8, 1, 8, 8),
        ("FC405", 10, 19, 10, 22),
        ("FC403", 11, 32, 11, 47),
        ("FC403", 12, 37, 12, 38),
        ("FC403", 13, 33, 13, 36),
        ("FC405", 14, 26, 14, 31),
        ("FC304", 14, 33, 14, 37),
        ("FC403", 15, 41, 15, 43),
        ("FC112", 18, 15, 18, 39),
        ("FC101", 19, 36, 19, 39),
        ("FC302", 21, 18, 21, 20),
        ("FC112", 23, 13, 23, 29),
        ("FC110", 24, 37, 24, 41),
        ("FC308", 27, 5, 27, 20),
        ("FC111", 34, 33, 34, 36),
        ("FC105", 38, 34, 38, 37),
        ("FC301", 40, 21, 41, 11),
        ("FC112", 43, 11, 43, 48),
        ("FC112", 47, 15, 47, 16),
        ("FC112", 47, 17, 47, 35),
        ("FC105", 48, 31, 48, 41),
        ("FC302", 50, 17, 50, 26),
        ("FC301", 51, 29, 51, 35),
        ("FC104", 55, 13, 55, 32),
    ],
    "CRLF_TABS": [
        ("FC101", 6, 28, 6, 34),
    ],
    "TRANSITIONS": [
        ("FC302", 3, 15, 3, 25),
        ("FC301", 5, 22, 5, 23),
        ("FC111", 9, 33, 9, 36),
        ("FC104", 13, 9, 13, 28),
        ("FC104", 18, 30, 18, 47),
        ("FC307", 20, 5, 20, 23),
        ("FC111", 23, 19, 23, 34),
        ("FC103", 27, 9, 27, 26),
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_diagnostics_keep_their_exact_spans(write_flow, name: str) -> None:
    path = write_flow("")
    path.write_bytes(globals()[name].encode("utf-8"))
    spans = [(d.code, d.span) for d in analyze(path).diagnostics if d.span]
    assert [(code, s.line, s.col, s.end_line, s.end_col) for code, s in spans] == EXPECTED[name]


def test_ir_spans_of_names_with_tabs_and_crlf(write_flow) -> None:
    path = write_flow("")
    clean = CRLF_TABS.replace("self.procss", "self.process").replace("process(self, inputs)", "process(self)")
    path.write_bytes(clean.encode("utf-8"))
    a = analyze(path)
    assert a.flow is not None, a.diagnostics
    assert a.flow.span == Span(3, 7, 3, 8)
    assert [s.span for s in a.flow.steps] == [Span(5, 6, 5, 11), Span(9, 6, 9, 13), Span(13, 6, 13, 9)]


def test_schedule_span_runs_from_the_at_sign(write_flow) -> None:
    source = (
        "from flowc import FlowSpec, schedule, step\n\n"
        '@schedule( cron="0 * * * *")\n'
        "class ÄFlow(FlowSpec):\n"
        "    @step\n    def start(self):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n"
    )
    a = analyze(write_flow(source))
    assert a.flow is not None and a.flow.schedule is not None
    assert a.flow.schedule.span == Span(3, 1, 3, 29)
    assert a.flow.span == Span(4, 7, 4, 12)
