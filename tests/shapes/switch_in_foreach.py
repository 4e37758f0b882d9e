from flowc import FlowSpec, step


class SwitchInForeachFlow(FlowSpec):
    """Each foreach item takes one of two paths; the foreach join sees whichever ran."""

    @step
    def start(self):
        self.nums = [1, 2, 3, 4]
        self.next(self.classify, foreach="nums")

    @step
    def classify(self):
        self.n = self.input
        self.parity = "even" if self.n % 2 == 0 else "odd"
        self.next({"even": self.even, "odd": self.odd}, condition="parity")

    @step
    def even(self):
        self.out = self.n * 100
        self.next(self.collect)

    @step
    def odd(self):
        self.out = -self.n
        self.next(self.collect)

    @step
    def collect(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.outs = [i.out for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        self.result = self.outs
