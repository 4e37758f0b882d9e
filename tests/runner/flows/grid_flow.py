from flowc import FlowSpec, current, step


class GridFlow(FlowSpec):
    """Nested foreach: every cell sees its own input, index and index path."""

    @step
    def start(self):
        self.rows = ["r0", "r1"]
        self.next(self.row, foreach="rows")

    @step
    def row(self):
        self.row_name = self.input
        self.cols = [10, 20, 30]
        self.next(self.cell, foreach="cols")

    @step
    def cell(self):
        self.value = (self.row_name, self.input, self.index, current.index_path, current.task_id)
        self.next(self.join_cols)

    @step
    def join_cols(self, inputs):
        self.cells = [inp.value for inp in inputs]
        self.inputs_seen = [(inp.input, inp.index) for inp in inputs]
        self.next(self.join_rows)

    @step
    def join_rows(self, inputs):
        self.grid = [inp.cells for inp in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass
