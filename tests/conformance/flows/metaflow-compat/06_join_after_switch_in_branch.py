# `flowc run 06_join_after_switch_in_branch.py` -> "the run stopped before its end step; joins still waiting for inputs: join" (exit 1); `flowc step --step join` fails reading task d (not taken); argo output has `depends: b.Succeeded && c.Succeeded && d.Succeeded`. Metaflow runs it: join gets inputs from b and c. Should run (join waits only for the taken case).
# conformance: each switch value comes from a Parameter `<name>_case` (default: the case's own value), so the suite runs every case.
from metaflow import FlowSpec, Parameter, step


class SwitchInBranchFlow(FlowSpec):
    k_case = Parameter("k_case", default="c")

    @step
    def start(self):
        self.next(self.a, self.b)

    @step
    def a(self):
        self.k = self.k_case
        self.next({"c": self.c, "d": self.d}, condition="k")

    @step
    def b(self):
        self.next(self.join)

    @step
    def c(self):
        self.next(self.join)

    @step
    def d(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
