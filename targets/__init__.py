"""flowc's targets: one backend per orchestrator. Installed as `flowc.targets`.

Writing a target
================

A target turns a checked flow (`flowc.ir.Flow`) into files. It is a class with:

- `name` (what `--target` takes) and `description` (what `flowc targets` prints);
- `options()`: its own command-line options as `flowc.target_api.TargetOption`s; `flowc compile
  --target NAME` adds them as `--option-name` flags and passes their values, keyed by
  `TargetOption.dest`, to `compile`;
- `compile(flow, options) -> TargetResult`: the files (`OutputFile(path, content)`, relative paths) and
  any diagnostics (code FC501 when the flow cannot be expressed on this orchestrator).

Rules every built-in target follows, and a plugin should too:

1. Build data, serialise last. JSON and YAML are dicts dumped with sorted keys; a Python file comes
   from a Jinja2 template in which every value enters as a Python literal. Never paste user text.
2. Deterministic: no clock, no random names, no environment lookups. Same flow, same bytes.
3. Every task runs flowc's step runner, whose command line comes from `flowc.runner.command`; a target
   never spells the runner's flags itself.
4. Walk the graph with `flowc.walk` (one traversal, a hook per step kind), and keep orchestrator
   rewrites as IR -> IR passes before emitting.
5. No network and no cloud in `compile`: deploying lives in the target's `deploy` module.

Register a third-party target through the `flowc.targets` entry-point group:

    [project.entry-points."flowc.targets"]
    mytarget = "my_package.target:MyTarget"

The built-ins are listed in `flowc.target_api.BUILTIN_TARGETS`.
"""
