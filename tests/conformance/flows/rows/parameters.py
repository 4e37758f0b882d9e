"""Row "parameters and their types": the type comes from `type=` or the default's type; a parameter
with `default=None` and no type, or a typed one with no default, is None unless given; a JSON parameter
is parsed; every step sees the run's values."""

from metaflow import FlowSpec, JSONType, Parameter, step


class ParametersFlow(FlowSpec):
    text = Parameter("text", default="hello")
    count = Parameter("count", default=3)
    ratio = Parameter("ratio", default=0.5)
    loud = Parameter("loud", default=False, type=bool)
    nothing = Parameter("nothing", default=None)
    typed_unset = Parameter("typed_unset", type=int)
    config = Parameter("config", type=JSONType, default='{"k": [1, 2]}')

    @step
    def start(self):
        self.seen = (self.text, self.count, self.ratio, self.loud, self.nothing, self.typed_unset, self.config)
        self.types = [type(v).__name__ for v in self.seen]
        self.next(self.end)

    @step
    def end(self):
        self.seen_at_end = (self.text, self.count, self.nothing)


if __name__ == "__main__":
    ParametersFlow()
