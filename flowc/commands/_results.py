"""Pieces `flowc runs` and `flowc artifacts` share: naming the flow, the datastore option, formatting."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Collection
from datetime import datetime
from pathlib import Path
from typing import IO, TypeVar

T = TypeVar("T")


def add_flow_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "flow_ref",
        metavar="FLOW_FILE_OR_NAME",
        help="the flow file (its flow's name is read from it) or the flow's name, e.g. HyperparamSweepFlow",
    )
    p.add_argument("--flow", help="the flow class, when the file has several")
    p.add_argument("--datastore", default=".flowc", help="local folder or s3://bucket/prefix (default .flowc)")


def flow_name(command: str, ref: str, flow_class: str | None, err: IO[str] | None = None) -> str | None:
    """The flow's name: read from the file when `ref` ends in `.py` (statically, as `flowc check`
    does), else `ref` itself. None, after saying why, when the file names no flow."""
    err = err or sys.stderr
    if not ref.endswith(".py"):
        return ref
    from flowc.commands._common import print_diagnostics
    from flowc.compiler import analyze

    analysis = analyze(ref, flow_class)
    if analysis.flow is not None:
        return analysis.flow.name
    if analysis.flows:
        # The file has errors, yet its flow's name is known: results of earlier runs are still readable.
        return analysis.flows[0].name
    print_diagnostics(analysis.diagnostics, {analysis.file: analysis.source}, err)
    print(f"flowc {command}: no flow found in {ref}; pass the flow's name instead", file=err)
    return None


def allow_flow_imports(ref: str) -> None:
    """Artifacts whose type is defined in the flow's code unpickle only if that code imports: put the
    flow file's folder on sys.path, as the runner does with the code package."""
    if ref.endswith(".py"):
        folder = str(Path(ref).resolve().parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)


def read_datastore(command: str, root: str, work: Callable[[], T], err: IO[str] | None = None) -> T | int:
    """`work()`, with the errors reading a datastore can raise turned into a message and exit code."""
    from flowc.client import ClientError

    err = err or sys.stderr
    try:
        return work()
    except ClientError as exc:
        print(f"flowc {command}: {exc}", file=err)
        return 1
    except ValueError as exc:  # an unsupported datastore root
        print(f"flowc {command}: {exc}", file=err)
        return 2
    except BrokenPipeError:
        raise  # the reader of our output went away (`| head`): not the datastore's fault
    except OSError as exc:
        print(f"flowc {command}: cannot read the datastore {root}: {exc}", file=err)
        return 1
    except Exception as exc:
        if type(exc).__module__.split(".")[0] in ("botocore", "boto3"):  # credentials, network, access
            print(f"flowc {command}: cannot read the datastore {root}: {exc}", file=err)
            return 1
        raise


def local_time(when: datetime | None) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S") if when is not None else "-"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # unreachable


def table(rows: list[list[str]], right: Collection[int] = ()) -> list[str]:
    """Rows as aligned columns (the first row is the header); columns in `right` align right."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    return lines
