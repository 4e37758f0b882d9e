# shape (flowc only: Metaflow refuses a case that goes straight to a join): in a foreach body, a
# switch whose one case is the foreach join itself and the other a step before it.
from flowc import FlowSpec, step


class CaseToForeachJoinFlow(FlowSpec):
    @step
    def start(self):
        self.nums = [1, 2, 3, 4, 5]
        self.next(self.classify, foreach="nums")

    @step
    def classify(self):
        self.n = self.input
        self.out = self.n
        self.kind = "big" if self.n > 2 else "small"
        self.next({"small": self.join, "big": self.scale}, condition="kind")

    @step
    def scale(self):
        self.out = self.n * 10
        self.next(self.join)

    @step
    def join(self, inputs):
        self.outs = [i.out for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass
