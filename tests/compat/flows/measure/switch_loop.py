"""What Metaflow's switch_basic and recursive_switch tests exercise: a switch, and a loop that repeats
a step until a condition holds."""

from metaflow import FlowSpec, step


class SwitchLoopFlow(FlowSpec):
    @step
    def start(self):
        self.mode = "big"
        self.next({"big": self.big, "small": self.small}, condition="mode")

    @step
    def big(self):
        self.size = 100
        self.next(self.grow)

    @step
    def small(self):
        self.size = 1
        self.next(self.grow)

    @step
    def grow(self):
        self.size = getattr(self, "size", 0) * 2
        self.rounds = getattr(self, "rounds", 0) + 1
        self.state = "done" if self.size > 1000 else "again"
        self.next({"again": self.grow, "done": self.end}, condition="state")

    @step
    def end(self):
        pass


if __name__ == "__main__":
    SwitchLoopFlow()
