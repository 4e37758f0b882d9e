"""What Metaflow's basic_parameters test exercises: parameters of each type, defaults, JSON."""

from metaflow import FlowSpec, JSONType, Parameter, step


class ParametersFlow(FlowSpec):
    count = Parameter("count", default=3, help="an int")
    ratio = Parameter("ratio", default=0.25)
    who = Parameter("who", default="world")
    loud = Parameter("loud", default=False, type=bool)
    config = Parameter("config", type=JSONType, default='{"a": [1, 2], "b": null}')

    @step
    def start(self):
        self.seen = [self.count, self.ratio, self.who, self.loud, self.config]
        self.next(self.end)

    @step
    def end(self):
        self.types = [type(v).__name__ for v in self.seen]


if __name__ == "__main__":
    ParametersFlow()
