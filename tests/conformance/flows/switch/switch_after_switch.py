# shape: a switch after a switch: the first switch's cases meet, then a second switch chooses again.
from metaflow import FlowSpec, Parameter, step


class SwitchAfterSwitchFlow(FlowSpec):
    first_case = Parameter("first_case", default="a")
    second_case = Parameter("second_case", default="x")

    @step
    def start(self):
        self.trace = "start"
        self.first = self.first_case
        self.next({"a": self.a, "b": self.b}, condition="first")

    @step
    def a(self):
        self.trace += ">a"
        self.next(self.middle)

    @step
    def b(self):
        self.trace += ">b"
        self.next(self.middle)

    @step
    def middle(self):
        self.trace += ">middle"
        self.second = self.second_case
        self.next({"x": self.x, "y": self.y}, condition="second")

    @step
    def x(self):
        self.trace += ">x"
        self.next(self.end)

    @step
    def y(self):
        self.trace += ">y"
        self.next(self.end)

    @step
    def end(self):
        self.trace += ">end"


if __name__ == "__main__":
    SwitchAfterSwitchFlow()
