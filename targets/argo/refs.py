"""Checks of the references inside Argo manifests that no JSON schema can see.

A schema says a task has a `template` string; only reading the whole document says whether that
template exists, whether `depends` names real tasks, whether `{{tasks.x.outputs.parameters.y}}`
names a task that ran before and an output its template declares (`{{tasks.x.status}}`: a task that
ended before), and whether every `{{...}}` names
something in scope. `check` returns one readable message per problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_EXPR = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_DEPENDS_TOKEN = re.compile(r"[A-Za-z0-9][-A-Za-z0-9_]*(?:\.[A-Za-z]+)?|&&|\|\||[()!]")
_RESULTS = {"Succeeded", "Failed", "Errored", "Skipped", "Omitted", "Daemoned", "AnySucceeded", "AllFailed"}
# Expressions Argo provides everywhere (or in the places flowc uses them).
_GLOBAL = {"workflow.name", "workflow.namespace", "workflow.uid", "retries"}


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def expressions(value: Any) -> Iterator[str]:
    for s in strings(value):
        yield from _EXPR.findall(s)


def depends_names(expression: str) -> tuple[list[str], list[str]]:
    """The task names a `depends` expression uses, and the tokens it cannot parse."""
    rest = _DEPENDS_TOKEN.sub(" ", expression)
    bad = rest.split()
    found = []
    for token in _DEPENDS_TOKEN.findall(expression):
        if token in ("&&", "||", "(", ")", "!"):
            continue
        name, _, result = token.partition(".")
        if result and result not in _RESULTS:
            bad.append(token)
        found.append(name)
    return found, bad


def _outputs(template: dict[str, Any]) -> set[str]:
    return {p["name"] for p in template.get("outputs", {}).get("parameters", [])}


def _inputs(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in template.get("inputs", {}).get("parameters", [])}


def _ancestors(tasks: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    direct = {n: set(depends_names(t.get("depends", ""))[0]) | set(t.get("dependencies", [])) for n, t in tasks.items()}
    out: dict[str, set[str]] = {}

    def visit(name: str, trail: tuple[str, ...]) -> set[str]:
        if name in out:
            return out[name]
        if name in trail:
            return set()
        found: set[str] = set()
        for d in direct.get(name, ()):
            found |= {d} | visit(d, (*trail, name))
        out[name] = found
        return found

    for n in tasks:
        visit(n, ())
    return out


def _check_template(t: dict[str, Any], templates: dict[str, dict[str, Any]], wf_params: set[str]) -> list[str]:
    where = f"template {t.get('name')!r}"
    problems: list[str] = []
    inputs = _inputs(t)
    dag = t.get("dag")
    own = t if dag is None else {k: v for k, v in t.items() if k != "dag"}
    for expr in expressions(own):
        problems.extend(_scope_problem(expr, where, inputs, wf_params, tasks=None, item=False))
    if dag is None:
        return problems
    tasks = {task["name"]: task for task in dag.get("tasks", [])}
    if len(tasks) != len(dag.get("tasks", [])):
        problems.append(f"{where}: two tasks share a name")
    # A DAG's outputs are read once all its tasks finished: any task of the DAG may be named.
    finished = {"tasks": tasks, "templates": templates, "ancestors": set(tasks)}
    for p in t.get("outputs", {}).get("parameters", []):
        source = p.get("valueFrom", {})
        if "expression" in source:
            at = f"{where}, output {p['name']!r}"
            problems.extend(_expression_problems(source["expression"], at, inputs, wf_params, finished))
    ancestors = _ancestors(tasks)
    if any(name in anc for name, anc in ancestors.items()):
        problems.append(f"{where}: the tasks' depends form a cycle")
    for name, task in tasks.items():
        at = f"{where}, task {name!r}"
        target = templates.get(task.get("template", ""))
        if target is None:
            problems.append(f"{at}: template {task.get('template')!r} does not exist")
            continue
        used, bad = depends_names(task.get("depends", ""))
        problems.extend(f"{at}: cannot read {b!r} in depends" for b in bad)
        problems.extend(f"{at}: depends on {u!r}, which is not a task here" for u in used if u not in tasks)
        given = [p["name"] for p in task.get("arguments", {}).get("parameters", [])]
        target_inputs = _inputs(target)
        problems.extend(
            f"{at}: passes {g!r}, which {target['name']!r} does not take" for g in given if g not in target_inputs
        )
        problems.extend(
            f"{at}: does not pass {n!r}, which {target['name']!r} needs"
            for n, p in target_inputs.items()
            if n not in given and "default" not in p and "value" not in p
        )
        looped = any(k in task for k in ("withSequence", "withItems", "withParam"))
        scope = {"tasks": tasks, "templates": templates, "ancestors": ancestors.get(name, set())}
        for expr in expressions({k: v for k, v in task.items() if k not in ("name", "depends", "template")}):
            problems.extend(_scope_problem(expr, at, inputs, wf_params, tasks=scope, item=looped))
    return problems


# The names an expression tag (`{{=...}}`) or a `valueFrom.expression` reads: dotted names, and
# `tasks['name']` followed by `?.`/`.` members.
_EXPR_NAME = re.compile(r"\b(?:inputs|workflow)(?:\.[A-Za-z_][A-Za-z0-9_-]*)+")
_EXPR_TASK = re.compile(r"tasks\['([^']+)'\]((?:\??\.[A-Za-z_][A-Za-z0-9_]*)*)")
_EXPR_OK = re.compile(
    r"^(?:\s|tasks\['[^']+'\](?:\??\.[A-Za-z_][A-Za-z0-9_]*)*|(?:inputs|workflow)(?:\.[A-Za-z_][A-Za-z0-9_-]*)+|asInt|\?\?|\+|[()]|'[^']*'|\d+)*$"
)


def _expression_problems(
    expr: str, at: str, inputs: dict[str, Any], wf_params: set[str], tasks: dict[str, Any] | None
) -> list[str]:
    """An expression's references, each as a plain `{{...}}` would be checked; and only the forms
    flowc writes (so a typo cannot hide in one)."""
    if not _EXPR_OK.match(expr):
        return [f"{at}: expression {expr!r} is not of a form flowc writes"]
    out = []
    for name in _EXPR_NAME.findall(expr):
        out.extend(_scope_problem(name, at, inputs, wf_params, tasks, item=False))
    for task, members in _EXPR_TASK.findall(expr):
        chain = [m for m in re.split(r"\??\.", members) if m]
        if chain[:2] == ["outputs", "parameters"] and len(chain) == 3:
            out.extend(
                _scope_problem(f"tasks.{task}.outputs.parameters.{chain[2]}", at, inputs, wf_params, tasks, False)
            )
        else:
            out.append(f"{at}: expression reads tasks[{task!r}]{members}, which flowc does not write")
    return out


def _scope_problem(
    expr: str,
    at: str,
    inputs: dict[str, Any],
    wf_params: set[str],
    tasks: dict[str, Any] | None,
    item: bool,
) -> list[str]:
    if expr.startswith("="):
        return _expression_problems(expr[1:], at, inputs, wf_params, tasks)
    parts = expr.split(".")
    if expr in _GLOBAL:
        return []
    if expr == "item":
        return [] if item else [f"{at}: uses {{{{item}}}} outside a loop"]
    if parts[:2] == ["inputs", "parameters"] and len(parts) == 3:
        return [] if parts[2] in inputs else [f"{at}: uses input {parts[2]!r}, which is not declared"]
    if parts[:2] == ["workflow", "parameters"] and len(parts) == 3:
        return [] if parts[2] in wf_params else [f"{at}: uses workflow parameter {parts[2]!r}, which is not declared"]
    if parts[0] == "tasks" and len(parts) == 5 and parts[2:4] == ["outputs", "parameters"] and tasks is not None:
        name, output = parts[1], parts[4]
        task = tasks["tasks"].get(name)
        if task is None:
            return [f"{at}: uses {expr!r}, but there is no task {name!r}"]
        if name not in tasks["ancestors"]:
            return [f"{at}: uses {expr!r}, but does not depend on {name!r}, so it may not have run"]
        template = tasks["templates"].get(task.get("template", ""), {})
        if output not in _outputs(template):
            return [f"{at}: uses {expr!r}, but template {template.get('name')!r} has no output {output!r}"]
        return []
    if parts[0] == "tasks" and len(parts) == 3 and parts[2] == "status" and tasks is not None:
        # A task's phase (Succeeded, Failed, Error, ...): known once it ended, so only after it.
        name = parts[1]
        if name not in tasks["tasks"]:
            return [f"{at}: uses {expr!r}, but there is no task {name!r}"]
        if name not in tasks["ancestors"]:
            return [f"{at}: uses {expr!r}, but does not depend on {name!r}, so it may not have ended"]
        return []
    return [f"{at}: uses {{{{{expr}}}}}, which flowc does not know to be in scope"]


def check(docs: list[dict[str, Any]]) -> list[str]:
    """Every reference problem in a set of manifests (a WorkflowTemplate and its CronWorkflow)."""
    problems: list[str] = []
    template_names = {d["metadata"]["name"] for d in docs if d.get("kind") == "WorkflowTemplate"}
    for doc in docs:
        kind = doc.get("kind")
        spec = doc.get("spec", {})
        if kind == "CronWorkflow":
            ref = spec.get("workflowSpec", {}).get("workflowTemplateRef", {}).get("name")
            if ref not in template_names:
                problems.append(f"CronWorkflow: workflowTemplateRef {ref!r} is not among the manifests")
            continue
        templates = {t["name"]: t for t in spec.get("templates", [])}
        if len(templates) != len(spec.get("templates", [])):
            problems.append(f"{kind}: two templates share a name")
        if spec.get("entrypoint") not in templates:
            problems.append(f"{kind}: entrypoint {spec.get('entrypoint')!r} is not a template")
        wf_params = {p["name"] for p in spec.get("arguments", {}).get("parameters", [])}
        for t in templates.values():
            problems.extend(_check_template(t, templates, wf_params))
    return problems
