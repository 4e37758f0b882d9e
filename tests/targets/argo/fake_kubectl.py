"""A stand-in for kubectl in deploy tests: no cluster can run here.

It keeps objects as JSON files under $FAKE_KUBE_DIR, answers the three calls flowc's deploy makes
(`get ... --ignore-not-found -o json`, `create -f -`, `replace -f -`) the way the API server would
for a custom resource (create fails if the object exists, replace needs the live resourceVersion),
and appends every argv to $FAKE_KUBE_DIR/calls.jsonl.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    root = Path(os.environ["FAKE_KUBE_DIR"])
    with (root / "calls.jsonl").open("a") as log:
        log.write(json.dumps(argv) + "\n")
    args = list(argv)
    namespace = "default"
    for flag in ("--context", "--namespace"):
        if flag in args:
            i = args.index(flag)
            if flag == "--namespace":
                namespace = args[i + 1]
            del args[i : i + 2]
    verb = args[0]
    if verb == "get":
        plural, name = args[1].split(".")[0], args[2]
        f = root / namespace / plural / f"{name}.json"
        print(f.read_text() if f.is_file() else "", end="")
        return 0
    obj = json.loads(sys.stdin.read())
    plural = {"WorkflowTemplate": "workflowtemplates", "CronWorkflow": "cronworkflows"}[obj["kind"]]
    f = root / namespace / plural / f"{obj['metadata']['name']}.json"
    if verb == "create":
        if f.exists():
            print("Error from server (AlreadyExists)", file=sys.stderr)
            return 1
        obj["metadata"]["resourceVersion"] = "1"
    elif verb == "replace":
        if not f.exists():
            print("Error from server (NotFound)", file=sys.stderr)
            return 1
        live = json.loads(f.read_text())["metadata"]["resourceVersion"]
        if obj["metadata"].get("resourceVersion") != live:
            print("Error from server (Conflict): resourceVersion must be specified", file=sys.stderr)
            return 1
        obj["metadata"]["resourceVersion"] = str(int(live) + 1)
    else:
        print(f"unknown verb {verb}", file=sys.stderr)
        return 2
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(json.dumps(obj))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
