# shape: a loop inside one branch of a static split; the other branch does not loop.
from metaflow import FlowSpec, Parameter, step


class LoopInBranchFlow(FlowSpec):
    rounds = Parameter("rounds", default=3)

    @step
    def start(self):
        self.n = 0
        self.next(self.looping, self.plain)

    @step
    def looping(self):
        self.n += 1
        self.go = "again" if self.n < self.rounds else "done"
        self.next({"again": self.looping, "done": self.looped}, condition="go")

    @step
    def looped(self):
        self.next(self.join)

    @step
    def plain(self):
        self.n = -1
        self.next(self.join)

    @step
    def join(self, inputs):
        self.ns = sorted(i.n for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    LoopInBranchFlow()
