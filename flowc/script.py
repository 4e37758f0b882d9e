"""`python flow.py run|show|check|logs|dump ...`: a flow file run as a script hands over to flowc's CLI.

A flow ends with `if __name__ == "__main__": TrainFlow()`; constructing the flow there (FlowSpec's
`__init__`) calls `main`, which reads Metaflow's command line and runs the matching flowc command on
this file and class:

    python flow.py run --alpha 0.5 --tag exp --with retry    flowc run flow.py --flow TrainFlow --param alpha=0.5 ...
    python flow.py --branch b2 run                           flowc run ... --branch b2
    python flow.py show | check                              flowc show | check flow.py --flow TrainFlow
    python flow.py logs RUN/STEP[/TASK]                      flowc logs flow.py RUN/STEP[/TASK]
    python flow.py dump RUN/STEP[/TASK]                      flowc artifacts flow.py --run RUN --step STEP ...
    python flow.py resume [STEP] [--origin-run-id ID]        flowc resume flow.py [STEP] ...
    python flow.py card view RUN/STEP/TASK                   flowc card view flow.py RUN/STEP/TASK

Metaflow's options that mean nothing here (`--quiet`, `--metadata=local`, `--no-pylint`,
`--max-log-size`, ...) are accepted, with a note on stderr where one was asked for something flowc does
not do; anything else is a usage error naming what is accepted. Parameters are `--name value` or
`--name=value` (`--name` alone for a boolean flag).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# Metaflow's top-level options: (takes a value, what flowc does with it).
_TOP_IGNORED_VALUE = {"--metadata", "--environment", "--event-logger", "--monitor", "--package-suffixes", "--mode"}
_TOP_IGNORED_FLAG = {"--quiet", "--not-quiet", "--pylint", "--no-pylint", "--force-rebuild-environments"}
_RUN_IGNORED_VALUE = {"--max-num-splits", "--max-log-size", "--runner-attribute-file", "--namespace"}
_DEPLOY_GROUPS = {"step-functions": "step-functions", "argo-workflows": "argo", "airflow": "airflow"}
COMMANDS = ("run", "resume", "show", "check", "logs", "dump", "card")


class ScriptError(Exception):
    """A command line this translation does not accept; the message says what is."""


@dataclass
class Translation:
    argv: list[str]
    notes: list[str] = field(default_factory=list)
    run_id_file: str | None = None


@dataclass(frozen=True)
class ParamInfo:
    name: str
    flag: bool  # a boolean that may be given without a value


def parameters_of(cls: type) -> list[ParamInfo]:
    """The flow class's parameters, from the class itself (bases included)."""
    from flowc.api import Parameter

    seen: dict[str, ParamInfo] = {}
    for klass in reversed(cls.__mro__):
        for value in vars(klass).values():
            if isinstance(value, Parameter):
                flag = bool(value.kwargs.get("is_flag")) or value.type is bool or isinstance(value.default, bool)
                seen[value.name] = ParamInfo(value.name, flag)
    return list(seen.values())


def _take(argv: list[str], i: int, opt: str) -> tuple[str, int]:
    """The value of option `argv[i]` (`--opt value` or `--opt=value`) and the next index."""
    token = argv[i]
    if "=" in token and token.startswith("--"):
        return token.split("=", 1)[1], i + 1
    if i + 1 >= len(argv):
        raise ScriptError(f"{opt} needs a value")
    return argv[i + 1], i + 2


def translate(argv: Sequence[str], flow_file: str, flow_class: str, params: Sequence[ParamInfo]) -> Translation:
    """Metaflow's command line (`sys.argv[1:]` of `python flow.py ...`) as flowc's. ScriptError if not."""
    args = list(argv)
    notes: list[str] = []
    common: list[str] = []  # --datastore
    run_opts: list[str] = []  # --with, --branch, --production from the top level
    config_opts: list[str] = []  # --config, --config-value
    datastore_kind = "local"
    datastore_root: str | None = None
    i = 0
    while i < len(args) and args[i].startswith("-"):
        opt = args[i].split("=", 1)[0]
        if opt in ("--help", "-h"):
            return Translation(["__help__"])
        if opt in _TOP_IGNORED_FLAG:
            i += 1
        elif opt in _TOP_IGNORED_VALUE:
            value, i = _take(args, i, opt)
            if opt == "--environment" and value not in ("local",):
                notes.append(
                    f"--environment={value}: flowc runs steps in this Python environment (see docs/metaflow.md)"
                )
        elif opt == "--datastore":
            datastore_kind, i = _take(args, i, opt)
            if datastore_kind not in ("local", "s3"):
                raise ScriptError(f"--datastore={datastore_kind}: flowc keeps runs in a local folder or on S3")
        elif opt == "--datastore-root":
            datastore_root, i = _take(args, i, opt)
        elif opt == "--with":
            value, i = _take(args, i, opt)
            run_opts += ["--with", value]
        elif opt == "--branch":
            value, i = _take(args, i, opt)
            run_opts += ["--branch", value]
        elif opt == "--production":
            run_opts.append("--production")
            i += 1
        elif opt in ("--config", "--config-value"):
            # `--config NAME PATH`, `--config-value NAME TEXT`: two values each, for run, show, check.
            if "=" in args[i] or i + 2 >= len(args):
                raise ScriptError(f"{opt} takes a config's name and its {'file' if opt == '--config' else 'value'}")
            config_opts += [opt, args[i + 1], args[i + 2]]
            i += 3
        else:
            raise ScriptError(f"unknown option {opt}")
    if datastore_kind == "s3" and datastore_root is None:
        datastore_root = os.environ.get("METAFLOW_DATASTORE_SYSROOT_S3")
        if not datastore_root:
            raise ScriptError("--datastore=s3: name the bucket with --datastore-root s3://bucket/prefix")
    if datastore_root is not None:
        common += ["--datastore", datastore_root]

    if i >= len(args):
        return Translation(["__help__"])
    command, rest = args[i], args[i + 1 :]
    if command in _DEPLOY_GROUPS:
        target = _DEPLOY_GROUPS[command]
        raise ScriptError(
            f"`{command}` is flowc's deploy: flowc deploy {flow_file} --target {target} "
            f"(or flowc compile ... --target {target} for the files)"
        )
    if command in ("show", "check"):
        if rest:
            raise ScriptError(f"{command} takes no arguments here; flowc {command} --help has its options")
        return Translation([command, flow_file, "--flow", flow_class, *config_opts], notes)
    if command == "logs":
        return Translation(_logs(rest, flow_file, flow_class, common), notes)
    if command == "dump":
        return Translation(_dump(rest, flow_file, flow_class, common), notes)
    if command == "card":
        if not rest or rest[0] not in ("view", "get", "list"):
            raise ScriptError("card takes view RUN/STEP/TASK, get RUN/STEP/TASK [FILE] or list [RUN]")
        sub, more = rest[0], rest[1:]
        if sub == "list":
            return Translation(["card", "list", flow_file, *more, "--flow", flow_class, *common], notes)
        if not more or more[0].startswith("-"):
            raise ScriptError(f"card {sub} takes RUN/STEP/TASK")
        out = ["card", sub, flow_file, more[0], "--flow", flow_class, *common]
        if sub == "get" and len(more) > 1:
            out += ["--output", more[1]]
        return Translation(out, notes)
    if command in ("run", "resume"):
        t = _run(command, rest, flow_file, flow_class, params, notes)
        t.argv += common + run_opts + config_opts
        return t
    raise ScriptError(f"unknown command {command!r}; flowc runs: {', '.join(COMMANDS)}")


def _run(
    command: str, rest: list[str], flow_file: str, flow_class: str, params: Sequence[ParamInfo], notes: list[str]
) -> Translation:
    by_option = {}
    for p in params:
        by_option[f"--{p.name}"] = p
        by_option[f"--{p.name.replace('_', '-')}"] = p
    out = [command, flow_file, "--flow", flow_class]
    run_id_file = None
    step_to_rerun: list[str] = []
    i = 0
    while i < len(rest):
        token = rest[i]
        opt = token.split("=", 1)[0]
        if not token.startswith("--"):
            if command == "resume" and not step_to_rerun:
                step_to_rerun.append(token)
                i += 1
                continue
            raise ScriptError(f"unexpected argument {token!r}")
        if opt in ("--tag", "--with", "--max-workers") or (
            command == "resume" and opt in ("--origin-run-id", "--run-id")
        ):
            value, i = _take(rest, i, opt)
            out += [opt, value]
        elif opt == "--run-id-file":
            run_id_file, i = _take(rest, i, opt)
        elif opt in _RUN_IGNORED_VALUE:
            value, i = _take(rest, i, opt)
            notes.append(f"{opt}: not used by flowc {command}")
        elif opt in by_option:
            p = by_option[opt]
            if "=" in token:
                value, i = token.split("=", 1)[1], i + 1
            elif p.flag and (i + 1 >= len(rest) or rest[i + 1].startswith("--")):
                value, i = "true", i + 1
            else:
                value, i = _take(rest, i, opt)
            out += ["--param", f"{p.name}={value}"]
        elif opt in ("--help", "-h"):
            return Translation(["__help__"])
        else:
            known = ", ".join(f"--{p.name}" for p in params) or "none"
            raise ScriptError(f"{command}: unknown option {opt}; the flow's parameters: {known}")
    return Translation(out + step_to_rerun, notes, run_id_file)


def _task_spec(rest: list[str], command: str) -> tuple[list[str], list[str]]:
    specs = [a for a in rest if not a.startswith("-")]
    if len(specs) != 1:
        raise ScriptError(f"{command} takes RUN/STEP or RUN/STEP/TASK")
    return specs[0].split("/"), [a for a in rest if a.startswith("-")]


def _logs(rest: list[str], flow_file: str, flow_class: str, common: list[str]) -> list[str]:
    parts, opts = _task_spec(rest, "logs")
    out = ["logs", flow_file, "/".join(parts), "--flow", flow_class, *common]
    for opt in opts:
        if opt in ("--stdout", "--stderr"):
            out.append(opt)
        elif opt.startswith("--attempt="):
            out += ["--attempt", opt.split("=", 1)[1]]
        else:
            raise ScriptError(f"logs: unknown option {opt} (flowc logs --help)")
    return out


def _dump(rest: list[str], flow_file: str, flow_class: str, common: list[str]) -> list[str]:
    parts, opts = _task_spec(rest, "dump")
    if len(parts) not in (2, 3) or not all(parts):
        raise ScriptError("dump takes RUN/STEP or RUN/STEP/TASK")
    out = ["artifacts", flow_file, "--flow", flow_class, "--run", parts[0], "--step", parts[1], *common]
    if len(parts) == 3:
        out += ["--task", "" if parts[2] == "_" else parts[2]]
    if opts:
        raise ScriptError(f"dump: unknown option {opts[0]} (flowc artifacts --help)")
    return out


USAGE = """\
usage: python {file} [--with DECORATOR] [--branch B | --production] [--datastore-root ROOT] COMMAND ...

This flow runs with flowc (docs/metaflow.md). Commands:
  run [--PARAM VALUE ...] [--tag T] [--with D] [--max-workers N]   run the flow locally (flowc run)
  resume [STEP] [--origin-run-id ID]                               rerun a run from a step (flowc resume)
  show                                                             the graph (flowc show)
  check                                                            check the flow (flowc check)
  logs RUN/STEP[/TASK]                                             what tasks printed (flowc logs)
  dump RUN/STEP[/TASK]                                             a step's artifacts (flowc artifacts)
  card view|get RUN/STEP/TASK, card list [RUN]                     the tasks' cards (flowc card)
The flow's parameters: {params}
"""


def main(cls: type, argv: Sequence[str] | None = None) -> int:
    """Run Metaflow's command line for the flow class `cls` (whose file is `__main__`) with flowc."""
    from flowc.cli import main as flowc_main

    module = sys.modules.get(cls.__module__)
    flow_file = getattr(module, "__file__", None) or sys.argv[0]
    flow_file = os.path.relpath(flow_file) if not os.path.relpath(flow_file).startswith("..") else flow_file
    params = parameters_of(cls)
    try:
        t = translate(sys.argv[1:] if argv is None else argv, flow_file, cls.__name__, params)
    except ScriptError as exc:
        print(f"{os.path.basename(flow_file)}: {exc}", file=sys.stderr)
        print(f"(python {os.path.basename(flow_file)} --help lists what flowc accepts)", file=sys.stderr)
        return 2
    if t.argv == ["__help__"]:
        names = ", ".join(f"--{p.name}" for p in params) or "none"
        print(USAGE.format(file=os.path.basename(flow_file), params=names))
        return 0
    for note in t.notes:
        print(f"flowc: note: {note}", file=sys.stderr)
    if t.run_id_file is not None:
        from flowc.commands.run import new_run_id

        run_id = new_run_id()
        with open(t.run_id_file, "w", encoding="utf-8") as f:
            f.write(run_id)
        t.argv += ["--run-id", run_id]
    return flowc_main(t.argv)


def from_flowspec(flow: Any) -> None:
    """What `FlowSpec()` does in a script: run the command line, then exit with its code."""
    sys.exit(main(type(flow)))
