from flowc import FlowSpec, JSONType, Parameter, step


class ParametersFlow(FlowSpec):
    """Every parameter type."""

    who = Parameter("who", default="world", help="who to greet")
    count = Parameter("count", default=3, type=int, help="how many times")
    ratio = Parameter("ratio", default=0.5, help="a float")
    loud = Parameter("loud", default=False, type=bool, help="shout")
    config = Parameter("config", default='{"k": [1, 2]}', type=JSONType, help="a JSON document")

    @step
    def start(self):
        greeting = f"hello {self.who}"
        self.greeting = greeting.upper() if self.loud else greeting
        self.next(self.end)

    @step
    def end(self):
        self.result = [self.greeting, self.count, self.ratio, self.config["k"]]
