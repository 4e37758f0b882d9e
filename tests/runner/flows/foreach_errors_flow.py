from flowc import FlowSpec, Parameter, step


def failing():
    yield 1
    raise ValueError("the generator broke after one item")


class ForeachErrorsFlow(FlowSpec):
    """A foreach over something that cannot be fixed as a list of stored items."""

    mode = Parameter("mode", default="number")

    @step
    def start(self):
        if self.mode == "number":
            self.things = 5
        elif self.mode == "lambdas":
            self.things = (lambda i=i: i for i in range(2))
        elif self.mode == "broken":
            self.things = failing()
        else:
            self.things = [1]
        self.next(self.each, foreach="things")

    @step
    def each(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
