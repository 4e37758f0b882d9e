"""The one function every target uses to build a task's command line (`flowc step ...`).

Values may be orchestrator template expressions (`{{workflow.name}}`, `{{ run_id }}`): they are
placed verbatim, each in its own argv item, and never joined into a shell string. The flags below are
the runner's contract (docs/runner.md); `flowc.commands.step` parses exactly these.
"""

from __future__ import annotations

from collections.abc import Sequence


def step_command(
    *,
    flow: str,
    code: str,
    step: str,
    run_id: str,
    datastore: str,
    index: str = "",
    attempt: str = "0",
    params: Sequence[tuple[str, str]] = (),
    params_json: str | None = None,
    output_json: str | None = None,
    output_values: str | None = None,
    print_output: bool = False,
    fallback: str | None = None,
    executable: Sequence[str] = ("flowc",),
) -> list[str]:
    """The argv that runs one task of `flow` through the step runner.

    `index` is the task's index path, dot-joined: foreach positions outermost first, then loop
    iterations outermost first ("" outside any foreach or loop, "3", "2.1"; see flowc.paths).
    `attempt` is the 0-based retry attempt. `params` go to the start task only, as
    `--param name=value` (the runner types them from the IR); `params_json` is the alternative of one
    JSON object. `output_json`, `output_values` and `print_output` choose where the task's output
    (foreach count, switch case) is written for the orchestrator, besides the datastore.

    `fallback` (a reason, such as "killed by SIGKILL") asks for the task of a step with `@catch` whose
    last attempt failed without publishing it (its process was killed or crashed): the runner then
    publishes what `@catch` would have, without running the step (docs/runner.md, "@catch").
    """
    argv = [
        *executable,
        "step",
        "--flow",
        flow,
        "--code",
        code,
        "--step",
        step,
        "--run-id",
        run_id,
        "--datastore",
        datastore,
    ]
    if index:
        argv += ["--index", index]
    if attempt != "0":
        argv += ["--attempt", attempt]
    for name, value in params:
        # `name=value` starts with the name (an identifier), so argparse never reads it as a flag.
        argv += ["--param", f"{name}={value}"]
    if params_json is not None:
        argv += ["--params-json", params_json]
    if output_json is not None:
        argv += ["--output-json", output_json]
    if output_values is not None:
        argv += ["--output-values", output_values]
    if print_output:
        argv.append("--print-output")
    if fallback is not None:
        argv += ["--fallback", fallback]
    return argv
