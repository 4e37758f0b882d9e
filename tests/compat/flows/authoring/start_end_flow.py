from metaflow import FlowSpec, Parameter, step


class CustomEndsFlow(FlowSpec):
    """Entry and exit steps named by @step(start=True) / @step(end=True)."""

    alpha = Parameter("alpha", default=3, type=int)

    @step(start=True)
    def begin(self):
        self.x = self.alpha * 2
        self.next(self.a, self.b)

    @step
    def a(self):
        self.y = self.x + 1
        self.next(self.join)

    @step
    def b(self):
        self.y = self.x + 2
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.y for i in inputs)
        self.next(self.finish)

    @step(end=True)
    def finish(self):
        self.result = self.total * 10 + self.alpha
        print("result", self.result)


if __name__ == "__main__":
    CustomEndsFlow()
