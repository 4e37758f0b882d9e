from flowc import FlowSpec, step


class LinearFlow(FlowSpec):
    """Three steps in a row."""

    @step
    def start(self):
        self.x = 1
        self.next(self.double)

    @step
    def double(self):
        self.x = self.x * 2
        self.next(self.end)

    @step
    def end(self):
        self.result = self.x + 1
