from flowc import FlowSpec, step


class ForeachInBranchFlow(FlowSpec):
    """A static branch whose one arm fans out with a foreach."""

    @step
    def start(self):
        self.next(self.fan, self.single)

    @step
    def fan(self):
        self.xs = [1, 2, 3]
        self.next(self.work, foreach="xs")

    @step
    def work(self):
        self.y = self.input * 10
        self.next(self.fan_join)

    @step
    def fan_join(self, inputs):
        self.ys = [i.y for i in inputs]
        self.next(self.join)

    @step
    def single(self):
        self.ys = [5]
        self.next(self.join)

    @step
    def join(self, inputs):
        self.all = sorted(y for i in inputs for y in i.ys)
        self.next(self.end)

    @step
    def end(self):
        self.result = self.all
