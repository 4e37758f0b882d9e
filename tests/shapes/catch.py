from flowc import FlowSpec, catch, step


class CatchFlow(FlowSpec):
    """A step that raises; @catch stores the error and the flow goes on."""

    @step
    def start(self):
        self.next(self.fragile)

    @catch(var="failure")
    @step
    def fragile(self):
        raise ValueError("bad input")
        self.next(self.end)  # never reached: the graph still needs the edge

    @step
    def end(self):
        self.result = type(self.failure).__name__ if self.failure is not None else None
