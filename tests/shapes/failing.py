from flowc import FlowSpec, step


class FailingFlow(FlowSpec):
    """A step that raises, without @catch: the run fails."""

    @step
    def start(self):
        self.next(self.boom)

    @step
    def boom(self):
        raise RuntimeError("this step always fails")
        self.next(self.end)

    @step
    def end(self):
        pass
