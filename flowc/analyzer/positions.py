"""Where things are in the source: CPython's `ast` positions turned into the spans diagnostics show.

`ast` gives every node `lineno`/`col_offset`/`end_lineno`/`end_col_offset`, with columns counted in
UTF-8 bytes. A `Span` counts columns in characters (code points), from 1, as editors show them. Some
places a diagnostic points at are not nodes of their own in `ast` (a function's name, a keyword
argument's name, a decorator with its `@`, a parameter list, `**mapping` in a dict): those are found by
reading the few characters around the node, never by tokenising the file again.

An expression's span is the expression itself; a call's argument, and an expression quoted in a
message, include the parentheses written around it (`f((a + b))`).
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass

from flowc.diagnostics import source_lines
from flowc.ir import Span

_WORD = re.compile(r"\w+")
_BLANK = " \t\x0c"


@dataclass(frozen=True)
class DictUnpack:
    """`**mapping` inside a dict display: `ast` keeps only the mapping, so the `**` is found here."""

    value: ast.expr


@dataclass(frozen=True)
class Argument:
    """A call's argument as written, with any parentheses around it."""

    value: ast.expr


Where = ast.AST | DictUnpack | Argument

# (line, column): line from 1, column from 0 in characters, as the scans below use them.
Point = tuple[int, int]


class SourceText:
    """The text of one source file, and the spans of its nodes."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines = source_lines(source)

    # -- columns -------------------------------------------------------------------------------

    def column(self, line: int, byte_col: int) -> int:
        """The character column (from 0) of byte column `byte_col` on `line`."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if byte_col <= 0 or text.isascii():
            return max(byte_col, 0)
        return len(text.encode("utf-8", "surrogatepass")[:byte_col].decode("utf-8", "replace"))

    def start(self, node: ast.AST) -> Point:
        return node.lineno, self.column(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> Point:
        line = node.end_lineno or node.lineno  # type: ignore[attr-defined]
        return line, self.column(line, node.end_col_offset or 0)  # type: ignore[attr-defined]

    # -- spans ---------------------------------------------------------------------------------

    def span(self, where: Where) -> Span:
        """The span of a node; of an argument with its parentheses; of `**mapping` from its `**`."""
        if isinstance(where, Argument):
            return _span(*self._grouped(self.start(where.value), self.end(where.value)))
        if isinstance(where, DictUnpack):
            start, end = self._grouped(self.start(where.value), self.end(where.value))
            before = self._previous(start)
            if before is not None and self._char(before) == "*":
                star = self._previous(before)
                if star is not None and self._char(star) == "*":
                    start = star
            return _span(start, end)
        if isinstance(where, ast.keyword):
            return self.keyword_span(where)
        return _span(self.start(where), self.end(where))

    def name_span(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> Span:
        """The span of the name after `def`, `async def` or `class`."""
        at: Point | None = self.start(node)
        for word in ("async", "def") if isinstance(node, ast.AsyncFunctionDef) else ("def", "class"):
            if at is not None and self._word(at) == word:
                at = self._next(_advance(at, len(word)))
        if at is not None and self._word(at):
            return _span(at, _advance(at, len(self._word(at))))
        return _span(self.start(node), _advance(self.start(node), 1))

    def keyword_span(self, kw: ast.keyword) -> Span:
        """The span of a keyword argument's name (`times` in `times=3`); all of `**kwargs`."""
        start = self.start(kw)
        word = self._word(start) if kw.arg is not None else ""
        if not word:
            return _span(start, self.end(kw))
        return _span(start, _advance(start, len(word)))

    def attr_span(self, node: ast.Attribute) -> Span:
        """The span of the attribute's name (`ned` in `self.ned`)."""
        line, col = self.end(node)
        text = self.lines[line - 1]
        first = col
        while first > 0 and (text[first - 1].isalnum() or text[first - 1] == "_"):
            first -= 1
        return _span((line, first), (line, col))

    def decorator_span(self, expr: ast.expr) -> Span:
        """A decorator from its `@` to the end of its expression."""
        start, end = self._grouped(self.start(expr), self.end(expr))
        at = self._previous(start)
        if at is not None and self._char(at) == "@":
            start = at
        return _span(start, end)

    def parameters_span(self, args: ast.arguments) -> Span | None:
        """The parameter list of a `def`, from its first parameter to just before the closing `)`."""
        items: list[ast.AST] = [*args.posonlyargs, *args.args, *args.kwonlyargs, *args.defaults]
        items += [d for d in args.kw_defaults if d is not None]
        items += [a for a in (args.vararg, args.kwarg) if a is not None]
        if not items:
            return None
        first = min(self.start(a) for a in items)
        last = max(self._grouped(self.start(a), self.end(a))[1] for a in items)
        # Between the last parameter and `)` there can only be commas, a `/`, blanks and comments.
        at = self._next(last)
        while at is not None and self._char(at) in (",", "/"):
            at = self._next(_advance(at, 1))
        if at is None or self._char(at) != ")":
            return _span(first, last)
        return _span(first, at)

    def segment(self, where: Where) -> str:
        """The source text of a node, with the parentheses written around it."""
        s = self.span(Argument(where) if isinstance(where, ast.expr) else where)
        if s.line == s.end_line:
            return self.lines[s.line - 1][s.col - 1 : s.end_col - 1]
        parts = [self.lines[s.line - 1][s.col - 1 :]]
        parts += self.lines[s.line : s.end_line - 1]
        parts.append(self.lines[s.end_line - 1][: s.end_col - 1])
        return "\n".join(parts)

    # -- reading around a node -------------------------------------------------------------------

    def _char(self, at: Point) -> str:
        line, col = at
        text = self.lines[line - 1]
        return text[col] if 0 <= col < len(text) else ""

    def _word(self, at: Point) -> str:
        m = _WORD.match(self.lines[at[0] - 1], at[1])
        return m.group() if m else ""

    def _next(self, at: Point) -> Point | None:
        """The first character at or after `at` that is not a blank, a comment or a line break."""
        line, col = at
        while line <= len(self.lines):
            text = self.lines[line - 1]
            while col < len(text):
                ch = text[col]
                if ch in _BLANK:
                    col += 1
                elif ch == "#" or (ch == "\\" and col == len(text) - 1):
                    break
                else:
                    return line, col
            line, col = line + 1, 0
        return None

    def _previous(self, at: Point) -> Point | None:
        """The last character before `at` that is not a blank or a line break."""
        line, col = at
        while line >= 1:
            text = self.lines[line - 1]
            col = min(col, len(text)) - 1
            while col >= 0 and (text[col] in _BLANK or (text[col] == "\\" and col == len(text) - 1)):
                col -= 1
            if col >= 0:
                return line, col
            line -= 1
            col = len(self.lines[line - 1]) if line >= 1 else 0
        return None

    def _grouped(self, start: Point, end: Point) -> tuple[Point, Point]:
        """Widen (start, end) over the parentheses that group it: `(x)` but not the `(...)` of a
        call whose only argument is x."""
        while True:
            before, after = self._previous(start), self._next(end)
            if before is None or after is None or self._char(before) != "(" or self._char(after) != ")":
                return start, end
            opener = self._previous(before)
            if opener is not None and self._opens_call(opener):
                return start, end
            start, end = before, _advance(after, 1)

    def _opens_call(self, at: Point) -> bool:
        """Whether a `(` right after the character at `at` opens a call's (or a def's) arguments:
        it does after a name, a closing bracket or a string, but not after a keyword (`not (x)`)."""
        ch = self._char(at)
        if ch and ch in ")]}'\"":
            return True
        if not (ch.isalnum() or ch == "_"):
            return False
        line, col = at
        text = self.lines[line - 1]
        first = col
        while first > 0 and (text[first - 1].isalnum() or text[first - 1] == "_"):
            first -= 1
        return not keyword.iskeyword(text[first : col + 1])


def _advance(at: Point, n: int) -> Point:
    return at[0], at[1] + n


def _span(start: Point, end: Point) -> Span:
    return Span(start[0], start[1] + 1, end[0], end[1] + 1)
