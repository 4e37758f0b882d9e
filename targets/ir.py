"""The `ir` target: the checked IR as JSON. It proves the target plumbing and feeds other tools."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flowc.ir import Flow
from flowc.target_api import OutputFile, TargetOption, TargetResult


class IRTarget:
    name = "ir"
    description = "the flow's IR as JSON (what every other target is lowered from)"

    def options(self) -> Sequence[TargetOption]:
        return ()

    def compile(self, flow: Flow, options: Mapping[str, Any]) -> TargetResult:
        return TargetResult(files=(OutputFile(f"{flow.name}.ir.json", flow.to_json()),))
