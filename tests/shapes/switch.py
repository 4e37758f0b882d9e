from flowc import FlowSpec, Parameter, step


class SwitchFlow(FlowSpec):
    """A switch with three cases that converge before end."""

    size = Parameter("size", default=42, help="how many rows arrived")

    @step
    def start(self):
        self.route = "big" if self.size > 100 else "small" if self.size > 0 else "empty"
        self.next({"big": self.big, "small": self.small, "empty": self.empty}, condition="route")

    @step
    def big(self):
        self.handled_by = "big"
        self.next(self.after)

    @step
    def small(self):
        self.handled_by = "small"
        self.next(self.after)

    @step
    def empty(self):
        self.handled_by = "empty"
        self.next(self.after)

    @step
    def after(self):
        self.next(self.end)

    @step
    def end(self):
        self.result = self.handled_by
