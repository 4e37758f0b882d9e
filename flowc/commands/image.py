"""`flowc image`: write the Dockerfile of a baked image for a flow's tasks, and build it where a
container builder (docker, podman, buildah) is on PATH."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

HELP = "write a Dockerfile for an image with the flow's packages (--build builds it with docker/podman)"
BUILDERS = ("docker", "podman", "buildah")


def add_arguments(p: argparse.ArgumentParser) -> None:
    from flowc.bindings import DEFAULT_IMAGE

    p.add_argument("path", help="the flow file")
    p.add_argument("--flow", help="the flow class, when the file has several")
    p.add_argument("--step", help="only this step's packages (when steps pin one package differently)")
    p.add_argument("--base", default=DEFAULT_IMAGE, help=f"the image to start from (default {DEFAULT_IMAGE})")
    p.add_argument(
        "--output",
        "-o",
        metavar="DIR",
        help="where to write Dockerfile and requirements.txt (default build/image/<flow>)",
    )
    p.add_argument("--tag", help="the image's tag (default flowc-<flow>:<hash of its contents>)")
    p.add_argument(
        "--build", action="store_true", help="build it too, with the first of docker, podman, buildah on PATH"
    )
    from flowc.commands._common import add_config_arguments

    add_config_arguments(p)


def run(args: argparse.Namespace) -> int:
    from flowc.bindings import image_problem
    from flowc.commands._common import config_inputs_or_report, print_diagnostics, write_files
    from flowc.compiler import analyze
    from flowc.datastore.package import build_code_package
    from flowc.image import image_spec
    from flowc.target_api import OutputFile

    configs = config_inputs_or_report(args, "image")
    if configs is None:
        return 2
    a = analyze(args.path, args.flow, configs=configs)
    if a.flow is None:
        print_diagnostics(a.diagnostics, {a.file: a.source})
        return 1
    flow = a.flow
    if args.step and args.step not in flow.step_map:
        print(f"flowc image: flow {flow.name} has no step {args.step!r}", file=sys.stderr)
        return 2
    problem = image_problem(args.base)
    if problem:
        print(f"flowc image: --base {problem}", file=sys.stderr)
        return 2
    spec = image_spec(flow, build_code_package(flow, flow.file).members, args.base, args.step)
    for p in spec.problems:
        print(f"flowc image: {p}", file=sys.stderr)
    if spec.problems:
        return 1
    out = Path(args.output or Path("build") / "image" / flow.name)
    files = [OutputFile("Dockerfile", spec.dockerfile()), OutputFile("requirements.txt", spec.requirements_txt())]
    for path, changed in write_files(out, files):
        print(f"{'wrote' if changed else 'unchanged'} {path}", file=sys.stderr)
    tag = args.tag or spec.tag
    if not args.build:
        print(f"build it with: docker build -t {tag} {out}", file=sys.stderr)
        print(f"then compile or deploy with --image <registry>/{tag}", file=sys.stderr)
        return 0
    builder = next((b for b in BUILDERS if shutil.which(b)), None)
    if builder is None:
        print(
            f"flowc image: no container builder on PATH ({', '.join(BUILDERS)}): build {out}/Dockerfile where one runs",
            file=sys.stderr,
        )
        return 1
    argv = [builder, "bud" if builder == "buildah" else "build", "-t", tag, str(out)]
    print(f"flowc image: {' '.join(argv)}", file=sys.stderr)
    code = subprocess.run(argv, check=False).returncode
    if code == 0:
        print(tag)
    return code
