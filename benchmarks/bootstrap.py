"""How long a task takes to start on a stock Python image: the bootstrap, measured.

No container engine runs here, so a fresh virtualenv stands in for `python:3.12-slim` (the same
thing as far as the bootstrap sees: a Python with pip and nothing else). Each case runs the start
task of a small flow through `python -c <bootstrap>` from an empty folder, cold: pip's cache is off
(`PIP_NO_CACHE_DIR=1`), every run gets a fresh temporary folder, and nothing from a previous run is
reused. Cases:

- `local`:        a local datastore: no pip at all (the floor: fetch, unpack, import, run);
- `s3`:           the datastore in S3 (moto's server on loopback): pip installs boto3 first;
- `s3+packages`:  the same with the flow asking for a small package (@pypi `six`);
- `baked`:        S3 with an image that has boto3 and the packages (`flowc image`): no pip.

Needs the package index (PyPI or PIP_INDEX_URL) for the s3 cases. Prints a table; --json writes
the numbers.

    python benchmarks/bootstrap.py [--runs 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FLOW = """
from flowc import FlowSpec, pypi, step


class BootFlow(FlowSpec):
    {decorator}
    @step
    def start(self):
        self.x = 1
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def stock_python(where: Path) -> str:
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(where)
    return str(where / "bin" / "python")


def package(folder: Path, packages: bool) -> tuple[object, object]:
    from flowc.compiler import analyze
    from flowc.datastore.package import build_code_package

    folder.mkdir(parents=True, exist_ok=True)
    deco = '@pypi(packages={"six": "1.16.0"})' if packages else ""
    (folder / "flow.py").write_text(FLOW.format(decorator=deco))
    analysis = analyze(folder / "flow.py")
    assert analysis.flow is not None, analysis.diagnostics
    return analysis.flow, build_code_package(analysis.flow, folder / "flow.py")


def run_once(python: str, flow_name: str, code: str, datastore: str, env: dict[str, str]) -> float:
    from flowc.runner import bootstrap
    from flowc.runner.command import step_command

    argv = step_command(
        flow=flow_name,
        code=code,
        step="start",
        run_id=f"r{time.monotonic_ns()}",
        datastore=datastore,
        params_json="{}",
        executable=bootstrap.command(python),
    )
    with tempfile.TemporaryDirectory() as cwd:
        start = time.perf_counter()
        proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"task failed:\n{proc.stderr[-3000:]}")
    return took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", metavar="PATH")
    args = ap.parse_args()

    import boto3
    from moto.server import ThreadedMotoServer

    from flowc.datastore.store import FlowDatastore

    work = Path(tempfile.mkdtemp(prefix="flowc-bootstrap-bench-"))
    python = stock_python(work / "stock")
    baked = stock_python(work / "baked")
    subprocess.run([baked, "-m", "pip", "install", "-q", "boto3>=1.28", "six==1.16.0"], check=True)

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    aws = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1"}
    os.environ.update({**aws, "FLOWC_S3_ENDPOINT_URL": endpoint})
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="bench")
    base_env = {
        "PATH": os.environ["PATH"],
        "HOME": str(work),
        "PIP_NO_CACHE_DIR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        **{k: os.environ[k] for k in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL") if k in os.environ},
    }
    s3_env = {**base_env, **aws, "FLOWC_S3_ENDPOINT_URL": endpoint}

    plain_flow, plain = package(work / "plain", packages=False)
    pkg_flow, with_packages = package(work / "packages", packages=True)
    local = str(work / "local-datastore")
    s3 = "s3://bench/datastore"
    for ds in (local, s3):
        for flow, pkg in ((plain_flow, plain), (pkg_flow, with_packages)):
            FlowDatastore.open(ds, flow.name).put_code(pkg.id, pkg.deployable)  # type: ignore[attr-defined]

    cases = {
        "local": (python, plain_flow, plain, local, base_env),
        "s3": (python, plain_flow, plain, s3, s3_env),
        "s3+packages": (python, pkg_flow, with_packages, s3, s3_env),
        "baked": (baked, pkg_flow, with_packages, s3, {**s3_env, "FLOWC_BAKED_IMAGE": "1"}),
    }
    results: dict[str, list[float]] = {}
    try:
        for name, (py, flow, pkg, ds, env) in cases.items():
            results[name] = [
                run_once(py, flow.name, pkg.id, ds, env)  # type: ignore[attr-defined]
                for _ in range(args.runs)
            ]
    finally:
        server.stop()
    print(f"{'case':<14} {'median':>8} {'min':>8} {'max':>8}   (seconds, {args.runs} runs, cold)")
    for name, times in results.items():
        print(f"{name:<14} {statistics.median(times):8.2f} {min(times):8.2f} {max(times):8.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": args.runs, "seconds": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
