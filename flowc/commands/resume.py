"""`flowc resume`: rerun a failed, killed or changed run from a step, reusing the tasks before it.

    flowc resume flow.py                      the latest run: reuse what completed, run the rest
    flowc resume flow.py train                rerun `train` and everything after it
    flowc resume flow.py --origin-run-id ID   resume that run

It is `flowc run` (same options but `--param`: parameters are the origin run's) with the origin's
completed tasks cloned by reference instead of run; see flowc.runner.resume and docs/metaflow.md.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowc.commands import run as run_cmd

if TYPE_CHECKING:
    from flowc.datastore.store import FlowDatastore
    from flowc.ir import Flow
    from flowc.runner.scheduler import Event

HELP = "rerun a run from a step, reusing the earlier run's completed tasks before it (Metaflow's resume)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    run_cmd.add_arguments(p)
    p.add_argument("step", nargs="?", help="rerun this step and every step after it (default: what did not complete)")
    p.add_argument("--origin-run-id", metavar="ID", help="the run to resume (default: your latest run of the flow)")
    p.set_defaults(param=[])


@dataclass
class Prepared:
    """What `flowc run` needs to resume: parameters, run.json entries, task environment, the cloner."""

    params: dict[str, Any]
    meta: dict[str, Any]
    env: dict[str, str]
    clone: Any
    origin_run_id: str
    cloned: list[str] = field(default_factory=list)


class Resume:
    """The resume hook `flowc run` calls once the flow is analysed and the datastore open."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.prepared: Prepared | None = None

    def __call__(self, flow: Flow, store: FlowDatastore, run_id: str) -> Prepared:
        from flowc.client import Flow as ClientFlow
        from flowc.datastore.package import read_member
        from flowc.ir import Flow as FlowIR
        from flowc.runner import resume

        origin_id = self.args.origin_run_id
        if origin_id is None:
            try:
                latest = ClientFlow(flow.name, store.storage.root).latest_run
            except Exception:
                latest = None
            if latest is None:
                raise resume.ResumeError(
                    f"no earlier run of {flow.name} in {store.storage.root} to resume; name one with --origin-run-id"
                )
            origin_id = latest.id
        elif origin_id not in store.run_ids():
            raise resume.ResumeError(f"no run {origin_id!r} of {flow.name} in {store.storage.root}")
        if origin_id == run_id:
            raise resume.ResumeError("--run-id must differ from the run it resumes")
        meta = store.read_run_meta(origin_id) or {}
        start = store.read_manifest(origin_id, flow.start_step) or {}
        code_id = meta.get("code") or start.get("code")
        origin_flow = None
        if code_id:
            try:
                origin_flow = FlowIR.from_json(read_member(store.get_code(str(code_id)), "flow.json").decode())
            except Exception:
                origin_flow = None
        if origin_flow is not None:
            resume.check_configs(flow, origin_flow, origin_id)
        rerun = resume.steps_to_rerun(flow, self.args.step)
        cloner = resume.Cloner(flow, store, run_id, origin_id, origin_flow, rerun)
        self.prepared = Prepared(
            params=resume.origin_parameters(store, flow, origin_id),
            meta={"origin_run_id": origin_id, **({"resumed_from_step": self.args.step} if self.args.step else {})},
            env={},
            clone=cloner.try_clone,
            origin_run_id=origin_id,
        )
        return self.prepared

    def describe(self) -> str:
        assert self.prepared is not None
        step = f" from step {self.args.step}" if self.args.step else ""
        return f"resuming run {self.prepared.origin_run_id}{step}"

    def on_event(self, event: Event, show: Any) -> None:
        """Cloned tasks are reported as such (and their 'done' is not repeated)."""
        if event.kind == "cloned":
            assert self.prepared is not None
            self.prepared.cloned.append(event.task.name)
            if not event.task.index:
                show.line(f"{event.task.name:<24} cloned from run {self.prepared.origin_run_id}")
            return
        if event.kind == "done" and self.prepared is not None and event.task.name in self.prepared.cloned:
            return
        show(event)


def run(args: argparse.Namespace) -> int:
    if args.config or args.config_value:
        print(
            "flowc resume: a resumed run takes the origin run's configs; --config and --config-value are not accepted",
            file=sys.stderr,
        )
        return 2
    if args.param:
        print("flowc resume: a resumed run takes the origin run's parameters; --param is not accepted", file=sys.stderr)
        return 2
    args.resume = Resume(args)
    return run_cmd.run(args)
