"""Row "what a join's inputs hold": a switch inside a foreach body, each item taking its own case; the
join gets one input per item, in item order."""

from metaflow import FlowSpec, step


class SwitchInForeachJoinFlow(FlowSpec):
    @step
    def start(self):
        self.numbers = [3, 4, 5, 10]
        self.next(self.classify, foreach="numbers")

    @step
    def classify(self):
        self.n = self.input
        self.parity = "even" if self.n % 2 == 0 else "odd"
        self.next({"even": self.even, "odd": self.odd}, condition="parity")

    @step
    def even(self):
        self.label = f"even:{self.n}"
        self.next(self.join)

    @step
    def odd(self):
        self.label = f"odd:{self.n}"
        self.next(self.join)

    @step
    def join(self, inputs):
        self.seen = [(i.index, i.label) for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    SwitchInForeachJoinFlow()
