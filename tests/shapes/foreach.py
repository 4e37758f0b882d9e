from flowc import FlowSpec, step


class ForeachFlow(FlowSpec):
    """A foreach over four items."""

    @step
    def start(self):
        self.items = [1, 2, 3, 4]
        self.next(self.square, foreach="items")

    @step
    def square(self):
        self.value = self.input * self.input
        self.position = self.index
        self.next(self.join)

    @step
    def join(self, inputs):
        self.result = [i.value for i in inputs]
        self.positions = [i.position for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        self.total = sum(self.result)
