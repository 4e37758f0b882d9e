"""Artifact throughput, run by bench.py under flowc's interpreter (with numpy on PYTHONPATH).

Times flowc's datastore (`FlowDatastore.save_value` / `load_value`: pickle, SHA-256, atomic write, and
back) against the plainest thing that stores the same values: `pickle.dump` into a file and
`pickle.load` from it. Both write to the same folder's file system and neither calls fsync, so both
measure the page cache, not the disk. Prints one JSON object on stdout.

    python benchmarks/artifacts_worker.py --repeat 3 --dir /tmp/x
"""

from __future__ import annotations

import argparse
import json
import pickle
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ARRAY_BYTES = 100 * 1024 * 1024
SMALL_COUNT = 10_000


def big_value() -> tuple[Any, str]:
    try:
        import numpy as np
    except ImportError:
        # Still a 100 MB artifact, but not the numpy case the benchmark names: the report says so.
        return bytes(ARRAY_BYTES), "bytes (numpy not installed: run benchmarks/setup.sh)"
    return np.arange(ARRAY_BYTES // 8, dtype=np.float64), f"numpy {np.__version__} float64 array"


def small_values() -> list[dict[str, Any]]:
    # Distinct values: content addressing would store identical ones once, which is not the case timed.
    return [{"i": i, "name": f"artifact-{i}", "scores": [i, i * 0.5, -i]} for i in range(SMALL_COUNT)]


def direct_write(folder: Path, values: list[Any]) -> None:
    folder.mkdir(parents=True)
    for i, v in enumerate(values):
        with open(folder / f"{i}.pkl", "wb") as f:
            pickle.dump(v, f, protocol=pickle.HIGHEST_PROTOCOL)


def direct_read(folder: Path, n: int) -> None:
    for i in range(n):
        with open(folder / f"{i}.pkl", "rb") as f:
            pickle.load(f)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def run_case(root: Path, values: list[Any], repeat: int) -> dict[str, Any]:
    from flowc.datastore.store import FlowDatastore

    nbytes = sum(len(pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)) for v in values)
    samples: dict[str, list[float]] = {"direct_write": [], "direct_read": [], "flowc_write": [], "flowc_read": []}

    # Folders are deleted only after the last repeat: deleting 10,000 files makes ext4 journal work
    # that would land on the next timed write.
    def direct(r: int) -> None:
        d = root / f"direct-{r}"
        samples["direct_write"].append(timed(lambda: direct_write(d, values))[0])
        samples["direct_read"].append(timed(lambda: direct_read(d, len(values)))[0])

    def flowc(r: int) -> None:
        folder = str(root / f"flowc-{r}")
        # A fresh datastore each time: its in-process cache of known hashes would skip the writes.
        store = FlowDatastore.open(folder, "BenchFlow")
        secs, shas = timed(lambda: [store.save_value(f"a{i}", v)["sha"] for i, v in enumerate(values)])
        samples["flowc_write"].append(secs)
        reader = FlowDatastore.open(folder, "BenchFlow")
        samples["flowc_read"].append(timed(lambda: [reader.load_value(s) for s in shas])[0])

    for r in range(repeat):
        # Alternate which goes first, so a warming file system cache favours neither.
        for fn in (direct, flowc) if r % 2 == 0 else (flowc, direct):
            fn(r)
    shutil.rmtree(root)
    return {
        "count": len(values),
        "bytes": nbytes,
        "median": {k: statistics.median(v) for k, v in samples.items()},
        "min": {k: min(v) for k, v in samples.items()},
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--dir", type=Path, required=True, help="scratch folder (emptied)")
    args = p.parse_args(argv)
    shutil.rmtree(args.dir, ignore_errors=True)
    args.dir.mkdir(parents=True)
    big, big_kind = big_value()
    out = {
        "array_100mb": {**run_case(args.dir / "big", [big], args.repeat), "kind": big_kind},
        "small_10000": run_case(args.dir / "small", small_values(), args.repeat),
    }
    shutil.rmtree(args.dir, ignore_errors=True)
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
