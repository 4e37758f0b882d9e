"""Step Functions target: compile time and definition size per step (issue 5's speed section).

    python benchmarks/step_functions_size.py          # prints one line per flow and mode

Linear flows of 100, 500 and 1,000 steps from `genflows.linear`; times are the best of 3 for the
analysis plus the lowering (no network call is made), sizes are the compact JSON Step Functions
receives, against its 1 MB (1,048,576 bytes) definition limit.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from flowc.targets.step_functions import StepFunctionsTarget
from genflows import linear, render

from flowc.compiler import analyze

MODES = {
    "batch": {"datastore": "s3://bucket/flowc"},
    "worker": {
        "datastore": "s3://bucket/flowc",
        "mode": "worker",
        "queue_url": "https://sqs.us-east-1.amazonaws.com/123456789012/flowc",
    },
}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        for n in (100, 500, 1_000):
            shape = linear(n)
            path = Path(tmp) / f"linear_{n}.py"
            path.write_text(render(shape, "flowc"))
            for mode, options in MODES.items():
                best = float("inf")
                size = 0
                for _ in range(3):
                    start = time.perf_counter()
                    flow = analyze(path).flow
                    assert flow is not None
                    result = StepFunctionsTarget().compile(flow, options)
                    best = min(best, time.perf_counter() - start)
                    asl = next(f.content for f in result.files if f.path.endswith(".asl.json"))
                    size = len(json.dumps(json.loads(asl), separators=(",", ":")).encode())
                print(
                    f"linear {n:>5} {mode:<6} compile {best:6.3f} s  definition {size:>9,} B  "
                    f"{size / n:6.0f} B/step  {size / 1_048_576:5.1%} of the limit"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
