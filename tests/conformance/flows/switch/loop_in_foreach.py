# shape: a loop inside a foreach body: each item's `poll` repeats until it has run `item` times.
from metaflow import FlowSpec, step


class LoopInForeachFlow(FlowSpec):
    @step
    def start(self):
        self.limits = [2, 1, 3]
        self.next(self.body, foreach="limits")

    @step
    def body(self):
        self.limit = self.input
        self.n = 0
        self.seen = []
        self.next(self.poll)

    @step
    def poll(self):
        self.n += 1
        self.seen = [*self.seen, self.n]
        self.go = "again" if self.n < self.limit else "done"
        self.next({"again": self.poll, "done": self.after}, condition="go")

    @step
    def after(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.ns = [i.n for i in inputs]
        self.seens = [i.seen for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    LoopInForeachFlow()
