# shape (flowc only: Metaflow refuses a case that goes straight to a join): inside one branch of a
# static split, a switch whose one case is the join itself and the other a step before it.
from flowc import FlowSpec, Parameter, step


class CaseToJoinFlow(FlowSpec):
    k_case = Parameter("k_case", default="direct")

    @step
    def start(self):
        self.trace = "start"
        self.next(self.a, self.b)

    @step
    def a(self):
        self.trace += ">a"
        self.k = self.k_case
        self.next({"direct": self.join, "via": self.c}, condition="k")

    @step
    def c(self):
        self.trace += ">c"
        self.next(self.join)

    @step
    def b(self):
        self.trace += ">b"
        self.next(self.join)

    @step
    def join(self, inputs):
        self.traces = sorted(i.trace for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        pass
