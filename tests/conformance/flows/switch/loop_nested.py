# shape (flowc only): a loop inside a loop. The inner loop runs `inner_rounds` times per outer round;
# the outer one `outer_rounds` times; the inner switch can also leave both loops at once.
from flowc import FlowSpec, Parameter, step


class NestedLoopFlow(FlowSpec):
    outer_rounds = Parameter("outer_rounds", default=2)
    inner_rounds = Parameter("inner_rounds", default=3)
    bail_at = Parameter("bail_at", default=0, help="leave both loops at this total count (0: never)")

    @step
    def start(self):
        self.trace = "start"
        self.total = 0
        self.outer_n = 0
        self.next(self.outer)

    @step
    def outer(self):
        self.outer_n += 1
        self.inner_n = 0
        self.trace += f">outer{self.outer_n}"
        self.next(self.inner)

    @step
    def inner(self):
        self.inner_n += 1
        self.total += 1
        self.trace += f">inner{self.inner_n}"
        if self.bail_at and self.total >= self.bail_at:
            self.go = "bail"
        else:
            self.go = "again" if self.inner_n < self.inner_rounds else "next"
        self.next({"again": self.inner, "next": self.tally, "bail": self.after}, condition="go")

    @step
    def tally(self):
        self.trace += ">tally"
        self.go = "again" if self.outer_n < self.outer_rounds else "done"
        self.next({"again": self.outer, "done": self.after}, condition="go")

    @step
    def after(self):
        self.trace += ">after"
        self.next(self.end)

    @step
    def end(self):
        self.trace += ">end"
