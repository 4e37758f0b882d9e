"""A test-only interpreter of the Argo subset flowc emits, running the real runner for each task.

It reads the WorkflowTemplate as Argo would and executes it: DAG templates (nested ones too), tasks
with `depends` expressions over task results, `when` expressions, `withSequence` loops, parameter
substitution (`{{workflow.*}}`, `{{inputs.parameters.*}}`, `{{tasks.X.outputs.parameters.Y}}`,
`{{item}}`, `{{retries}}`), output parameters read from files (`valueFrom.path`, with `default`),
`retryStrategy.limit` and `activeDeadlineSeconds`. A container task runs its `command` as a
subprocess (exec form, no shell), with the container's `env`; paths under the output folders are
mapped to a folder private to the task, as a pod's own filesystem would be.

Anything outside that subset raises `Unsupported`, so a manifest using something new fails the tests
until the interpreter learns it, rather than being half-run. Semantics follow Argo's documentation and
its controller (workflow/controller/dag.go, scope.go, operator.go):

- a task's `depends` is evaluated once every task it names has finished; when it is false the task
  is Omitted, and nothing of it is resolved; then its `{{...}}` are resolved, then its `when`: false
  makes it Skipped. A loop over zero items is Skipped. A bare `x` in `depends` means
  `x.Succeeded || x.Skipped || x.Daemoned`. `{{tasks.x.status}}` is x's phase once it ended;
- a DAG's phase is its leaf tasks' (dag.go, assessDAGPhase): each leaf's *branch phase* is the phase
  of the last task that ran (Succeeded, Failed or Error) on each path to it from the DAG's start, a
  Failed one winning; a Skipped or Omitted task takes its parents'. So a failed task followed by one
  that depends on its failure and succeeds fails nothing. A task failing does not stop the scheduling
  of others; once a leaf's branch phase is Failed the DAG is Failed (failFast) and starts nothing more;
- **a task whose `depends` holds but that reads an output of a task that was Skipped or Omitted
  never runs**: Argo 3.7.11-3.7.12 and 4.0.2-4.0.3 requeue it forever (the run hangs), 3.7.16+ and
  4.0.7+ fail it unless the output has a default. The interpreter raises `WaitsForever` for it, so a
  manifest that would hang on those versions fails its test;
- `suspend` templates with a duration of "0" end at once (no pod), as Argo's do;
- expression tags (`{{=...}}`) and DAG outputs' `valueFrom.expression`, in the subset of Argo's
  expression language (expr) flowc emits: `tasks['x']?.outputs?.parameters?.p`, `??`, `+`,
  `asInt(...)`, strings and integers. As in expr, a missing map key reads as nil, `?.` on nil is nil,
  `.` on nil is an error. A skipped task's outputs read as absent (nil), or as the output's declared
  default when `skipped_defaults` is on (Argo 3.7.16+, 4.0.7+);
- templates nest at most 100 deep (Argo's maximum stack depth): a deeper call fails the node, as
  `ErrMaxDepthExceeded` does.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUCCEEDED, FAILED, SKIPPED, OMITTED = "Succeeded", "Failed", "Skipped", "Omitted"
ERROR, RUNNING = "Error", "Running"
_EXPR = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_TASK_KEYS = {"name", "template", "arguments", "depends", "when", "withSequence"}
_TEMPLATE_KEYS = {"name", "inputs", "outputs", "dag", "container", "retryStrategy", "activeDeadlineSeconds", "suspend"}
# Argo's controller refuses to nest templates deeper than this (maxAllowedStackDepth).
MAX_STACK_DEPTH = 100
_CONTAINER_KEYS = {"image", "command", "env", "resources"}


class Unsupported(Exception):
    """The manifest uses something outside the subset this interpreter (and flowc) knows."""


class Unresolved(Exception):
    """A `{{...}}` with no value where it is used: Argo fails the workflow for this too."""


class WaitsForever(Exception):
    """A task that would run reads an output of a task that was skipped: on Argo 3.7.11-3.7.12 and
    4.0.2-4.0.3 it is requeued forever and the workflow never ends."""


@dataclass
class Node:
    path: str  # e.g. "main/start-each(2)/classify"
    template: str
    phase: str
    arguments: dict[str, str] = field(default_factory=dict)
    attempts: int = 0
    argv: list[str] = field(default_factory=list)
    stderr: str = ""


@dataclass
class Run:
    name: str
    phase: str
    nodes: list[Node]

    def containers(self) -> list[Node]:
        return [n for n in self.nodes if n.argv]

    def failed(self) -> list[Node]:
        return [n for n in self.containers() if n.phase == FAILED]


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def substitute(text: str, scope: dict[str, str]) -> str:
    """Fill in `{{...}}` from `scope`, evaluating expression tags (`{{=...}}`)."""

    def one(m: re.Match[str]) -> str:
        key = m.group(1)
        if key.startswith("="):
            value = evaluate(key[1:], expand(scope))
            if value is None:
                raise Unresolved(f"{{{{{key}}}}} evaluates to nil")
            return str(value)
        if key not in scope:
            raise Unresolved(f"{{{{{key}}}}} is not defined here")
        return scope[key]

    return _EXPR.sub(one, text)


def k8s_expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' expansion of a container's args and env values (its `expansion.Expand`): `$$` is
    `$`, `$(NAME)` is NAME's value when the container declares NAME (else left as written), any
    other `$` stays."""
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c != "$" or i + 1 == len(text):
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "(":
            end = text.find(")", i + 2)
            if end < 0:
                out.append("$(")
                i += 2
            else:
                name = text[i + 2 : end]
                out.append(env.get(name, f"$({name})"))
                i = end + 1
        else:
            out.append("$" + nxt)
            i += 2
    return "".join(out)


def expand(scope: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys as nested maps (`a.b.c` -> {"a": {"b": {"c": ...}}}), as Argo builds an
    expression's environment."""
    out: dict[str, Any] = {}
    for key, value in scope.items():
        node = out
        *head, last = key.split(".")
        for part in head:
            nxt = node.get(part)
            if not isinstance(nxt, dict):
                nxt = node[part] = {}
            node = nxt
        node[last] = value
    return out


# -- expressions (`{{=...}}`, valueFrom.expression): the subset of expr flowc emits ---------------------

_EXPR_TOKEN = re.compile(r"\s*(\?\?|\?\.|[.()\[\]+]|'[^']*'|\d+|[A-Za-z_][A-Za-z0-9_]*)")


def evaluate(text: str, env: dict[str, Any]) -> Any:
    """Evaluate `text`: `a ?? b`, `a + b`, `x.y`, `x?.y`, `x['k']`, `asInt(x)`, 'strings', integers.
    Returns None for nil."""
    tokens = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _EXPR_TOKEN.match(text, pos)
        if not m:
            raise Unsupported(f"cannot read expression {text!r} at {text[pos:]!r}")
        tokens.append(m.group(1))
        pos = m.end()
    p = _ExprParser(tokens, env)
    value = p.coalesce()
    if p.pos != len(tokens):
        raise Unsupported(f"expression {text!r}: trailing {tokens[p.pos :]}")
    return value


class _ExprParser:
    def __init__(self, tokens: list[str], env: dict[str, Any]) -> None:
        self.tokens, self.pos, self.env = tokens, 0, env

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, want: str | None = None) -> str:
        tok = self._peek()
        if tok is None or (want is not None and tok != want):
            raise Unsupported(f"expression: expected {want or 'more'}, got {tok!r}")
        self.pos += 1
        return tok

    def coalesce(self) -> Any:
        value = self.additive()
        while self._peek() == "??":
            self._take()
            right = self.additive()
            if value is None:
                value = right
        return value

    def additive(self) -> Any:
        value = self.postfix()
        while self._peek() == "+":
            self._take()
            right = self.postfix()
            if value is None or right is None:
                raise Unresolved("expression: + on nil")
            value = value + right
        return value

    def postfix(self) -> Any:
        value = self.primary()
        short = False  # after `?.` on nil, the rest of the chain is skipped
        while self._peek() in (".", "?.", "["):
            op = self._take()
            if op == "[":
                key: Any = self.coalesce()
                self._take("]")
            else:
                key = self._take()
            if short:
                continue
            if value is None:
                if op == "?.":
                    short = True
                    continue
                raise Unresolved(f"expression: cannot fetch {key!r} from nil")
            if not isinstance(value, dict):
                raise Unresolved(f"expression: cannot fetch {key!r} from {value!r}")
            value = value.get(key)
        return value

    def primary(self) -> Any:
        tok = self._take()
        if tok == "(":
            value = self.coalesce()
            self._take(")")
            return value
        if tok.startswith("'"):
            return tok[1:-1]
        if tok.isdigit():
            return int(tok)
        if tok == "asInt":
            self._take("(")
            arg = self.coalesce()
            self._take(")")
            return int(arg)
        if self._peek() == "(":
            raise Unsupported(f"expression: function {tok!r}")
        return self.env.get(tok)


def _subst_all(value: Any, scope: dict[str, str]) -> Any:
    if isinstance(value, str):
        return substitute(value, scope)
    if isinstance(value, list):
        return [_subst_all(v, scope) for v in value]
    if isinstance(value, dict):
        return {k: _subst_all(v, scope) for k, v in value.items()}
    return value


# -- expressions: `depends` (task results) and `when` (compared strings) ------------------------------

_TOKEN = re.compile(r"\s*(&&|\|\||==|!=|[()!]|'[^']*'|\"[^\"]*\"|[A-Za-z0-9][-A-Za-z0-9_.]*)")


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise Unsupported(f"cannot read expression {text!r} at {text[pos:]!r}")
        out.append(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class _Parser:
    """or := and ('||' and)*; and := not ('&&' not)*; not := '!' not | atom; atom := '(' or ')' | term
    with term evaluated by the caller (a task result, or a string comparison)."""

    def __init__(self, tokens: list[str], term: Any) -> None:
        self.tokens, self.pos, self.term = tokens, 0, term

    def parse(self) -> bool:
        value = self._or()
        if self.pos != len(self.tokens):
            raise Unsupported(f"trailing tokens {self.tokens[self.pos :]}")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        tok = self._peek()
        if tok is None:
            raise Unsupported("expression ends too early")
        self.pos += 1
        return tok

    def _or(self) -> bool:
        value = self._and()
        while self._peek() == "||":
            self._take()
            value = self._and() or value
        return value

    def _and(self) -> bool:
        value = self._not()
        while self._peek() == "&&":
            self._take()
            value = self._not() and value
        return value

    def _not(self) -> bool:
        if self._peek() == "!":
            self._take()
            return not self._not()
        if self._peek() == "(":
            self._take()
            value = self._or()
            if self._take() != ")":
                raise Unsupported("unbalanced parentheses")
            return value
        return bool(self.term(self))


def depends_satisfied(expression: str, phases: dict[str, str]) -> bool:
    def term(p: _Parser) -> bool:
        name, _, result = p._take().partition(".")
        phase = phases[name]
        if not result:
            return phase in (SUCCEEDED, SKIPPED)
        if result not in (SUCCEEDED, FAILED, SKIPPED, OMITTED, "Errored", "Daemoned"):
            raise Unsupported(f"depends result {result!r}")
        return phase == (ERROR if result == "Errored" else result)

    return _Parser(_tokens(expression), term).parse()


def depends_names(expression: str) -> set[str]:
    skip = {"&&", "||", "(", ")", "!"}
    return {t.partition(".")[0] for t in _tokens(expression) if t not in skip}


def when_true(expression: str) -> bool:
    """`when` after substitution: comparisons of quoted strings, true/false, combined with && || !."""

    def literal(tok: str) -> str:
        if tok[:1] in ("'", '"'):
            return tok[1:-1]
        raise Unsupported(f"when operand {tok!r} is not a quoted string")

    def term(p: _Parser) -> bool:
        tok = p._take()
        if tok in ("true", "false"):
            return tok == "true"
        op = p._take()
        right = p._take()
        if op == "==":
            return literal(tok) == literal(right)
        if op == "!=":
            return literal(tok) != literal(right)
        raise Unsupported(f"when operator {op!r}")

    return _Parser(_tokens(expression), term).parse()


def dag_phase(tasks: list[dict[str, Any]], phases: dict[str, str]) -> str:
    """Argo's phase of a DAG whose tasks have ended with `phases` so far (dag.go, assessDAGPhase, with
    failFast): Running until every leaf task has a branch phase, Failed as soon as one leaf's is."""
    parents = {t["name"]: depends_names(t.get("depends", "") or "") for t in tasks}
    children: dict[str, list[str]] = {n: [] for n in parents}
    for name, deps in parents.items():
        for d in sorted(deps):
            children[d].append(name)
    leaves = [n for n in parents if not children[n]]
    branch: dict[str, str] = {}
    queue = [(n, SUCCEEDED) for n in parents if not parents[n]]
    seen: set[tuple[str, str]] = set()
    while queue:
        name, inherited = queue.pop(0)
        if (name, inherited) in seen:
            continue
        seen.add((name, inherited))
        if name not in phases:
            continue  # not started: its leaves have no phase yet
        here = phases[name] if phases[name] in (SUCCEEDED, FAILED, ERROR) else inherited
        if name in branch and branch[name] in (FAILED, ERROR):
            pass  # a failed path wins over a succeeded one
        elif not children[name]:
            branch[name] = here
        queue.extend((c, here) for c in children[name])
    result = SUCCEEDED
    for leaf in leaves:
        if branch.get(leaf) in (FAILED, ERROR):
            return FAILED
        if leaf not in branch:
            result = RUNNING
    return result


# -- the interpreter --------------------------------------------------------------------------------


class Interpreter:
    def __init__(
        self,
        workflow_template: dict[str, Any],
        workdir: Path,
        max_workers: int = 4,
        skipped_defaults: bool = False,
    ) -> None:
        if workflow_template.get("kind") != "WorkflowTemplate":
            raise Unsupported(f"kind {workflow_template.get('kind')!r}")
        self.doc = workflow_template
        self.spec = workflow_template["spec"]
        self.templates = {t["name"]: t for t in self.spec["templates"]}
        self.workdir = workdir
        self.max_workers = max_workers
        # Argo 3.7.16+/4.0.7+: a skipped task's outputs read as their declared defaults in DAG outputs.
        self.skipped_defaults = skipped_defaults
        self.nodes: list[Node] = []

    def submit(self, name: str, parameters: dict[str, str] | None = None) -> Run:
        """Run the workflow to its end, as `argo submit --from workflowtemplate/... -p k=v` would."""
        scope = {"workflow.name": name}
        given = dict(parameters or {})
        for p in self.spec.get("arguments", {}).get("parameters", []):
            value = given.pop(p["name"], p.get("value"))
            if value is None:
                raise Unresolved(f"workflow parameter {p['name']!r} has no value")
            scope[f"workflow.parameters.{p['name']}"] = str(value)
        if given:
            raise Unresolved(f"unknown workflow parameters {sorted(given)}")
        self.nodes = []
        phase, _ = self._run_template(self.spec["entrypoint"], {}, scope, self.spec["entrypoint"], 1)
        return Run(name, phase, list(self.nodes))

    def _run_template(
        self, name: str, arguments: dict[str, str], global_scope: dict[str, str], path: str, depth: int
    ) -> tuple[str, dict[str, str]]:
        template = self.templates.get(name)
        if template is None:
            raise Unsupported(f"template {name!r} does not exist")
        unknown = set(template) - _TEMPLATE_KEYS
        if unknown:
            raise Unsupported(f"template {name!r} uses {sorted(unknown)}")
        if depth >= MAX_STACK_DEPTH:
            node = Node(path, name, FAILED, arguments, stderr=f"Maximum recursion depth exceeded ({MAX_STACK_DEPTH})")
            self.nodes.append(node)
            return FAILED, {}
        scope = dict(global_scope)
        declared = template.get("inputs", {}).get("parameters", [])
        names = {p["name"] for p in declared}
        extra = set(arguments) - names
        if extra:
            raise Unresolved(f"{path}: arguments {sorted(extra)} are not inputs of {name!r}")
        for p in declared:
            value = arguments.get(p["name"], p.get("value", p.get("default")))
            if value is None:
                raise Unresolved(f"{path}: input {p['name']!r} of {name!r} has no value")
            scope[f"inputs.parameters.{p['name']}"] = value
        if "dag" in template:
            return self._run_dag(template, scope, path, depth)
        if "container" in template:
            return self._run_container(template, arguments, scope, path)
        if "suspend" in template:
            if template["suspend"] != {"duration": "0"}:
                raise Unsupported(f"template {name!r}: suspend {template['suspend']!r}")
            # Resumes at once, with no pod: a node in the graph and nothing else.
            self.nodes.append(Node(path, name, SUCCEEDED, arguments))
            return SUCCEEDED, {}
        raise Unsupported(f"template {name!r} is neither a dag, a container nor a suspend")

    def _run_dag(
        self, template: dict[str, Any], scope: dict[str, str], path: str, depth: int
    ) -> tuple[str, dict[str, str]]:
        tasks = template["dag"]["tasks"]
        for t in tasks:
            unknown = set(t) - _TASK_KEYS
            if unknown:
                raise Unsupported(f"task {t['name']!r} uses {sorted(unknown)}")
        phases: dict[str, str] = {}
        outputs: dict[str, dict[str, str]] = {}
        pending = list(tasks)
        phase = RUNNING
        while pending and phase == RUNNING:
            ready = [t for t in pending if depends_names(t.get("depends", "") or "") <= set(phases)]
            if not ready:
                raise Unsupported(f"{path}: tasks {[t['name'] for t in pending]} wait on each other")
            task = ready[0]
            pending.remove(task)
            phases[task["name"]], outputs[task["name"]] = self._run_task(task, scope, phases, outputs, path, depth)
            phase = dag_phase(tasks, phases)
        if phase != SUCCEEDED:
            return FAILED, {}
        return SUCCEEDED, self._dag_outputs(template, tasks, phases, outputs)

    def _dag_outputs(
        self,
        template: dict[str, Any],
        tasks: list[dict[str, Any]],
        phases: dict[str, str],
        outputs: dict[str, dict[str, str]],
    ) -> dict[str, str]:
        """A DAG template's output parameters, from its tasks once all finished (Argo's
        getTemplateOutputsFromScope): each `valueFrom.expression` over `tasks.<name>.status` and
        `tasks.<name>.outputs.parameters.*`."""
        declared = template.get("outputs", {}).get("parameters", [])
        if not declared:
            return {}
        scope: dict[str, Any] = {}
        for t in tasks:
            name = t["name"]
            if name not in phases:
                continue
            scope[f"tasks.{name}.status"] = phases[name]
            for k, v in outputs.get(name, {}).items():
                scope[f"tasks.{name}.outputs.parameters.{k}"] = v
            if phases[name] in (SKIPPED, OMITTED) and self.skipped_defaults:
                produced = self.templates[t["template"]].get("outputs", {}).get("parameters", [])
                for p in produced:
                    default = p.get("valueFrom", {}).get("default")
                    if default is not None:
                        scope[f"tasks.{name}.outputs.parameters.{p['name']}"] = default
        env = expand(scope)
        out = {}
        for p in declared:
            source = p.get("valueFrom", {})
            if set(source) != {"expression"}:
                raise Unsupported(f"DAG output {p['name']!r}: valueFrom {sorted(source)}")
            value = evaluate(source["expression"], env)
            if value is None:
                raise Unresolved(f"DAG output {p['name']!r}: {source['expression']!r} is nil")
            out[p["name"]] = str(value)
        return out

    def _run_task(
        self,
        task: dict[str, Any],
        scope: dict[str, str],
        phases: dict[str, str],
        outputs: dict[str, dict[str, str]],
        path: str,
        depth: int,
    ) -> tuple[str, dict[str, str]]:
        here = f"{path}/{task['name']}"
        depends = task.get("depends")
        if depends and not depends_satisfied(depends, phases):
            self.nodes.append(Node(here, task["template"], OMITTED))
            return OMITTED, {}
        task_scope = dict(scope)
        for other, ended in phases.items():
            if ended in (SUCCEEDED, FAILED, ERROR):
                task_scope[f"tasks.{other}.status"] = ended
        for other, values in outputs.items():
            for k, v in values.items():
                task_scope[f"tasks.{other}.outputs.parameters.{k}"] = v
        # Argo resolves the whole task (arguments, when, loop) before its `when`: a read of a skipped
        # task's output stops it there, whatever the `when` would say.
        skipped = frozenset(n for n, ph in phases.items() if ph in (SKIPPED, OMITTED))
        for text in strings({k: v for k, v in task.items() if k not in ("name", "template", "depends")}):
            for key in _EXPR.findall(text):
                parts = key.split(".")
                if parts[0] == "tasks" and len(parts) > 2 and parts[1] in skipped and parts[2] == "outputs":
                    raise WaitsForever(f"{here}: {{{{{key}}}}} reads an output of {parts[1]!r}, which was skipped")
        if "when" in task and not when_true(substitute(task["when"], task_scope)):
            self.nodes.append(Node(here, task["template"], SKIPPED))
            return SKIPPED, {}
        args = task.get("arguments", {}).get("parameters", [])
        if "withSequence" not in task:
            values = {a["name"]: substitute(a["value"], task_scope) for a in args}
            return self._run_template(task["template"], values, scope, here, depth + 1)
        seq = task["withSequence"]
        if set(seq) - {"count"}:
            raise Unsupported(f"withSequence fields {sorted(seq)}")
        count = int(substitute(str(seq["count"]), task_scope))
        if count == 0:
            self.nodes.append(Node(here, task["template"], SKIPPED))
            return SKIPPED, {}

        def item(i: int) -> str:
            s = dict(task_scope, item=str(i))
            values = {a["name"]: substitute(a["value"], s) for a in args}
            return self._run_template(task["template"], values, scope, f"{here}({i})", depth + 1)[0]

        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            results = list(pool.map(item, range(count)))
        return (SUCCEEDED if all(r == SUCCEEDED for r in results) else FAILED), {}

    def _run_container(
        self, template: dict[str, Any], arguments: dict[str, str], scope: dict[str, str], path: str
    ) -> tuple[str, dict[str, str]]:
        container = template["container"]
        unknown = set(container) - _CONTAINER_KEYS
        if unknown:
            raise Unsupported(f"container of {template['name']!r} uses {sorted(unknown)}")
        strategy = template.get("retryStrategy", {})
        limit = int(strategy.get("limit", 0))
        deadline = template.get("activeDeadlineSeconds")
        outputs = template.get("outputs", {}).get("parameters", [])
        out_dirs = sorted({os.path.dirname(p["valueFrom"]["path"]) for p in outputs})
        # Argo substitutes `{{...}}` in the whole template, env included; Kubernetes then expands
        # `$(VAR)` (from the container's own env, earlier entries first) in env values and args.
        declared: dict[str, str] = {}
        for e in _subst_all(container.get("env", []), scope):
            declared[e["name"]] = k8s_expand(e["value"], declared)
        env = dict(os.environ)
        env.update(declared)
        node = Node(path, template["name"], FAILED, arguments)
        self.nodes.append(node)
        for attempt in range(limit + 1):
            node.attempts = attempt + 1
            # A pod's filesystem is its own: each attempt gets a fresh folder for the output paths.
            pod = Path(tempfile.mkdtemp(prefix="pod-", dir=self.workdir))
            # `{{retries}}` exists only in a template with a retryStrategy, as in Argo.
            attempt_scope = dict(scope, retries=str(attempt)) if strategy else scope
            argv = [
                self._in_pod(k8s_expand(a, declared), out_dirs, pod)
                for a in _subst_all(container["command"], attempt_scope)
            ]
            node.argv = argv
            try:
                proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=deadline, check=False)
            except subprocess.TimeoutExpired:
                node.stderr = f"deadline of {deadline}s exceeded"
                continue
            node.stderr = proc.stderr
            if proc.returncode == 0:
                node.phase = SUCCEEDED
                values = {}
                for p in outputs:
                    f = Path(self._in_pod(p["valueFrom"]["path"], out_dirs, pod))
                    values[p["name"]] = f.read_text() if f.is_file() else p["valueFrom"]["default"]
                return SUCCEEDED, values
        return FAILED, {}

    @staticmethod
    def _in_pod(arg: str, out_dirs: list[str], pod: Path) -> str:
        for d in out_dirs:
            if arg == d or arg.startswith(d + "/"):
                return str(pod) + arg
        return arg
