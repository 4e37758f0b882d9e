# shape: a loop with two ways out to different steps, which meet again after it.
from metaflow import FlowSpec, Parameter, step


class LoopTwoExitsFlow(FlowSpec):
    rounds = Parameter("rounds", default=3)
    way_case = Parameter("way_case", default="good")

    @step
    def start(self):
        self.trace = "start"
        self.n = 0
        self.next(self.attempt)

    @step
    def attempt(self):
        self.n += 1
        self.trace += f">attempt{self.n}"
        self.go = "again" if self.n < self.rounds else self.way_case
        self.next({"again": self.attempt, "good": self.good, "bad": self.bad}, condition="go")

    @step
    def good(self):
        self.trace += ">good"
        self.next(self.finish)

    @step
    def bad(self):
        self.trace += ">bad"
        self.next(self.finish)

    @step
    def finish(self):
        self.trace += ">finish"
        self.next(self.end)

    @step
    def end(self):
        self.trace += ">end"


if __name__ == "__main__":
    LoopTwoExitsFlow()
