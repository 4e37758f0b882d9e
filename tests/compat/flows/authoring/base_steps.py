from metaflow import FlowSpec, Parameter, step


class ScaleMixin:
    """A mixin: a parameter and a constant, no steps."""

    scale = Parameter("scale", default=2, type=int)
    OFFSET = 100


class BaseFlow(FlowSpec):
    @step
    def start(self):
        self.x = self.scale * 3
        self.next(self.middle)

    @step
    def middle(self):
        self.y = self.x + 1
        self.next(self.end)
