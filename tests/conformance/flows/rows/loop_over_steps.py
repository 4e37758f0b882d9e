"""Row "loops": a switch case that returns to an earlier step repeats every step from there (a loop
of several steps), here inside a foreach, with @loop bounding it. Metaflow 2.19.39 accepts only a
switch that returns to itself, so this one is flowc's alone."""

from flowc import FlowSpec, current, loop, step


class LoopOverStepsFlow(FlowSpec):
    @step
    def start(self):
        self.targets = [20, 35]
        self.next(self.reset, foreach="targets")

    @step
    def reset(self):
        self.total = 0
        self.trail = []
        self.next(self.add)

    @loop(max_iterations=10)
    @step
    def add(self):
        self.total += 10
        self.next(self.check)

    @step
    def check(self):
        self.trail = [*self.trail, current.index_path]
        self.status = "again" if self.total < self.input else "enough"
        self.next({"again": self.add, "enough": self.join}, condition="status")

    @step
    def join(self, inputs):
        self.results = [(i.input, i.total, i.trail) for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass
