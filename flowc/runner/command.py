"""The one function every target uses to build a task's command line (`flowc step ...`).

Values may be orchestrator template expressions (`{{workflow.name}}`, `{{ run_id }}`): they are
placed verbatim, each in its own argv item, and never joined into a shell string. The flags below are
the runner's contract (docs/runner.md); `flowc.commands.step` parses exactly these.

The datastore is the one value of the environment that reaches every task, so it travels
percent-encoded (`encode_value`): `s3://bucket/prefix` stays as it is, while `{`, `}`, `$`, `(`, `)`,
`%`, quotes, spaces and non-ASCII become `%XX`, which no orchestrator's templating (Argo's `{{ }}`,
Kubernetes' `$(VAR)`, Airflow's Jinja, Step Functions' intrinsics) reads. The runner decodes it.
A target that hands over an engine expression instead (an Argo workflow parameter whose value flowc
encoded) marks it `Expr`, and it is placed as written.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence

# Characters kept as they are besides letters, digits and `_.-~`: none is special to any engine.
_SAFE = "/:@+,="


class Expr(str):
    """An orchestrator expression that yields an already-encoded value at run time (placed verbatim)."""


def encode_value(text: str) -> str:
    """`text` percent-encoded (RFC 3986, UTF-8) except for letters, digits and `_.-~/:@+,=`."""
    return urllib.parse.quote(text, safe=_SAFE)


# A `--param-encoded` value that stands for "not given": the parameter takes its default, as if the
# option were left out. Argo needs a value for every workflow parameter, so a parameter whose
# default is None gets this one. `encode_value`/Argo's encoder write `%` as `%25`, so no encoded
# text is ever this marker.
UNSET_PARAM = "%unset"


def decode_value(text: str) -> str:
    """The inverse of `encode_value`. Text without `%` decodes to itself, so a plain
    `s3://bucket/prefix` given by hand (e.g. `argo submit -p flowc-datastore=...`) works too.
    Raises ValueError for `%` sequences that are not UTF-8."""
    return urllib.parse.unquote(text, errors="strict")


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
    encoded_params: Sequence[tuple[str, str]] = (),
    output_json: str | None = None,
    output_values: str | None = None,
    print_output: bool = False,
    fallback: str | None = None,
    branch: str | None = None,
    executable: Sequence[str] = ("flowc",),
) -> list[str]:
    """The argv that runs one task of `flow` through the step runner.

    `index` is the task's index path, dot-joined: foreach positions outermost first, then loop
    iterations outermost first ("" outside any foreach or loop, "3", "2.1"; see flowc.paths).
    `attempt` is the 0-based retry attempt. `params` go to the start task only, as
    `--param name=value` (the runner types them from the IR); `params_json` is the alternative of one
    JSON object. `encoded_params` are `(name, expression)` pairs whose expression yields the value
    already percent-encoded at run time (an Argo workflow parameter flowc wrote encoded), passed as
    `--param-encoded name=expression` and decoded by the runner. `output_json`, `output_values` and
    `print_output` choose where the task's output (foreach count, switch case) is written for the
    orchestrator, besides the datastore.

    `fallback` (a reason, such as "killed by SIGKILL") asks for the task of a step with `@catch` whose
    last attempt failed without publishing it (its process was killed or crashed): the runner then
    publishes what `@catch` would have, without running the step (docs/runner.md, "@catch").

    `datastore` is encoded here unless it is an `Expr`. `branch` is the @project branch the flow was
    deployed on (`flowc.project_names.branch_name`), for flows with @project. `executable` is the
    prefix: `flowc`, or `flowc.runner.bootstrap.command()` for a task on an image without flowc.
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
        str.__str__(datastore) if isinstance(datastore, Expr) else encode_value(datastore),
    ]
    if index:
        argv += ["--index", index]
    if attempt != "0":
        argv += ["--attempt", attempt]
    for name, value in params:
        # `name=value` starts with the name (an identifier), so argparse never reads it as a flag.
        argv += ["--param", f"{name}={value}"]
    for name, value in encoded_params:
        argv += ["--param-encoded", f"{name}={value}"]
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
    if branch is not None:
        # `user.<name>` holds a login name, which may be any text: encoded like the datastore.
        argv += ["--branch", encode_value(branch)]
    return argv
