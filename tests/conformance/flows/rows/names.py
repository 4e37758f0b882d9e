"""Row "private and reserved names": `self.name` is the flow's name at the start of every task (a step
may set it for itself only); class-level constants are artifacts of every task and, like parameters,
cannot be assigned; `self.input`/`self.index` are None outside a foreach."""

from metaflow import FlowSpec, Parameter, step


class NamesFlow(FlowSpec):
    alpha = Parameter("alpha", default=1)
    THRESHOLD = 0.25
    LABELS = ("low", "high")

    @step
    def start(self):
        self.name_at_start = self.name
        self.name = "renamed in start"
        self._private = "kept"
        try:
            self.alpha = 2
            self.assign_parameter = "allowed"
        except AttributeError:
            self.assign_parameter = "refused"
        try:
            self.THRESHOLD = 0.5
            self.assign_constant = "allowed"
        except AttributeError:
            self.assign_constant = "refused"
        self.outside_foreach = (self.input, self.index)
        self.next(self.a, self.b)

    @step
    def a(self):
        self.name_in_a = self.name
        self.threshold_in_a = self.THRESHOLD
        self.next(self.join)

    @step
    def b(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.in_join = (self.alpha, self.THRESHOLD, self.LABELS, self.name)
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    NamesFlow()
