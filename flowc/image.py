"""`flowc image`: the Dockerfile of a baked image for a flow's tasks, for those who would rather not
have every task install its packages when it starts (or whose tasks have no network to PyPI).

Tasks run on a stock Python image by default and bootstrap (flowc.runner.bootstrap): they install
boto3 and their step's requirements with pip, then fetch the code package. A baked image has all of
that installed already and says so (`FLOWC_BAKED_IMAGE=1`), so the bootstrap installs nothing; it
still fetches the code package, which carries the flow and flowc's runner, so one image serves every
version of the flow whose requirements have not changed. The image holds no flow code and no flowc.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from flowc.bindings import DEFAULT_IMAGE
from flowc.ir import Flow

# What the runner itself needs on a task (an s3:// datastore); the bootstrap installs the same.
RUNNER_REQUIREMENTS = ("boto3>=1.28",)
BAKED_ENV = "FLOWC_BAKED_IMAGE"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass
class ImageSpec:
    flow: str
    base: str
    requirements: list[str]
    problems: list[str] = field(default_factory=list)

    @property
    def tag(self) -> str:
        """`<flow>:<hash of base and requirements>`: a new tag exactly when the image would differ."""
        digest = hashlib.sha256("\n".join([self.base, *self.requirements]).encode()).hexdigest()[:12]
        return f"flowc-{self.flow.lower()}:{digest}"

    def requirements_txt(self) -> str:
        return "".join(f"{r}\n" for r in self.requirements)

    def dockerfile(self) -> str:
        return (
            f"# The image of flow {self.flow}'s tasks, written by `flowc image`: a Python image with what the\n"
            "# tasks would otherwise install when they start. The code comes from the code package at run time.\n"
            f"FROM {self.base}\n"
            "COPY requirements.txt /tmp/flowc-requirements.txt\n"
            "RUN python3 -m pip install --no-cache-dir --disable-pip-version-check -r /tmp/flowc-requirements.txt \\\n"
            "    && rm /tmp/flowc-requirements.txt\n"
            "# Tasks on this image install nothing at start (flowc.runner.bootstrap).\n"
            f"ENV {BAKED_ENV}=1\n"
        )


def distribution(requirement: str) -> str:
    match = _NAME.match(requirement)
    return match.group(1).lower().replace("_", "-") if match else requirement.strip().lower()


def image_spec(flow: Flow, members: dict[str, bytes], base: str = DEFAULT_IMAGE, step: str | None = None) -> ImageSpec:
    """The image for every step (or for `step` alone), from the code package's requirements files.

    One image holds one version of each package: steps that pin the same package differently are a
    problem (build one image per step with `step`)."""
    spec = ImageSpec(flow.name, base, [])
    wanted: dict[str, tuple[str, str]] = {}
    steps = [step] if step else [s.name for s in flow.steps]
    for name in steps:
        text = members.get(f"requirements/{name}.txt", b"").decode("utf-8")
        for line in text.splitlines():
            req = line.strip()
            if not req or req.startswith("#"):
                continue
            key = distribution(req)
            if key in wanted and wanted[key][0] != req:
                spec.problems.append(
                    f"steps {wanted[key][1]!r} and {name!r} need {wanted[key][0]!r} and {req!r}: one image cannot "
                    f"hold both; build one per step (flowc image --step {name})"
                )
                continue
            wanted.setdefault(key, (req, name))
    runner = [r for r in RUNNER_REQUIREMENTS if distribution(r) not in wanted]
    spec.requirements = [*runner, *sorted(req for req, _ in wanted.values())]
    return spec
