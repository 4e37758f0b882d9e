"""The `flowc` command line. Each subcommand lives in `flowc.commands.<name>` and is imported only
when it runs, so `flowc step` (every orchestrator task) does not pay for the compiler's imports.

A command module provides `HELP` (one line), `add_arguments(parser)` and `run(args) -> int`.
Exit codes: 0 success, 1 problems found or the work failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence

# Order is the order `flowc --help` lists them.
COMMANDS = (
    "check",
    "show",
    "compile",
    "deploy",
    "trigger",
    "status",
    "delete",
    "image",
    "run",
    "resume",
    "runs",
    "artifacts",
    "logs",
    "card",
    "step",
    "worker",
    "package",
    "targets",
)


def _columns() -> int:
    """The terminal's width as `shutil.get_terminal_size` gives it (COLUMNS, then the terminal, then 80)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        stdout = sys.__stdout__
        try:
            columns = os.get_terminal_size(stdout.fileno()).columns if stdout is not None else 0
        except (ValueError, OSError):  # closed, detached, or not a terminal
            columns = 0
    return columns or 80


class Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, which argparse also makes for every argument a parser is given (to check
    its metavar), without the import of `shutil` (and bz2, lzma) it does for the terminal's width."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


def _available() -> list[str]:
    return [c for c in COMMANDS if importlib.util.find_spec(f"flowc.commands.{c}") is not None]


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    from flowc import __version__
    from flowc.commands._common import (
        LIFECYCLE_COMMANDS,
        TARGET_COMMANDS,
        add_target_options,
        every_target_options,
        peek_target,
    )

    command = next((a for a in argv if not a.startswith("-")), None)
    target = peek_target(argv) if command in TARGET_COMMANDS else None
    wants_help = any(a in ("-h", "--help") for a in argv)

    parser = argparse.ArgumentParser(
        prog="flowc",
        description="Compile Metaflow-style flows to Step Functions, Argo and Airflow; run them locally.",
        formatter_class=Formatter,
    )
    parser.add_argument("--version", action="version", version=f"flowc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    available = _available()
    for name in available:
        if command in available and name != command:
            # Only `flowc --help` lists the other commands: importing their modules (and what they
            # import), or even making their parsers, would slow down every command for nothing.
            continue
        module = importlib.import_module(f"flowc.commands.{name}")
        lifecycle = name in LIFECYCLE_COMMANDS
        epilog = None
        if name == command and name in TARGET_COMMANDS and wants_help:
            # `flowc compile --help` lists every target's options, whichever --target comes later.
            epilog = every_target_options(lifecycle)
        p = sub.add_parser(
            name,
            help=module.HELP,
            description=module.HELP,
            epilog=epilog,
            formatter_class=Formatter,
        )
        module.add_arguments(p)
        p.set_defaults(_module=module)
        if name == command and target is not None:
            # The chosen target's own flags exist only once we know which target it is.
            error = add_target_options(p, target, lifecycle)
            if error:
                parser.exit(2, f"flowc {name}: {error}\n")
    return parser


_step_parser: argparse.ArgumentParser | None = None


def step_parser() -> argparse.ArgumentParser:
    """`flowc step`'s parser, made once per process. The fork server makes it before it forks, so that
    a forked task does not: making it is a third of a forked task's CPU (argparse passes its headings
    through gettext, which looks for message catalogues on disk every time)."""
    global _step_parser
    if _step_parser is None:
        step_cmd = importlib.import_module("flowc.commands.step")
        p = argparse.ArgumentParser(prog="flowc step", description=step_cmd.HELP, formatter_class=Formatter)
        step_cmd.add_arguments(p)
        _step_parser = p
    return _step_parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Fast path for the runner: build only the parser `flowc step` needs.
    if argv and argv[0] == "step" and importlib.util.find_spec("flowc.commands.step"):
        step_cmd = importlib.import_module("flowc.commands.step")
        return int(step_cmd.run(step_parser().parse_args(argv[1:])))
    from flowc.commands._common import TARGET_COMMANDS, unknown_target

    parser = build_parser(argv)
    if argv and argv[0] in TARGET_COMMANDS and unknown_target(argv):
        # The target's own flags are unknown too: the command says which target is wrong.
        args, _ = parser.parse_known_args(argv)
    else:
        args = parser.parse_args(argv)
    if getattr(args, "_module", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args._module.run(args))
    except KeyboardInterrupt:
        print("flowc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`flowc runs | head -1`): what it wanted was written. Point stdout
        # at /dev/null so the interpreter's final flush does not report the pipe either.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


# Commands that leave no thread running and nothing open once they return: their process skips the
# interpreter's teardown (freeing every module and object one by one), a tenth of a small check's CPU.
QUICK_EXIT = frozenset({"check", "compile", "show", "run"})


def entry() -> None:
    code = main()
    if sys.argv[1:2] and sys.argv[1] in QUICK_EXIT:
        _exit_now(code)
    sys.exit(code)


def _exit_now(code: int) -> None:
    """End the process as `sys.exit(code)` would, without the teardown; returns (and leaves it to
    `sys.exit`) when a thread still runs or the output cannot be flushed."""
    import atexit

    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        atexit._run_exitfuncs()  # what exit handlers there are (the syntax worker's stop) still run
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # Python's own exit says what went wrong
    os._exit(code)


if __name__ == "__main__":
    entry()
