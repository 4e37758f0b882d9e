from flowc import FlowSpec, step


class BranchFlow(FlowSpec):
    """A static branch of three, joined."""

    @step
    def start(self):
        self.base = 10
        self.next(self.a, self.b, self.c)

    @step
    def a(self):
        self.part = self.base + 1
        self.next(self.join)

    @step
    def b(self):
        self.part = self.base + 2
        self.next(self.join)

    @step
    def c(self):
        self.part = self.base + 3
        self.next(self.join)

    @step
    def join(self, inputs):
        self.result = sorted(i.part for i in inputs)
        self.from_a = inputs.a.part
        self.merge_artifacts(inputs, include=["base"])
        self.next(self.end)

    @step
    def end(self):
        self.total = sum(self.result) + self.base
