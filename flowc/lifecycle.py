"""What the targets' trigger modules share: parameter values typed and checked against the flow."""

from __future__ import annotations

from flowc.ir import Flow


def typed_parameters(flow: Flow, assignments: list[str]) -> dict[str, object]:
    """`name=value` texts as typed values (the runner's own parser). Raises ParamError listing every
    unknown name and wrong value."""
    from flowc.runner.params import ParamError, parse_text, split_assignments

    given: dict[str, object] = {}
    problems = []
    for name, text in split_assignments(assignments):
        try:
            given[name] = parse_text(flow.parameter(name), text)
        except KeyError:
            valid = ", ".join(p.name for p in flow.parameters) or "none"
            problems.append(f"unknown parameter {name!r}; valid parameters: {valid}")
        except ValueError as exc:
            problems.append(f"parameter {name!r}: {exc}")
    if problems:
        raise ParamError(problems)
    return given
