"""flowc next to Metaflow, measured in the same run: check, compile, run, artifacts and memory.

Every number is a whole process started cold (a new interpreter, as a user or a CI job starts it),
repeated and reduced to its median (the minimum is shown too). flowc's and Metaflow's runs of one case
are interleaved, so a burst of load on this shared machine lands on both rather than on one. Ratios are
always `reference ÷ flowc`: above 1 means flowc is faster (or smaller, or lighter).

    bash benchmarks/setup.sh                    # once: Metaflow's venv, numpy for the artifact case
    python benchmarks/bench.py --quick          # a few minutes
    python benchmarks/bench.py --json out.json  # the full run docs/benchmarks.md reports
    python benchmarks/bench.py --only check,run

A piece of flowc that is not there yet (a command, a target, the datastore) is reported as
"n/a", never a crash; so is a Metaflow command that cannot run offline.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import genflows

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
WORK = BENCH_DIR / ".work"
SECTIONS = ("check", "compile", "run", "artifacts", "memory")
TARGETS = ("step-functions", "argo", "airflow")
MB = 1024 * 1024
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None

# What flowc's compile is compared with: the Metaflow command that produces the same kind of output.
# `stdout` means the output is what the command prints; otherwise the command writes {out}.
MF_COMPILE: dict[str, tuple[list[str], bool]] = {
    "step-functions": (["step-functions", "create", "--only-json"], True),
    "argo": (["argo-workflows", "create", "--only-json"], True),
    "airflow": (["airflow", "create", "{out}"], False),
}
# Options flowc's targets need to produce deployable output (a datastore every task reaches; an image
# for Airflow's KubernetesPodOperator mode, the mode Metaflow's Airflow output also uses).
FLOWC_TARGET_ARGS: dict[str, list[str]] = {
    "step-functions": ["--datastore", "s3://flowc-bench/flowc"],
    "argo": ["--datastore", "s3://flowc-bench/flowc"],
    "airflow": ["--datastore", "s3://flowc-bench/flowc", "--image", "python:3.11-slim"],
}
S3_BUCKET = "mfbench"
# Fake AWS identity for the local emulator; nothing here reaches AWS.
AWS_ROLE = "arn:aws:iam::123456789012:role/bench"
GROWTH = "check, growth 1,000 -> 10,000 steps (issue 12)"


# -- measuring one process -----------------------------------------------------------------------


@dataclass
class Proc:
    seconds: float
    rss_kb: int
    rc: int
    timed_out: bool
    stderr_tail: str
    cpu: float = 0.0  # user + system seconds of the command and the children it waited for


def run_process(
    cmd: Sequence[str], *, cwd: Path, env: dict[str, str], timeout: float, stdout: Path | None = None
) -> Proc:
    """Runs one command, timing it and reading its peak RSS from the kernel.

    The rusage of a reaped child covers it and the descendants it waited for, so a `flowc run` or a
    Metaflow run that starts task processes reports the largest of them all. But Linux carries the
    peak RSS of the address space a process had before `exec` into its own: a child spawned straight
    from this harness would report at least the harness's own RSS (tens of MB once it has parsed a
    Metaflow JSON). So where GNU time exists, a process of ~2 MB spawns the command and reports it.
    """
    err_path = cwd / ".bench-stderr"
    out_path = stdout or cwd / ".bench-stdout"
    rss_path = cwd / ".bench-rss"
    argv = [GNU_TIME, "-f", "%M", "-o", str(rss_path), *cmd] if GNU_TIME else list(cmd)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    # Killed at the time limit, GNU time dies with the command and reports nothing; its own rusage
    # would be the wrong process's, so the peak is unknown (0).
    rss = 0 if GNU_TIME and killed.is_set() else int(usage.ru_maxrss)
    if GNU_TIME and rss_path.exists():
        # GNU time writes "Command exited with non-zero status N" first when the command fails.
        last = rss_path.read_text().strip().splitlines()[-1:]
        if last and last[0].isdigit():
            rss = int(last[0])
    cpu = 0.0 if killed.is_set() else usage.ru_utime + usage.ru_stime
    return Proc(seconds, rss, p.returncode, killed.is_set(), summarise(err_path.read_text(errors="replace")), cpu)


def summarise(stderr: str) -> str:
    """The line of stderr that says what went wrong: flowc's first diagnostic, else the last line."""
    lines = [ln.strip() for ln in stderr.strip().splitlines() if ln.strip()]
    for ln in lines:
        if re.search(r": FC\d{3} ", ln):
            return ln.split(": ", 1)[-1]
    return lines[-1] if lines else ""


# -- results ---------------------------------------------------------------------------------------


@dataclass
class Measurement:
    key: str
    tool: str  # flowc | metaflow | direct
    times: list[float] = field(default_factory=list)
    rss_kb: int = 0
    status: str = "ok"  # ok | failed | timeout | n/a
    note: str = ""
    out_bytes: int | None = None
    # User + system CPU seconds per run (the process and the children it waited for): what the load
    # of other people's work on the machine changes far less than wall time.
    cpu_times: list[float] = field(default_factory=list)
    compact_bytes: int | None = None  # the output as compact JSON, what the 1 MB limits count
    timeout: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok" and bool(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def cpu(self) -> float | None:
        return statistics.median(self.cpu_times) if self.cpu_times else None

    @property
    def min(self) -> float:
        return min(self.times)

    def cell(self) -> str:
        if self.ok:
            return f"{fmt_s(self.median)} (min {fmt_s(self.min)})" if len(self.times) > 1 else fmt_s(self.median)
        if self.status == "timeout":
            return f"> {fmt_s(self.timeout or 0)} (timed out)"
        if self.status == "failed":
            after = f" after {fmt_s(self.times[-1])}" if self.times else ""
            return f"failed{after}: {self.note[:100]}"
        return f"n/a: {self.note[:100]}"


def fmt_s(s: float) -> str:
    if s >= 100:
        return f"{s:.0f} s"
    if s >= 10:
        return f"{s:.1f} s"
    return f"{s:.2f} s"


def fmt_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    if n >= MB:
        return f"{n / MB:.2f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"


def ratio(ref: Measurement | None, fl: Measurement | None) -> str:
    """`ref ÷ flowc` for times; a timed-out reference gives a lower bound."""
    if ref is None or fl is None or not fl.ok:
        return "-"
    if ref.ok:
        return f"{ref.median / fl.median:.1f}x"
    if ref.status == "timeout" and ref.timeout:
        return f"> {ref.timeout / fl.median:.0f}x"
    return "-"


def table(title: str, headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, so a run's output pastes straight into docs/benchmarks.md."""
    lines = [f"\n### {title}\n", "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    text = "\n".join(lines)
    print(text, flush=True)
    return text


# -- the harness -----------------------------------------------------------------------------------


@dataclass
class Case:
    """One thing to time: a command (or a sequence of commands, timed together) for one tool."""

    key: str
    tool: str
    cmds: Callable[[Path], list[list[str]]]  # given a fresh scratch folder
    env: dict[str, str]
    timeout: float
    stdout_name: str | None = None  # capture stdout into scratch/<name> (the output to size)
    size: Callable[[Path], int] | None = None
    compact: Callable[[Path], int | None] | None = None
    repeat: int | None = None


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.quick: bool = args.quick
        self.repeat: int = args.repeat or (1 if self.quick else 3)
        self.flowc_python = Path(args.flowc_python)
        self.mf_python = Path(args.metaflow_python)
        self.results: dict[str, Measurement] = {}
        self.tables: list[str] = []
        self.notes: list[str] = []
        self.extra: dict[str, Any] = {}
        self.scratch = Path(tempfile.mkdtemp(prefix="bench-", dir=WORK))
        self.flows = WORK / "flows"
        genflows.generate(self.flows)
        self.mf_home = self.scratch / "home"
        self.mf_home.mkdir()
        self._moto: subprocess.Popen[bytes] | None = None
        self._moto_url: str | None = None
        self._moto_error: str | None = None
        self.flowc_env = clean_env()
        self.flowc_bin = self._flowc_bin()
        self._precompile_flowc()
        self.flowc_commands = self._probe_flowc_commands()
        self.flowc_targets = self._probe_flowc_targets()
        self.mf_version = self._probe_metaflow()

    # -- what exists ---------------------------------------------------------------------------

    def _flowc_bin(self) -> list[str]:
        script = self.flowc_python.parent / "flowc"
        # The console script is what users and CI run; `-m flowc` only if it is missing.
        return [str(script)] if script.exists() else [str(self.flowc_python), "-m", "flowc"]

    def _quiet(self, cmd: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                cmd, capture_output=True, text=True, timeout=120, env=env or self.flowc_env, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return subprocess.CompletedProcess(cmd, 127, "", str(exc))

    def _precompile_flowc(self) -> None:
        """Writes flowc's bytecode caches before timing anything.

        pip compiled Metaflow's (and libcst's) modules when it installed them, but flowc is installed
        editable, so its modules are compiled on first import, and never cached at all where
        PYTHONDONTWRITEBYTECODE is set (it is on these machines). A user's installed flowc has its
        caches; timing flowc's compilation of its own source on every process would not be fair.
        """
        where = "import flowc, flowc.targets, flowc.templates as t; print(*flowc.__path__, *flowc.targets.__path__)"
        r = self._quiet([str(self.flowc_python), "-c", where])
        if r.returncode == 0:
            self._quiet([str(self.flowc_python), "-m", "compileall", "-q", *r.stdout.split()])

    def _probe_flowc_commands(self) -> set[str]:
        found = set()
        for c in ("check", "compile", "run", "targets"):
            if self._quiet([*self.flowc_bin, c, "--help"]).returncode == 0:
                found.add(c)
        return found

    def _probe_flowc_targets(self) -> set[str]:
        if "targets" not in self.flowc_commands:
            return set()
        out = self._quiet([*self.flowc_bin, "targets"]).stdout
        return {line.split()[0] for line in out.splitlines() if line.strip()} & set(TARGETS)

    def _probe_metaflow(self) -> str | None:
        if not self.mf_python.exists():
            self.notes.append(f"Metaflow's venv is missing ({self.mf_python}): run benchmarks/setup.sh")
            return None
        r = self._quiet([str(self.mf_python), "-c", "import metaflow; print(metaflow.__version__)"])
        return r.stdout.strip() if r.returncode == 0 else None

    def flowc_missing(self, command: str) -> str | None:
        if command not in self.flowc_commands:
            return f"`flowc {command}` not available yet"
        return None

    # -- environments --------------------------------------------------------------------------

    def mf_env(self, s3: bool = False) -> dict[str, str]:
        env = clean_env()
        # A private HOME: no ~/.metaflowconfig or AWS profile of whoever runs this can change the result.
        env.update(HOME=str(self.mf_home), USERNAME="bench", USER="bench", METAFLOW_DEFAULT_METADATA="local")
        if not s3:
            env["METAFLOW_DEFAULT_DATASTORE"] = "local"
            return env
        assert self._moto_url is not None
        env.update(
            METAFLOW_DEFAULT_DATASTORE="s3",
            METAFLOW_DATASTORE_SYSROOT_S3=f"s3://{S3_BUCKET}/metaflow",
            METAFLOW_S3_ENDPOINT_URL=self._moto_url,
            AWS_ENDPOINT_URL=self._moto_url,
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_DEFAULT_REGION="us-east-1",
            METAFLOW_KUBERNETES_NAMESPACE="default",
            METAFLOW_BATCH_JOB_QUEUE="bench",
            METAFLOW_ECS_S3_ACCESS_IAM_ROLE=AWS_ROLE,
            METAFLOW_ECS_FARGATE_EXECUTION_ROLE=AWS_ROLE,
            METAFLOW_SFN_IAM_ROLE=AWS_ROLE,
        )
        return env

    def start_aws_emulator(self) -> str | None:
        """moto's server on loopback: Metaflow's deploy commands upload the code package to S3 even with
        --only-json, and its Step Functions path registers an AWS Batch job definition per step.
        Returns an error, or None when it runs."""
        if self._moto_url or self._moto_error:
            return self._moto_error
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        log = open(self.scratch / "moto.log", "wb")  # noqa: SIM115 - lives as long as the server
        self._moto = subprocess.Popen(
            [str(self.flowc_python), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._moto.poll() is not None:
                self._moto_error = "moto's server did not start (is moto[server] in flowc's venv?)"
                return self._moto_error
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.2)
        else:
            self._moto_error = "moto's server did not answer within 30 s"
            return self._moto_error
        self._moto_url = f"http://127.0.0.1:{port}"
        # A bucket, and a Fargate job queue: Metaflow reads the queue's compute environment to decide
        # how to register job definitions, so an unmanaged one makes it fail.
        bootstrap = f"""
import boto3
boto3.client("s3").create_bucket(Bucket={S3_BUCKET!r})
boto3.client("iam").create_role(RoleName={AWS_ROLE.rsplit("/", 1)[1]!r}, AssumeRolePolicyDocument="{{}}")
ec2 = boto3.client("ec2")
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
sg = ec2.create_security_group(GroupName="bench", Description="bench", VpcId=vpc)["GroupId"]
batch = boto3.client("batch")
ce = batch.create_compute_environment(
    computeEnvironmentName="bench", type="MANAGED", serviceRole={AWS_ROLE!r},
    computeResources={{"type": "FARGATE", "maxvCpus": 4, "subnets": [subnet], "securityGroupIds": [sg]}},
)["computeEnvironmentArn"]
batch.create_job_queue(jobQueueName="bench", state="ENABLED", priority=1,
                       computeEnvironmentOrder=[{{"order": 1, "computeEnvironment": ce}}])
"""
        r = self._quiet([str(self.mf_python), "-c", bootstrap], env=self.mf_env(s3=True))
        if r.returncode != 0:
            self._moto_error = f"could not prepare the AWS emulator: {summarise(r.stderr)}"
        return self._moto_error

    def close(self) -> None:
        if self._moto is not None and self._moto.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._moto.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._moto.wait(timeout=10)
        shutil.rmtree(self.scratch, ignore_errors=True)

    # -- measuring -----------------------------------------------------------------------------

    def unavailable(self, key: str, tool: str, note: str, status: str = "n/a") -> Measurement:
        m = Measurement(key, tool, status=status, note=note)
        self.results[f"{tool}:{key}"] = m
        return m

    def get(self, tool: str, key: str) -> Measurement | None:
        return self.results.get(f"{tool}:{key}")

    def measure(self, cases: list[Case]) -> list[Measurement]:
        """Runs the cases `repeat` times each, interleaved (ABAB, then BABA) so that load on the
        machine is shared out; a case that fails or times out is not retried."""
        out: dict[str, Measurement] = {}
        todo = []
        for c in cases:
            cached = self.get(c.tool, c.key)
            if cached is not None:
                out[c.key + c.tool] = cached
            else:
                m = Measurement(c.key, c.tool, timeout=c.timeout)
                self.results[f"{c.tool}:{c.key}"] = m
                out[c.key + c.tool] = m
                todo.append((c, m))
        rounds = max((c.repeat or self.repeat for c, _ in todo), default=0)
        for r in range(rounds):
            order = todo if r % 2 == 0 else list(reversed(todo))
            for c, m in order:
                if m.status != "ok" or len(m.times) >= (c.repeat or self.repeat):
                    continue
                self._run_case(c, m)
        return [out[c.key + c.tool] for c in cases]

    def _run_case(self, c: Case, m: Measurement) -> None:
        scratch = Path(tempfile.mkdtemp(prefix="case-", dir=self.scratch))
        try:
            total, rss, cpu = 0.0, 0, 0.0
            for cmd in c.cmds(scratch):
                stdout = scratch / c.stdout_name if c.stdout_name else None
                p = run_process(cmd, cwd=scratch, env=c.env, timeout=c.timeout - total, stdout=stdout)
                total += p.seconds
                cpu += p.cpu
                rss = max(rss, p.rss_kb)
                m.rss_kb = max(m.rss_kb, rss)
                if p.timed_out:
                    m.status = "timeout"
                    return
                if p.rc != 0:
                    # The time to the refusal is kept: flowc refusing an output over an engine's
                    # limit (FC501) is the command's right answer, and how fast it comes matters.
                    m.status, m.note = "failed", f"exit {p.rc}: {p.stderr_tail}"
                    m.times.append(total + 0.0)
                    m.cpu_times.append(cpu)
                    return
            m.times.append(total)
            m.cpu_times.append(cpu)
            if c.size is not None:
                m.out_bytes = c.size(scratch)
            if c.compact is not None:
                m.compact_bytes = c.compact(scratch)
            print(f"  {c.tool:<11} {c.key:<40} {fmt_s(total):>8}  {rss / 1024:6.0f} MB", flush=True)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    # -- helpers for cases ---------------------------------------------------------------------

    def flow(self, dialect: str, name: str) -> Path:
        return self.flows / dialect / f"{name}.py"

    def flowc_case(self, key: str, args: Callable[[Path], list[str]], **kw: Any) -> Case:
        return Case(key, "flowc", lambda d: [[*self.flowc_bin, *args(d)]], self.flowc_env, kw.pop("timeout", 900), **kw)

    def mf_case(self, key: str, flow: str, args: list[str], s3: bool = False, **kw: Any) -> Case:
        path = str(self.flow("metaflow", flow))
        timeout = kw.pop("timeout", self.args.metaflow_timeout)

        def cmds(d: Path) -> list[list[str]]:
            return [[str(self.mf_python), path, *(a.replace("{out}", str(d / "out.py")) for a in args)]]

        return Case(key, "metaflow", cmds, self.mf_env(s3), timeout, **kw)

    # -- sections ------------------------------------------------------------------------------

    def section_check(self) -> None:
        print("\n== check", flush=True)
        rows = []
        cases = [
            ("small flow (5 steps)", "linear_5", None),
            ("500 steps", "linear_500", None),
            ("1,000 steps", "linear_1000", None),
            ("500-way branch", "branch_500", None),
            ("10,000 steps", "linear_10000", 1),
        ]
        if self.quick:
            cases = [c for c in cases if c[1] != "linear_10000"]  # 10-30 s of a core; the full run has it
        for label, flow, rep in cases:
            key = f"check {flow}"
            fl, mf = self._check_pair(key, flow, rep)
            lint = self._mf_check_pylint(key, flow) if flow in ("linear_5", "linear_500") else None
            rows.append(
                [
                    label,
                    fl.cell(),
                    mf.cell(),
                    ratio(mf, fl),
                    lint.cell() if lint else "-",
                    ratio(lint, fl),
                    fmt_rss(fl),
                    fmt_rss(mf),
                ]
            )
        # The repository: one flowc process over the folder against one Metaflow process per file,
        # which is what a CI job or a pre-commit hook has to do with Metaflow.
        repo = genflows.REPO_DIR
        key = f"check {repo}"
        fl = self._flowc_check(key, [str(self.flows / "flowc" / repo)], None)
        mf_files = sorted((self.flows / "metaflow" / repo).glob("*.py"))
        if self.mf_version is None:
            mf = self.unavailable(key, "metaflow", "Metaflow not installed")
        else:
            env = self.mf_env()
            case = Case(
                key,
                "metaflow",
                lambda d: [[str(self.mf_python), str(f), "check"] for f in mf_files],
                env,
                self.args.metaflow_timeout * 4,
                repeat=1 if self.quick else 2,
            )
            (mf,) = self.measure([case])
        rows.append(
            [
                f"repository of {len(mf_files)} flows",
                fl.cell(),
                mf.cell(),
                ratio(mf, fl),
                "-",
                "-",
                fmt_rss(fl),
                fmt_rss(mf),
            ]
        )
        self.tables.append(
            table(
                "check: `flowc check` vs `python flow.py check` (Metaflow without pylint, and with it)",
                [
                    "flow",
                    "flowc",
                    "Metaflow",
                    "Metaflow ÷ flowc",
                    "Metaflow + pylint",
                    "(+ pylint) ÷ flowc",
                    "flowc peak RSS",
                    "Metaflow peak RSS",
                ],
                rows,
            )
        )

    def _flowc_check(self, key: str, paths: list[str], rep: int | None) -> Measurement:
        missing = self.flowc_missing("check")
        if missing:
            return self.unavailable(key, "flowc", missing)
        (m,) = self.measure([self.flowc_case(key, lambda d: ["check", *paths], repeat=rep)])
        return m

    def _check_pair(self, key: str, flow: str, rep: int | None) -> tuple[Measurement, Measurement]:
        """flowc's and Metaflow's check of one flow, their runs interleaved (ABAB, then BABA)."""
        missing = self.flowc_missing("check")
        fl = self.unavailable(key, "flowc", missing) if missing else None
        mf = self._mf_skip(key, flow)
        cases = []
        if fl is None:
            path = str(self.flow("flowc", flow))
            cases.append(self.flowc_case(key, lambda d: ["check", path], repeat=rep))
        if mf is None:
            cases.append(self.mf_case(key, flow, ["check"], repeat=rep))
        ms = {m.tool: m for m in self.measure(cases)}
        return fl or ms["flowc"], mf or ms["metaflow"]

    def _mf_skip(self, key: str, flow: str) -> Measurement | None:
        if self.mf_version is None:
            return self.unavailable(key, "metaflow", "Metaflow not installed")
        if flow == "linear_10000" and not self.args.slow:
            # Measured once here: still running after 600 s at 540 MB. Not worth a core of a shared
            # machine on every run; --slow runs it with --metaflow-timeout.
            return self.unavailable(key, "metaflow", "skipped (> 600 s when measured; --slow runs it)")
        return None

    def _mf_check(self, key: str, flow: str, rep: int | None) -> Measurement:
        skipped = self._mf_skip(key, flow)
        if skipped is not None:
            return skipped
        (m,) = self.measure([self.mf_case(key, flow, ["check"], repeat=rep)])
        return m

    def _mf_check_pylint(self, key: str, flow: str) -> Measurement | None:
        """Metaflow's check as it runs wherever pylint is installed (Metaflow then lints the flow)."""
        site = WORK / "site-pylint"
        if self.mf_version is None or not site.exists():
            return None
        case = self.mf_case(key + " +pylint", flow, ["check"])
        case.env = {**case.env, "PYTHONPATH": str(site)}
        (m,) = self.measure([case])
        return m

    def section_compile(self) -> None:
        print("\n== compile", flush=True)
        missing = self.flowc_missing("compile")
        targets = [t for t in TARGETS if t in self.flowc_targets]
        for t in TARGETS:
            if t not in targets:
                self.notes.append(f"target {t}: not available in flowc yet (`flowc targets`)")
        mf_error = None
        if self.mf_version is None:
            mf_error = "Metaflow not installed"
        else:
            mf_error = self.start_aws_emulator()
        time_rows, size_rows = [], []
        timed = [("small flow (5 steps)", "linear_5"), ("500 steps", "linear_500")]
        sized = ["linear_100", "branch_50", "branch_500", "linear_500", "linear_1000"]
        for t in TARGETS:
            for label, flow in timed:
                fl, mf = self._compile_pair(t, flow, missing, mf_error, rep=None)
                time_rows.append([t, label, fl.cell(), mf.cell(), ratio(mf, fl)])
            for flow in sized:
                fl, mf = self._compile_pair(t, flow, missing, mf_error, rep=1)
                steps = self._steps(flow)
                size_rows.append(
                    [
                        t,
                        flow,
                        fmt_bytes(fl.out_bytes),
                        per_step(fl.out_bytes, steps),
                        fmt_bytes(mf.out_bytes) if mf.ok else mf.cell(),
                        per_step(mf.out_bytes, steps) if mf.ok else "-",
                        size_ratio(mf, fl),
                        fmt_bytes(fl.compact_bytes),
                        fmt_bytes(mf.compact_bytes),
                    ]
                )
        self.tables.append(
            table(
                "compile: `flowc compile --target X` vs Metaflow's create command",
                ["target", "flow", "flowc", "Metaflow", "Metaflow ÷ flowc"],
                time_rows,
            )
        )
        self.tables.append(
            table(
                "compile output size (all files flowc writes; Metaflow's JSON or DAG file as it prints it; "
                "then the state machine or WorkflowTemplate alone as compact JSON, what the 1 MB limits count)",
                [
                    "target",
                    "flow",
                    "flowc",
                    "flowc per step",
                    "Metaflow",
                    "Metaflow per step",
                    "Metaflow ÷ flowc",
                    "flowc compact",
                    "Metaflow compact",
                ],
                size_rows,
            )
        )

    def _steps(self, flow: str) -> int:
        return {s.name: s for s in genflows.shapes()}[flow].tasks

    def _compile_pair(
        self, target: str, flow: str, missing: str | None, mf_error: str | None, rep: int | None
    ) -> tuple[Measurement, Measurement]:
        key = f"compile {target} {flow}"
        if missing or target not in self.flowc_targets:
            fl = self.unavailable(key, "flowc", missing or f"target {target} not available yet")
            cases = []
        else:
            fl_path = str(self.flow("flowc", flow))
            cases = [
                self.flowc_case(
                    key,
                    lambda d: [
                        "compile",
                        fl_path,
                        "--target",
                        target,
                        "-o",
                        str(d / "out"),
                        *FLOWC_TARGET_ARGS[target],
                    ],
                    size=lambda d: dir_bytes(d / "out"),
                    compact=lambda d: compact_json_bytes(flowc_definitions(target, d / "out")),
                    repeat=rep,
                )
            ]
        mf_skip, mf_rep = mf_error, rep
        if mf_skip is None and target == "step-functions":
            # Metaflow registers one AWS Batch job definition per step, even for --only-json: about
            # 0.2 s a step against the emulator (issue 5 measured 113 s for 502 steps).
            steps = self._steps(flow)
            if flow == "branch_500":
                mf_skip = "skipped (costs what 500 linear steps cost; one such run is enough)"
            elif steps >= 1_000:
                # At 500 steps it takes ~100 s and its process peaks near 5 GB; 1,000 would hold ~10 GB
                # of a machine shared with other people's test runs.
                mf_skip = "skipped (~0.2 s and ~10 MB of RSS per step: minutes, ~10 GB)"
            elif steps > 10 and self.quick:
                mf_skip = "skipped in --quick (one Batch API call per step)"
            elif self.args.metaflow_sfn_max_steps is not None and steps > self.args.metaflow_sfn_max_steps:
                mf_skip = f"skipped in this run (--metaflow-sfn-max-steps {self.args.metaflow_sfn_max_steps})"
            elif steps > 10:
                mf_rep = 1
        if mf_skip:
            mf = self.get("metaflow", key) or self.unavailable(key, "metaflow", mf_skip)
        else:
            args, to_stdout = MF_COMPILE[target]
            cases.append(
                self.mf_case(
                    key,
                    flow,
                    args,
                    s3=True,
                    stdout_name="out.json" if to_stdout else None,
                    size=(lambda d: file_bytes(d / "out.json")) if to_stdout else (lambda d: file_bytes(d / "out.py")),
                    compact=(lambda d: compact_json_bytes([d / "out.json"])) if to_stdout else None,
                    repeat=mf_rep,
                    timeout=self.args.metaflow_timeout * (3 if target == "step-functions" else 1),
                )
            )
        ms = {m.tool: m for m in self.measure(cases)}
        return ms.get("flowc") or fl, ms.get("metaflow") or mf

    def section_run(self) -> None:
        print("\n== run", flush=True)
        missing = self.flowc_missing("run")
        workers = str(self.args.workers)
        # `flowc run` forks tasks from a server that imported the runner once; `--spawn` starts each
        # task as a fresh interpreter, which is what every orchestrator's task does. Both are shown.
        spawn = not missing and "--spawn" in self._quiet([*self.flowc_bin, "run", "--help"]).stdout
        rows = []
        for flow in ("linear_10", "foreach_100", "nested_2x3"):
            key = f"run {flow}"
            tasks = self._steps(flow)
            cases = []
            if missing:
                fl = self.unavailable(key, "flowc", missing)
            else:
                path = str(self.flow("flowc", flow))
                cases.append(self.flowc_case(key, lambda d, p=path: ["run", p, "--max-workers", workers]))
                if spawn:
                    case = self.flowc_case(key, lambda d, p=path: ["run", p, "--max-workers", workers, "--spawn"])
                    case.tool = "flowc-spawn"
                    cases.append(case)
            if self.mf_version is None:
                mf = self.unavailable(key, "metaflow", "Metaflow not installed")
            else:
                cases.append(self.mf_case(key, flow, ["run", "--max-workers", workers]))
            ms = {m.tool: m for m in self.measure(cases)}
            fl, mf = ms.get("flowc") or fl, ms.get("metaflow") or mf
            sp = ms.get("flowc-spawn")
            rows.append(
                [
                    flow,
                    str(tasks),
                    fl.cell(),
                    mf.cell(),
                    per_task(fl, tasks),
                    per_task(mf, tasks),
                    ratio(mf, fl),
                    per_task(sp, tasks) if sp else "n/a",
                    ratio(mf, sp) if sp else "-",
                ]
            )
        self.tables.append(
            table(
                f"run: `flowc run` vs `python flow.py run`, both --max-workers {workers}",
                [
                    "flow",
                    "tasks",
                    "flowc wall",
                    "Metaflow wall",
                    "flowc per task",
                    "Metaflow per task",
                    "Metaflow ÷ flowc",
                    "flowc --spawn per task",
                    "Metaflow ÷ flowc --spawn",
                ],
                rows,
            )
        )

    def section_artifacts(self) -> None:
        print("\n== artifacts", flush=True)
        env = dict(self.flowc_env)
        site = WORK / "site-flowc"
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH", "")) if p)
        probe = self._quiet([str(self.flowc_python), "-c", "import flowc.datastore.store"], env=env)
        if probe.returncode != 0:
            self.notes.append("artifacts: flowc.datastore not available yet")
            self.tables.append(table("artifacts", ["case", "result"], [["all", "n/a: flowc.datastore missing"]]))
            return
        r = self._quiet(
            [
                str(self.flowc_python),
                str(BENCH_DIR / "artifacts_worker.py"),
                "--repeat",
                # Writing 10,000 small files swings 10x with other people's disk traffic: more samples.
                str(self.repeat if self.quick else max(self.repeat, 5)),
                "--dir",
                str(self.scratch / "artifacts"),
            ],
            env=env,
        )
        if r.returncode != 0:
            self.notes.append(f"artifacts: worker failed: {r.stderr.strip().splitlines()[-1:]}")
            return
        data = json.loads(r.stdout)
        self.extra["artifacts"] = data
        rows = []
        for name, d in data.items():
            med, low = d["median"], d["min"]
            per_item = name.startswith("small")

            def speed(secs: float, d: dict[str, Any] = d, per_item: bool = per_item) -> str:
                return f"{d['count'] / secs:,.0f}/s" if per_item else f"{d['bytes'] / MB / secs:,.0f} MB/s"

            for op in ("write", "read"):
                direct, flowc = med[f"direct_{op}"], med[f"flowc_{op}"]
                rows.append(
                    [
                        f"{name} ({d['count']:,} x {fmt_bytes(d['bytes'] // d['count'])})",
                        op,
                        f"{fmt_s(flowc)}, {speed(flowc)} (best {speed(low[f'flowc_{op}'])})",
                        f"{fmt_s(direct)}, {speed(direct)} (best {speed(low[f'direct_{op}'])})",
                        f"{direct / flowc:.2f}x",
                        f"{low[f'direct_{op}'] / low[f'flowc_{op}']:.2f}x",
                    ]
                )
        if "numpy" not in data["array_100mb"].get("kind", ""):
            self.notes.append(f"artifacts: the 100 MB value is {data['array_100mb'].get('kind')}")
        self.tables.append(
            table(
                "artifacts: flowc's datastore vs pickle files written directly",
                ["case", "op", "flowc datastore", "direct pickle files", "direct ÷ flowc", "best ÷ best"],
                rows,
            )
        )

    def section_memory(self) -> None:
        print("\n== memory", flush=True)
        rows = []
        sizes = ("linear_1000",) if self.quick else ("linear_1000", "linear_10000")
        for flow in sizes:
            key = f"check {flow}"
            fl = self.get("flowc", key) or self._flowc_check(key, [str(self.flow("flowc", flow))], 1)
            mf = self.get("metaflow", key) or self._mf_check(key, flow, 1)
            rows.append(["check", flow, fmt_rss(fl), fmt_rss(mf), rss_ratio(mf, fl), fl.cell(), mf.cell()])
        missing = self.flowc_missing("compile")
        mf_error = None if self.mf_version else "Metaflow not installed"
        mf_error = mf_error or self.start_aws_emulator()
        targets = TARGETS if not self.quick else ("argo",)
        for t in targets:
            for flow in sizes:
                if flow == "linear_10000":
                    # Metaflow validates the graph before compiling, and that alone outlasts the timeout.
                    err = mf_error or "skipped (its check of 10,000 steps alone takes > 600 s)"
                else:
                    err = mf_error
                fl, mf = self._compile_pair(t, flow, missing, err, rep=1)
                rows.append([f"compile {t}", flow, fmt_rss(fl), fmt_rss(mf), rss_ratio(mf, fl), fl.cell(), mf.cell()])
        self.tables.append(
            table(
                "memory: peak RSS of the whole process and its children (ru_maxrss)",
                ["command", "flow", "flowc RSS", "Metaflow RSS", "Metaflow ÷ flowc", "flowc time", "Metaflow time"],
                rows,
            )
        )

    # -- the verdict on the issues' aims ---------------------------------------------------------

    def aims(self) -> list[list[str]]:
        rows: list[list[str]] = []

        def speed(label: str, tool_key: str, want: float, ref: str = "metaflow") -> None:
            fl, mf = self.get("flowc", tool_key), self.get(ref, tool_key)
            if not (fl and mf and fl.ok and (mf.ok or mf.status == "timeout")):
                rows.append([label, f">= {want:g}x", "not measured", "-", "-"])
                return
            got = (mf.median if mf.ok else (mf.timeout or 0)) / fl.median
            cpu = f"{mf.cpu / fl.cpu:.1f}x" if mf.ok and mf.cpu and fl.cpu else "-"
            rows.append([label, f">= {want:g}x", ratio(mf, fl), "met" if got >= want else "missed", cpu])

        def absolute(label: str, key: str, limit: float, unit: str, value: Callable[[Measurement], float]) -> None:
            fl = self.get("flowc", key)
            shown_limit = f"< {fmt_bytes(int(limit)) if unit == 'B' else fmt_s(limit)}"
            if not (fl and fl.ok):
                rows.append([label, shown_limit, "not measured", "-", "-"])
                return
            v = value(fl)
            cpu = fmt_s(fl.cpu) if unit == "s" and fl.cpu else "-"
            rows.append([label, shown_limit, fmt_bytes(int(v)) if unit == "B" else fmt_s(v), met(v < limit), cpu])

        # Issue 12 (speed) sets the current aims; earlier issues' aims that it does not restate follow.
        speed("check, small flow (issue 12)", "check linear_5", 3)
        speed("check, 500 steps (issue 12)", "check linear_500", 3)
        speed("check, 500-way branch (issue 12)", "check branch_500", 3)
        absolute("check, 10,000 steps (issue 12)", "check linear_10000", 2, "s", lambda m: m.median)
        a, b = self.get("flowc", "check linear_1000"), self.get("flowc", "check linear_10000")
        if a and b and a.ok and b.ok:
            growth = b.median / a.median
            cpu = f"{b.cpu / a.cpu:.1f}x" if a.cpu and b.cpu else "-"
            rows.append([GROWTH, "<= 12x", f"{growth:.1f}x", met(growth <= 12), cpu])
        else:
            rows.append([GROWTH, "<= 12x", "not measured", "-", "-"])
        speed("compile argo, 500 steps (issue 12)", "compile argo linear_500", 5)
        speed("compile airflow, 500 steps (issue 12)", "compile airflow linear_500", 5)
        for t in TARGETS:
            # A refusal (FC501: the output would pass the engine's 1 MB limit) is the right answer at
            # 10,000 steps for two targets; its time counts.
            fl = self.get("flowc", f"compile {t} linear_10000")
            refused = fl is not None and fl.status == "failed" and "FC501" in fl.note and bool(fl.times)
            if fl is not None and (fl.ok or refused):
                took = fl.times[-1] if refused else fl.median
                what = fmt_s(took) + (" (refused: FC501)" if refused else "")
                cpu = fmt_s(fl.cpu_times[-1] if refused else (fl.cpu or 0)) if fl.cpu_times else "-"
                rows.append([f"compile {t}, 10,000 steps (issue 12)", "< 3.00 s", what, met(took < 3), cpu])
            else:
                rows.append([f"compile {t}, 10,000 steps (issue 12)", "< 3.00 s", "not measured", "-", "-"])
        for flow in ("linear_10", "nested_2x3", "foreach_100"):
            speed(f"run {flow}: per-task overhead, tasks forked (issue 12)", f"run {flow}", 10)
        fl, mf = self.get("flowc", "check linear_1000"), self.get("metaflow", "check linear_1000")
        if fl and mf and fl.rss_kb and mf.rss_kb:
            rows.append(
                [
                    "check, 1,000 steps: peak RSS no more than Metaflow's (issue 12)",
                    f"<= {mf.rss_kb / 1024:.0f} MB",
                    f"{fl.rss_kb / 1024:.0f} MB",
                    met(fl.rss_kb <= mf.rss_kb),
                    "-",
                ]
            )
        speed("check, 100-flow repository (issue 2)", f"check {genflows.REPO_DIR}", 20)
        speed("compile argo, small flow (issue 6)", "compile argo linear_5", 2)
        speed("compile airflow, small flow (issue 4)", "compile airflow linear_5", 2)
        absolute(
            "compile step-functions, 500 steps (issue 5)",
            "compile step-functions linear_500",
            1,
            "s",
            lambda m: m.median,
        )
        absolute(
            "step-functions output, 1,000 steps (issue 5)",
            "compile step-functions linear_1000",
            MB,
            "B",
            lambda m: float(m.out_bytes or 0),
        )
        # "Well under" the ~1 MB object limit: half of it.
        absolute(
            "argo output, 1,000 steps well under 1 MB (issue 6)",
            "compile argo linear_1000",
            MB / 2,
            "B",
            lambda m: float(m.out_bytes or 0),
        )
        return rows

    def run(self) -> dict[str, Any]:
        started = datetime.datetime.now(datetime.timezone.utc)
        load_before = os.getloadavg()
        # The 1-minute load average every 10 s: how busy the shared machine was during the run.
        samples: list[float] = []
        stop = threading.Event()

        def sample() -> None:
            while True:
                samples.append(os.getloadavg()[0])
                if stop.wait(10):
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        only = self.args.only
        for name in SECTIONS:
            if name in only:
                getattr(self, f"section_{name}")()
        aims = self.aims()
        self.tables.append(
            table(
                "aims from the issues (the last column: the same measure in CPU time, user + system)",
                ["aim", "wanted", "measured", "verdict", "in CPU time"],
                aims,
            )
        )
        for n in self.notes:
            print(f"note: {n}")
        load_after = os.getloadavg()
        stop.set()
        sampler.join()
        print(f"\nload average before {load_before[0]:.1f}, after {load_after[0]:.1f} ({os.cpu_count()} CPUs)")
        return {
            "started": started.isoformat(timespec="seconds"),
            "seconds": round((datetime.datetime.now(datetime.timezone.utc) - started).total_seconds()),
            "quick": self.quick,
            "repeat": self.repeat,
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
                "load_before": load_before,
                "load_after": load_after,
                "load_samples": samples,
            },
            "flowc_commit": self._quiet(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]).stdout.strip(),
            "metaflow_version": self.mf_version,
            "flowc_targets": sorted(self.flowc_targets),
            "results": [asdict(m) for m in self.results.values()],
            "extra": self.extra,
            "notes": self.notes,
            "tables": self.tables,
        }


def clean_env() -> dict[str, str]:
    """This process's environment without what would change either tool's behaviour: Metaflow and AWS
    settings (each case sets its own), and PYTHONDONTWRITEBYTECODE (see `_precompile_flowc`)."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("METAFLOW_", "AWS_")) and k != "PYTHONDONTWRITEBYTECODE"
    }


def met(ok: bool) -> str:
    return "met" if ok else "missed"


def fmt_rss(m: Measurement | None) -> str:
    if m is None or m.rss_kb == 0:
        return "-"
    suffix = {"ok": "", "timeout": " (at kill)", "failed": " (failed)"}.get(m.status, "")
    return f"{m.rss_kb / 1024:.0f} MB{suffix}"


def rss_ratio(ref: Measurement | None, fl: Measurement | None) -> str:
    if not (ref and fl and ref.rss_kb and fl.rss_kb and fl.ok):
        return "-"
    prefix = ">= " if ref.status == "timeout" else ""
    return f"{prefix}{ref.rss_kb / fl.rss_kb:.1f}x"


def per_task(m: Measurement, tasks: int) -> str:
    return f"{m.median / tasks * 1000:.0f} ms" if m.ok else "-"


def per_step(n: int | None, steps: int) -> str:
    return "-" if n is None else f"{n / steps:,.0f} B"


def size_ratio(ref: Measurement, fl: Measurement) -> str:
    if ref.out_bytes and fl.out_bytes:
        return f"{ref.out_bytes / fl.out_bytes:.1f}x"
    return "-"


def flowc_definitions(target: str, out: Path) -> list[Path]:
    """The files of flowc's output that a size limit applies to (not deploy settings, not a schedule)."""
    pattern = {"step-functions": "*.asl.json", "argo": "*.workflow-template.yaml"}.get(target)
    return sorted(out.glob(pattern)) if pattern and out.exists() else []


def compact_json_bytes(paths: list[Path]) -> int | None:
    """The documents' size as compact JSON: what Step Functions receives as the definition and what a
    Kubernetes API server stores, so what their 1 MB limits count, whatever indentation a file has."""
    total = 0
    for p in paths:
        if not p.exists():
            return None
        text = p.read_text()
        if p.suffix == ".json":
            docs = [json.loads(text)]
        else:
            try:
                import yaml  # flowc's venv has it; another interpreter may not
            except ImportError:
                return None
            docs = [d for d in yaml.safe_load_all(text) if d is not None]
        total += sum(len(json.dumps(d, separators=(",", ":")).encode()) for d in docs)
    return total or None


def file_bytes(p: Path) -> int:
    return p.stat().st_size if p.exists() else 0


def dir_bytes(p: Path) -> int:
    return sum(f.stat().st_size for f in walk_files(p))


def walk_files(p: Path) -> Iterator[Path]:
    return (f for f in p.rglob("*") if f.is_file()) if p.exists() else iter(())


def markdown(report: dict[str, Any]) -> str:
    """The run as docs/benchmarks.md shows it: when, on what, then every table and note."""
    m = report["machine"]
    head = [
        f"Run of {report['started']} ({report['seconds'] // 60} min), flowc at commit {report['flowc_commit']}, "
        f"Metaflow {report['metaflow_version']}, {'--quick' if report['quick'] else 'full run'}, "
        f"{report['repeat']} runs per case.",
        f"Machine: {m['cpus']} CPUs, {m['platform']}, Python {m['python']}; shared with other people's work, "
        f"load average {m['load_before'][0]:.1f} at the start and {m['load_after'][0]:.1f} at the end"
        + (
            f"; during the run (sampled every 10 s) {statistics.mean(m['load_samples']):.1f} on average, "
            f"{min(m['load_samples']):.1f} to {max(m['load_samples']):.1f}."
            if m.get("load_samples")
            else "."
        ),
    ]
    notes = [f"- {n}" for n in report["notes"]]
    return "\n".join(head) + "\n" + "\n".join(report["tables"]) + "\n\n" + "\n".join(notes) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer repeats and no slow Metaflow cases (minutes)")
    p.add_argument(
        "--only",
        type=lambda s: [x.strip() for x in s.split(",") if x.strip()],
        default=list(SECTIONS),
        help=f"comma-separated sections: {','.join(SECTIONS)}",
    )
    p.add_argument("--json", type=Path, help="also write every measurement to this file")
    p.add_argument("--markdown", type=Path, help="also write the tables, with the run's date and machine, here")
    p.add_argument("--repeat", type=int, help="runs per case (default 3, or 1 with --quick)")
    p.add_argument(
        "--slow", action="store_true", help="also run Metaflow's check of 10,000 steps (cut at --metaflow-timeout)"
    )
    p.add_argument(
        "--metaflow-sfn-max-steps",
        type=int,
        help="skip Metaflow's Step Functions create above this many steps (one Batch API call a step: "
        "minutes on a loaded machine)",
    )
    p.add_argument("--metaflow-timeout", type=float, default=180, help="seconds before a Metaflow run is cut")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="--max-workers for both runs")
    p.add_argument("--flowc-python", default=str(REPO / ".venv/bin/python"))
    p.add_argument("--metaflow-python", default=str(WORK / "venv-metaflow/bin/python"))
    args = p.parse_args(argv)
    unknown = set(args.only) - set(SECTIONS)
    if unknown:
        p.error(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    WORK.mkdir(parents=True, exist_ok=True)
    bench = Bench(args)
    try:
        report = bench.run()
    finally:
        bench.close()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.json}")
    if args.markdown:
        args.markdown.write_text(markdown(report))
        print(f"wrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
