"""One traversal of a flow's graph for every target, with a hook per kind of step.

Steps come in `Flow.walk()` order: topological, ties broken by source order. A target subclasses
`StepVisitor` and overrides the hooks it needs; `visit_step` is the fallback for the others.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from flowc.ir import Flow, Step, StepKind

R = TypeVar("R")


class StepVisitor(Generic[R]):
    def visit_step(self, step: Step) -> R:
        raise NotImplementedError(f"{type(self).__name__} does not handle {step.kind.value} steps")

    def visit_start(self, step: Step) -> R:
        # A start step is lowered by what it does next (it may itself branch or fan out).
        return self._by_transition(step)

    def visit_linear(self, step: Step) -> R:
        return self.visit_step(step)

    def visit_branch(self, step: Step) -> R:
        return self.visit_step(step)

    def visit_foreach(self, step: Step) -> R:
        return self.visit_step(step)

    def visit_switch(self, step: Step) -> R:
        return self.visit_step(step)

    def visit_join(self, step: Step) -> R:
        return self.visit_step(step)

    def visit_end(self, step: Step) -> R:
        return self.visit_step(step)

    def _by_transition(self, step: Step) -> R:
        hook = getattr(self, f"visit_{step.transition.value}")
        return hook(step)

    def visit(self, step: Step) -> R:
        return getattr(self, f"visit_{step.kind.value}")(step)


def walk(flow: Flow, visitor: StepVisitor[R]) -> list[R]:
    """Visit every step once, parents before children; returns the hooks' results in that order."""
    return [visitor.visit(s) for s in flow.walk()]


__all__ = ["StepKind", "StepVisitor", "walk"]
