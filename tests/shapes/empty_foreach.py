from flowc import FlowSpec, step


class EmptyForeachFlow(FlowSpec):
    """A foreach over nothing, then a foreach whose every item fans out over nothing: each join
    runs with no inputs (semantics case 20)."""

    @step
    def start(self):
        self.todo = []
        self.next(self.never, foreach="todo")

    @step
    def never(self):
        self.next(self.none_done)

    @step
    def none_done(self, inputs):
        self.none_count = len(list(inputs))
        self.batches = [1, 2]
        self.next(self.batch, foreach="batches")

    @step
    def batch(self):
        self.files = [] if self.none_count == 0 else [1]
        self.next(self.one_file, foreach="files")

    @step
    def one_file(self):
        self.next(self.batch_done)

    @step
    def batch_done(self, inputs):
        self.count = len(list(inputs))
        self.next(self.all_done)

    @step
    def all_done(self, inputs):
        self.counts = [i.count for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        self.result = self.counts
