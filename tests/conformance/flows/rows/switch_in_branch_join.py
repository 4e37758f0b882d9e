"""Row "what a join's inputs hold": after a switch inside a static branch, the join gets one input
per branch (the case that ran), in the split's order."""

from metaflow import FlowSpec, Parameter, step


class SwitchInBranchJoinFlow(FlowSpec):
    case = Parameter("case", default="c")

    @step
    def start(self):
        self.trace = "start"
        self.next(self.a, self.b)

    @step
    def a(self):
        self.trace += ">a"
        self.k = self.case
        self.next({"c": self.c, "d": self.d}, condition="k")

    @step
    def b(self):
        self.trace += ">b"
        self.next(self.join)

    @step
    def c(self):
        self.trace += ">c"
        self.next(self.join)

    @step
    def d(self):
        self.trace += ">d"
        self.next(self.join)

    @step
    def join(self, inputs):
        self.seen = sorted(i.trace for i in inputs)
        self.count = len(list(inputs))  # Metaflow's inputs have no len()
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    SwitchInBranchJoinFlow()
