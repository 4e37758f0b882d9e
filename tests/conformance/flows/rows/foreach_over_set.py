"""Row "how a split fixes its items": a foreach over a set. A set has no order, and string hashing
differs per process, so flowc's split sorts it once and every task reads its item from that list.
Metaflow re-iterates the set in each task (its issue 469): items seen twice or never."""

from metaflow import FlowSpec, step


class ForeachOverSetFlow(FlowSpec):
    @step
    def start(self):
        self.regions = {"north", "south", "east", "west", "central", "coastal", "alpine", "delta"}
        self.next(self.visit, foreach="regions")

    @step
    def visit(self):
        self.visited = (self.index, self.input)
        self.next(self.join)

    @step
    def join(self, inputs):
        self.in_order = [i.visited for i in inputs]
        self.missing = sorted(inputs[0].regions - {i.visited[1] for i in inputs})
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ForeachOverSetFlow()
