"""Measure flowc against Metaflow on a set of flow files (issue 10, "Measure").

For each flow: does `flowc check` pass; does `flowc compile` succeed per target (step-functions, argo,
airflow); does `flowc run` succeed; does Metaflow's own `python flow.py run` (in its own venv) succeed;
and where both ran, are the artifacts of every task (by step and index path) equal. Writes one JSON
line per flow and a summary table.

    python tools/measure_metaflow_compat.py --metaflow-python /path/to/venv/bin/python FLOW.py|DIR ...

A flow file may name parameters to run with (`# measure: --param x=1`) and a flow of the same folder
to run first, in both tools, because it reads that flow's runs (`# measure-before: stats.py`). Metaflow
runs as user `measure` (METAFLOW_USER), in a scratch folder per flow (its `.metaflow` stays there).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGETS = ("step-functions", "argo", "airflow")


def sh(argv: list[str], cwd: Path, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(argv, 124, str(exc.stdout or ""), f"timed out after {timeout}s")


def last_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


def plain(value: Any) -> Any:
    # As tools/metaflow_dump.py gives Metaflow's values: through JSON (tuples become lists), else a repr.
    if type(value).__name__ == "MetaflowExceptionWrapper":
        # @catch's wrapper: its type and message (the tracebacks name each tool's own files, as does the
        # stack listing a @timeout's message ends with).
        message = str(getattr(value, "exception", "")).partition("\nStack when the timeout was raised:\n")[0]
        return {"caught": str(getattr(value, "type", "")), "message": message}
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError):
        return {"repr": repr(value)[:500]}


def flowc_artifacts(root: Path, name: str) -> dict[str, Any]:
    from flowc.client import Flow

    run = Flow(name, root, _namespace_check=False).latest_run
    assert run is not None
    tasks: dict[str, Any] = {}
    for step in run:
        for task in step:
            if task.finished:
                arts = {n: plain(task[n].data) for n in task.artifact_names if not n.startswith("_")}
                if arts.get("name") == name:  # the flow's name, in every task (as tools/metaflow_dump.py drops it)
                    del arts["name"]
                tasks[f"{step.id}/{task.index_path}"] = arts
    return {"run": run.id, "successful": run.successful, "tasks": tasks}


_RUN_ID = re.compile(r"/(\d{10,}|\d{8}T\d{6}-[0-9a-f]{6})\b")


def _no_run_ids(value: Any) -> Any:
    # Run ids differ by design (Metaflow's numbers, flowc's times): a pathspec compares without them.
    return json.loads(_RUN_ID.sub("/<run>", json.dumps(value)))


_GROUP = re.compile(r"\(([^()]*\|[^()]*)\)")


def _unordered_joins(value: Any) -> Any:
    # The graph cases' traces write a static join's inputs as (a|b); Metaflow leaves their order
    # unspecified (it differs run to run), so they compare as sets.
    if isinstance(value, str):
        # Innermost groups first; a sorted group is marked with [] so the group around it matches next.
        while True:
            done = _GROUP.sub(lambda m: "[" + "|".join(sorted(_split_top(m.group(1)))) + "]", value)
            if done == value:
                return value.replace("[", "(").replace("]", ")")
            value = done
    if isinstance(value, list):
        return [_unordered_joins(v) for v in value]
    if isinstance(value, dict):
        return {k: _unordered_joins(v) for k, v in value.items()}
    return value


def _split_top(text: str) -> list[str]:
    """`text` split at the | that are not inside [...]."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "[") - (ch == "]")
        if ch == "|" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [*parts, cur]


def compare(mf: dict[str, Any], fc: dict[str, Any]) -> list[str]:
    mf, fc = _unordered_joins(_no_run_ids(mf)), _unordered_joins(_no_run_ids(fc))
    diffs = []
    for key in sorted(set(mf["tasks"]) | set(fc["tasks"])):
        a, b = mf["tasks"].get(key), fc["tasks"].get(key)
        if a is None or b is None:
            diffs.append(f"task {key}: only in {'flowc' if a is None else 'Metaflow'}")
            continue
        for art in sorted(set(a) | set(b)):
            if a.get(art, "<absent>") != b.get(art, "<absent>"):
                mine, theirs = str(b.get(art, "<absent>"))[:80], str(a.get(art, "<absent>"))[:80]
                diffs.append(f"{key}.{art}: Metaflow {theirs} flowc {mine}")
    return diffs


def measure(flow_file: Path, metaflow_python: str | None, work: Path) -> dict[str, Any]:
    source = flow_file.read_text()
    extra = []
    m = re.search(r"^# measure: (.*)$", source, re.M)
    if m:
        extra = m.group(1).split()
    before = re.search(r"^# measure-before: (\S+)$", source, re.M)
    names = re.findall(r"^class (\w+)\(.*FlowSpec.*\):", source, re.M)
    # The flow both tools run: flowc's choice (a subclass of a base flow, the class run under
    # __main__), else the last class written `(FlowSpec)`.
    from flowc.compiler import analyze

    chosen = analyze(flow_file).flow
    if chosen is not None:
        names = [chosen.name]
    out: dict[str, Any] = {"flow": flow_file.name}
    env = {**os.environ, "USER": "measure", "FLOWC_USER": "measure"}
    fc_dir = work / "flowc"
    fc_dir.mkdir(parents=True)
    for f in flow_file.parent.iterdir():
        if f.is_file() and not f.name.startswith("."):
            shutil.copy(f, fc_dir / f.name)
    local = fc_dir / flow_file.name
    if names and "__main__" not in source:
        # `python flow.py run` runs a flow only from its __main__ block: add it where a case has none.
        local.write_text(source + f'\n\nif __name__ == "__main__":\n    {names[-1]}()\n')
    flowc = [sys.executable, "-m", "flowc"]
    check = sh([*flowc, "check", local.name], fc_dir, env)
    out["check"] = check.returncode == 0
    if not out["check"]:
        out["check_error"] = last_line(check.stdout + check.stderr)
    for target in TARGETS:
        comp = sh(
            [*flowc, "compile", local.name, "-t", target, "--datastore", "s3://measure/flowc", "-o", f"out-{target}"],
            fc_dir,
            env,
        )
        out[f"compile:{target}"] = comp.returncode == 0
        if comp.returncode:
            out[f"compile:{target}:error"] = last_line(comp.stderr + comp.stdout)
    if before:
        sh([*flowc, "run", before.group(1), "--max-workers", "2"], fc_dir, env)
    run = sh([*flowc, "run", local.name, "--max-workers", "2", *extra], fc_dir, env)
    out["flowc_run"] = run.returncode == 0
    if run.returncode:
        out["flowc_run_error"] = last_line(run.stderr + run.stdout)
    if metaflow_python:
        mf_dir = work / "metaflow"
        shutil.copytree(fc_dir, mf_dir, ignore=shutil.ignore_patterns(".flowc", "out-*"))
        mf_env = {**env, "METAFLOW_USER": "measure", "USERNAME": "measure"}
        mf_env.pop("PYTHONPATH", None)
        if before:
            sh([metaflow_python, before.group(1), "--quiet", "run", "--max-workers", "2"], mf_dir, mf_env)
        mf_run = [metaflow_python, local.name, "--quiet", "run", "--max-workers", "2", *_mf_params(extra)]
        mfr = sh(mf_run, mf_dir, mf_env)
        out["metaflow_run"] = mfr.returncode == 0
        if mfr.returncode:
            out["metaflow_run_error"] = last_line(mfr.stderr + mfr.stdout)
        if out["flowc_run"] and out["metaflow_run"] and names:
            name = names[-1]
            dump = sh([metaflow_python, str(HERE / "metaflow_dump.py"), name], mf_dir, mf_env)
            try:
                mf = json.loads(dump.stdout)
                fc = flowc_artifacts(fc_dir / ".flowc", name)
                diffs = compare(mf, fc)
                out["same_results"] = not diffs
                if diffs:
                    out["diffs"] = diffs[:8]
            except Exception as exc:
                out["same_results"] = False
                out["diffs"] = [f"could not compare: {type(exc).__name__}: {exc}; {last_line(dump.stderr)}"]
    return out


def _mf_params(extra: list[str]) -> list[str]:
    out = []
    it = iter(extra)
    for a in it:
        if a == "--param":
            k, _, v = next(it).partition("=")
            out += [f"--{k}", v]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--metaflow-python", help="Python of a venv with Metaflow 2.19.39 (its own, never flowc's)")
    ap.add_argument("--json", help="write one JSON line per flow here")
    args = ap.parse_args()
    files: list[Path] = []
    for p in map(Path, args.paths):
        files += sorted(p.glob("*.py")) if p.is_dir() else [p]
    rows = []
    with tempfile.TemporaryDirectory(prefix="measure-") as tmp:
        for i, f in enumerate(files):
            r = measure(f, args.metaflow_python, Path(tmp) / str(i))
            rows.append(r)
            print(json.dumps(r), flush=True)
    if args.json:
        Path(args.json).write_text("".join(json.dumps(r) + "\n" for r in rows))
    n = len(rows)
    both = [r for r in rows if r.get("flowc_run") and r.get("metaflow_run")]
    print(f"\n{n} flows: check {sum(r['check'] for r in rows)}/{n}", end="")
    for t in TARGETS:
        print(f", compile {t} {sum(r[f'compile:{t}'] for r in rows)}/{n}", end="")
    print(f", flowc run {sum(r['flowc_run'] for r in rows)}/{n}", end="")
    if args.metaflow_python:
        print(f", Metaflow run {sum(bool(r.get('metaflow_run')) for r in rows)}/{n}", end="")
        print(f", same results {sum(bool(r.get('same_results')) for r in both)}/{len(both)} of those both ran", end="")
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
