# shape: a switch inside a switch's case, both with a case that skips ahead to the same step.
from metaflow import FlowSpec, Parameter, step


class SwitchInCaseFlow(FlowSpec):
    outer_case = Parameter("outer_case", default="inner")
    inner_case = Parameter("inner_case", default="work")

    @step
    def start(self):
        self.trace = "start"
        self.outer = self.outer_case
        self.next({"inner": self.decide, "skip": self.report}, condition="outer")

    @step
    def decide(self):
        self.trace += ">decide"
        self.inner = self.inner_case
        self.next({"work": self.work, "skip": self.report}, condition="inner")

    @step
    def work(self):
        self.trace += ">work"
        self.next(self.report)

    @step
    def report(self):
        self.trace += ">report"
        self.next(self.end)

    @step
    def end(self):
        self.trace += ">end"


if __name__ == "__main__":
    SwitchInCaseFlow()
