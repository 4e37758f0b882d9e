"""The step runner: `flowc step` (one task), its command builder, and the local scheduler (`flowc run`).

Targets import only `flowc.runner.command`; it is the single place that spells the runner's flags.
See docs/runner.md for the contract.
"""
