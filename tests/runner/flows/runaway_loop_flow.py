from flowc import FlowSpec, loop, step


class RunawayLoopFlow(FlowSpec):
    """A loop whose exit condition never holds: @loop bounds it."""

    @step
    def start(self):
        self.n = 0
        self.next(self.spin)

    @loop(max_iterations=3)
    @step
    def spin(self):
        self.n += 1
        self.go = "again"
        self.next({"again": self.spin, "done": self.end}, condition="go")

    @step
    def end(self):
        pass
