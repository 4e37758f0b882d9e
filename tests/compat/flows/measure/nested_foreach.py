"""What Metaflow's nested_foreach and wide_foreach tests exercise: foreach in foreach, joins in order,
and a 60-way foreach."""

from metaflow import FlowSpec, step


class NestedForeachFlow(FlowSpec):
    @step
    def start(self):
        self.rows = ["a", "b"]
        self.next(self.row, foreach="rows")

    @step
    def row(self):
        self.row_name = self.input
        self.cols = [1, 2, 3]
        self.next(self.cell, foreach="cols")

    @step
    def cell(self):
        self.label = f"{self.row_name}{self.input}"
        self.stack = [list(frame) for frame in self.foreach_stack()]
        self.next(self.join_cols)

    @step
    def join_cols(self, inputs):
        self.labels = [i.label for i in inputs]
        self.next(self.join_rows)

    @step
    def join_rows(self, inputs):
        self.grid = [i.labels for i in inputs]
        self.next(self.fan)

    @step
    def fan(self):
        self.wide = list(range(60))
        self.next(self.square, foreach="wide")

    @step
    def square(self):
        self.sq = self.input * self.input
        self.next(self.join_wide)

    @step
    def join_wide(self, inputs):
        self.total = sum(i.sq for i in inputs)
        self.grid = inputs[0].grid
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    NestedForeachFlow()
