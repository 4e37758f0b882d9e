# shape: cases of different lengths meet at one step: one case is three steps long, one is one step,
# and one goes straight to where they meet.
from metaflow import FlowSpec, Parameter, step


class UnevenCasesFlow(FlowSpec):
    route_case = Parameter("route_case", default="long")

    @step
    def start(self):
        self.trace = "start"
        self.route = self.route_case
        self.next({"long": self.l1, "short": self.s1, "none": self.meet}, condition="route")

    @step
    def l1(self):
        self.trace += ">l1"
        self.next(self.l2)

    @step
    def l2(self):
        self.trace += ">l2"
        self.next(self.l3)

    @step
    def l3(self):
        self.trace += ">l3"
        self.next(self.meet)

    @step
    def s1(self):
        self.trace += ">s1"
        self.next(self.meet)

    @step
    def meet(self):
        self.trace += ">meet"
        self.next(self.end)

    @step
    def end(self):
        self.trace += ">end"


if __name__ == "__main__":
    UnevenCasesFlow()
