"""`flowc step`: run one task of a flow (what every orchestrator task and `flowc run` execute).

Kept light on purpose: it imports only the runner and the local datastore (boto3 for s3:// roots).
Flags are built by `flowc.runner.command.step_command`; see docs/runner.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

HELP = "Run one task of a flow (used by orchestrators and flowc run)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--flow", required=True, help="the flow's name")
    p.add_argument("--code", required=True, help="the code package id in the datastore")
    p.add_argument("--step", required=True, help="the step to run")
    p.add_argument("--run-id", required=True, help="the run this task belongs to")
    p.add_argument(
        "--datastore",
        required=True,
        type=_decoded,
        help="a local folder or s3://bucket/prefix, percent-encoded (flowc.runner.command.encode_value)",
    )
    p.add_argument(
        "--index", default="", help="index path: foreach positions, then loop iterations, dot-joined, outermost first"
    )
    p.add_argument("--attempt", default="0", help="0-based retry attempt")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="a parameter (start step)")
    p.add_argument(
        "--param-encoded",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter whose value is percent-encoded (flowc.runner.command.encode_value; start step)",
    )
    p.add_argument(
        "--params-json",
        help="all parameters as one JSON object (start step); percent-encoded when it starts with %%7B",
    )
    p.add_argument("--output-json", metavar="PATH", help="write the task's output object here")
    p.add_argument("--output-values", metavar="DIR", help="write foreach_count / switch_case / switch_index here")
    p.add_argument("--print-output", action="store_true", help="print the output object as the last line")
    p.add_argument(
        "--fallback",
        metavar="REASON",
        help="the step's last attempt failed unseen (killed, crashed): publish what its @catch would have",
    )
    p.add_argument(
        "--branch",
        type=_decoded,
        help="the @project branch of the deployment: user.<name>, test.<b>, prod or prod.<b> (flowc.project_names)",
    )


def _decoded(text: str) -> str:
    from flowc.runner.command import decode_value

    try:
        return decode_value(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not percent-encoded UTF-8") from None


def _param_decoded(name: str, text: str) -> str:
    from flowc.runner.command import decode_value
    from flowc.runner.params import ParamError

    try:
        return decode_value(text)
    except ValueError:
        raise ParamError([f"--param-encoded {name}: {text!r} is not percent-encoded UTF-8"]) from None


def _json_text(text: str) -> str:
    """`--params-json` as JSON text: an engine that would rewrite `$` or `{` in it gets it
    percent-encoded, which is told apart by its start (`%7B`, never the `{` a JSON object starts with)."""
    from flowc.runner.command import decode_value
    from flowc.runner.params import ParamError

    if not text.lstrip().startswith("%7B"):
        return text
    try:
        return decode_value(text)
    except ValueError:
        raise ParamError([f"--params-json {text[:40]!r}... is not percent-encoded UTF-8"]) from None


def _fail(message: str, code: int) -> int:
    print(f"flowc step: {message}", file=sys.stderr)
    return code


def _write_outputs(args: argparse.Namespace, output: dict[str, Any], case_index: int | None = None) -> None:
    text = json.dumps(output, sort_keys=True)
    if args.output_json:
        path = Path(args.output_json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
    if args.output_values:
        folder = Path(args.output_values)
        folder.mkdir(parents=True, exist_ok=True)
        for key in ("foreach_count", "switch_case"):
            if key in output:
                (folder / key).write_text(str(output[key]))
        if case_index is not None:
            (folder / "switch_index").write_text(str(case_index))
    if args.print_output:
        sys.stdout.flush()
        print(text, flush=True)


def run(args: argparse.Namespace) -> int:
    from flowc.runner import params as params_mod
    from flowc.runner import task as task_mod
    from flowc.runner.command import UNSET_PARAM

    try:
        attempt = int(args.attempt)
        if attempt < 0:
            raise ValueError
    except ValueError:
        return _fail(f"--attempt {args.attempt!r}: expected a retry count (0, 1, ...)", task_mod.EXIT_USAGE)
    try:
        texts = params_mod.split_assignments(args.param)
        texts += [
            (name, _param_decoded(name, v))
            for name, v in params_mod.split_assignments(args.param_encoded)
            if v != UNSET_PARAM
        ]
        values = params_mod.strict_json(_json_text(args.params_json)) if args.params_json else None
    except params_mod.ParamError as exc:
        return _fail(str(exc), task_mod.EXIT_USAGE)
    except ValueError as exc:
        return _fail(f"--params-json is not valid JSON: {exc}", task_mod.EXIT_USAGE)
    if values is not None and not isinstance(values, dict):
        return _fail('--params-json must be a JSON object: {"name": value, ...}', task_mod.EXIT_USAGE)
    spec = task_mod.TaskSpec(
        flow=args.flow,
        code=args.code,
        step=args.step,
        run_id=args.run_id,
        datastore=args.datastore,
        index=args.index,
        attempt=attempt,
        params=tuple(texts),
        params_json=values,
        fallback=args.fallback,
    )
    if args.branch:
        from flowc.project_names import ProjectError, branch_env

        try:
            # What `current` reads for @project names (flowc.project_names.from_env).
            os.environ.update(branch_env(args.branch))
        except ProjectError as exc:
            return _fail(str(exc), task_mod.EXIT_USAGE)
    try:
        result = task_mod.run_task(spec)
    except task_mod.StepFailed as exc:
        sys.stdout.flush()
        print(exc.user_traceback, end="", file=sys.stderr)
        what = "timed out" if exc.timed_out else "failed"
        why = f": {exc.reason}" if exc.reason else ""
        print(f"flowc step: task {spec.task_id} {what} (attempt {attempt}){why}", file=sys.stderr)
        return exc.exit_code
    except task_mod.TaskError as exc:
        return _fail(f"task {spec.task_id}: {exc}", exc.exit_code)
    except KeyboardInterrupt:
        return _fail(f"task {spec.task_id} interrupted", task_mod.EXIT_INTERRUPTED)
    if result.caught is not None:
        why = f" ({result.caught.message})" if result.caught.type == "SystemExit" else ""
        print(
            f"flowc step: task {spec.task_id} failed on its last attempt{why}; @catch stored the error "
            f"and the flow continues:\n{result.caught.traceback}",
            end="",
            file=sys.stderr,
        )
    _write_outputs(args, result.output, result.case_index)
    return task_mod.EXIT_OK
