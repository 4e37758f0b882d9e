# shape: both cases of one switch lead to steps that are also reached another way (on Argo, a case's
# choice cannot be read from the other case's task here: a gate observes it).
from metaflow import FlowSpec, Parameter, step


class TwoSharedCasesFlow(FlowSpec):
    first_case = Parameter("first_case", default="p")
    second_case = Parameter("second_case", default="x")

    @step
    def start(self):
        self.trace = "start"
        self.first = self.first_case
        self.next({"p": self.p, "q": self.q}, condition="first")

    @step
    def p(self):
        self.trace += ">p"
        self.second = self.second_case
        self.next({"x": self.m, "y": self.n}, condition="second")

    @step
    def q(self):
        self.trace += ">q"
        self.next(self.n)

    @step
    def n(self):
        self.trace += ">n"
        self.next(self.m)

    @step
    def m(self):
        self.trace += ">m"
        self.next(self.end)

    @step
    def end(self):
        self.trace += ">end"


if __name__ == "__main__":
    TwoSharedCasesFlow()
