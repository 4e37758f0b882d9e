# shape: a loop whose exit condition never holds in time: @loop(max_iterations=N) makes the task that
# would start a fourth iteration fail with a message naming the loop (the run fails, never hangs).
from flowc import FlowSpec, loop, step


class RunawayLoopFlow(FlowSpec):
    @step
    def start(self):
        self.n = 0
        self.next(self.spin)

    @loop(max_iterations=3)
    @step
    def spin(self):
        self.n += 1
        self.go = "again" if self.n < 10 else "done"
        self.next({"again": self.spin, "done": self.end}, condition="go")

    @step
    def end(self):
        pass
