"""Diagnostics as data: every problem flowc finds is a `Diagnostic`, collected, never raised.

Codes are stable; each is documented once in docs/diagnostics.md (a test keeps the two in step).
Rendering lives in `flowc.render`, so library code never prints.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from flowc.ir import Span

# Python's tokenizer ends a line at \r\n, \r or \n, and nowhere else: str.splitlines() would also
# split at form feeds and U+2028, which Python reads as whitespace or as part of a string.
_NEWLINE = re.compile(r"\r\n|\r|\n")


def source_lines(source: str) -> list[str]:
    """The lines of `source` as Python numbers them, which spans use (line N is `[N - 1]`)."""
    return _NEWLINE.split(source)


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Fix:
    """A certain, mechanical repair: replace the source text at `span` with `replacement`."""

    span: Span
    replacement: str


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    file: str
    span: Span | None = None
    hint: str | None = None
    severity: Severity = Severity.ERROR
    fix: Fix | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown diagnostic code {self.code}")

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        if self.span is None:
            return (self.file, 0, 0, self.code)
        return (self.file, self.span.line, self.span.col, self.code)


# code -> one-line title. The docs page carries the rest (why, example, fix).
CODES: dict[str, str] = {
    # reading the file
    "FC001": "syntax error",
    "FC002": "no flow class",
    "FC003": "flow class not found or ambiguous",
    "FC004": "file cannot be read",
    "FC005": "file too large or too deeply nested for Python",
    "FC006": "Python crashed on the file",
    "FC007": "imported from Metaflow, not provided by flowc",
    # steps and transitions
    "FC101": "unknown step in self.next",
    "FC102": "step without self.next",
    "FC103": "end step calls self.next",
    "FC104": "self.next is not the single last statement",
    "FC105": "self.next argument is not static",
    "FC106": "missing start step",
    "FC107": "missing end step",
    "FC108": "duplicate step name",
    "FC109": "join signature mismatch",
    "FC110": "foreach variable is not a string literal",
    "FC111": "malformed switch",
    "FC112": "malformed step method",
    "FC113": "method referenced by self.next is not a step",
    "FC114": "base class cannot be read",
    "FC115": "step reads a current attribute flowc does not provide",
    "FC116": "foreach or condition names an artifact nothing sets",
    "FC117": "base class a task could not import",
    # graph shape
    "FC201": "unreachable step",
    "FC202": "step cannot reach end",
    "FC203": "cycle",
    "FC204": "split never joined",
    "FC205": "join does not match its split",
    "FC206": "branches meet without a join",
    "FC207": "loop of a shape flowc cannot run",
    # decorators
    "FC301": "decorator argument is not static",
    "FC302": "decorator value out of range",
    "FC303": "unsupported decorator",
    "FC304": "unknown decorator argument",
    "FC305": "invalid cron expression",
    "FC306": "unknown timezone",
    "FC307": "decorator in the wrong place",
    "FC308": "decorator repeated",
    "FC309": "decorator argument flowc does not apply",
    # parameters
    "FC401": "duplicate parameter",
    "FC402": "reserved name",
    "FC403": "parameter argument is not static",
    "FC404": "parameter default does not match its type",
    "FC405": "invalid parameter declaration",
    "FC406": "step assigns a read-only flow attribute",
    # configs
    "FC420": "config has no usable value",
    "FC421": "config value not known when compiling",
    "FC422": "invalid Config declaration",
    # targets
    "FC501": "flow cannot be expressed on this target",
    "FC502": "generated output fails the target's own validation",
    "FC503": "loop on a target that cannot repeat tasks",
}
