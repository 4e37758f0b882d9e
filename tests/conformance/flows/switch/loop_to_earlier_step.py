# shape (flowc only: Metaflow lets a switch loop back only to itself): a case goes back two steps,
# so `fetch` and `check` both repeat; each iteration sees the artifacts of the one before.
from flowc import FlowSpec, Parameter, step


class LoopToEarlierFlow(FlowSpec):
    rounds = Parameter("rounds", default=3)

    @step
    def start(self):
        self.trace = "start"
        self.n = 0
        self.next(self.fetch)

    @step
    def fetch(self):
        self.n += 1
        self.trace += f">fetch{self.n}"
        self.next(self.check)

    @step
    def check(self):
        self.trace += ">check"
        self.status = "again" if self.n < self.rounds else "done"
        self.next({"again": self.fetch, "done": self.after}, condition="status")

    @step
    def after(self):
        self.trace += ">after"
        self.next(self.end)

    @step
    def end(self):
        self.trace += ">end"
