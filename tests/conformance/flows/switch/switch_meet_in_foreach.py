# shape: inside a foreach body, ways in meet at steps that only some items reach: `meet` is reached by
# the items whose first switch chose it and by those whose second switch chose `b`.
from metaflow import FlowSpec, step


class MeetInForeachFlow(FlowSpec):
    @step
    def start(self):
        self.items = [0, 1, 2, 3, 4, 5]
        self.next(self.route, foreach="items")

    @step
    def route(self):
        self.n = self.input
        self.trace = f"{self.n}:route"
        self.first = "skip" if self.n % 3 == 0 else "work"
        self.next({"work": self.a, "skip": self.meet}, condition="first")

    @step
    def a(self):
        self.trace += ">a"
        self.second = "b" if self.n % 2 == 0 else "z"
        self.next({"b": self.b, "z": self.z}, condition="second")

    @step
    def b(self):
        self.trace += ">b"
        self.next(self.meet)

    @step
    def meet(self):
        self.trace += ">meet"
        self.next(self.done)

    @step
    def z(self):
        self.trace += ">z"
        self.next(self.done)

    @step
    def done(self):
        self.trace += ">done"
        self.next(self.join)

    @step
    def join(self, inputs):
        self.traces = [i.trace for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    MeetInForeachFlow()
