"""Row "loops": a switch whose case is the switch step itself repeats it (Metaflow's recursive switch);
each iteration is a task of its own (index path: the iteration) that reads the previous iteration's
artifacts, and the step after the loop reads the last iteration."""

from metaflow import FlowSpec, current, step


class RecursiveSwitchRowFlow(FlowSpec):
    @step
    def start(self):
        self.total = 0
        self.history = []
        self.next(self.add)

    @step
    def add(self):
        self.total += 10
        self.history = [*self.history, (self.total, current.retry_count)]
        self.status = "again" if self.total < 30 else "enough"
        self.next({"again": self.add, "enough": self.done}, condition="status")

    @step
    def done(self):
        self.final = (self.total, self.history)
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    RecursiveSwitchRowFlow()
