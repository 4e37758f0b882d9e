"""Row "how a split fixes its items": a set whose items cannot be sorted has no order flowc can fix,
so the split fails with a message that says so (give foreach a list)."""

from metaflow import FlowSpec, step


class ForeachUnsortableSetFlow(FlowSpec):
    @step
    def start(self):
        self.mixed = {1, "one", (1,)}
        self.next(self.each, foreach="mixed")

    @step
    def each(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ForeachUnsortableSetFlow()
