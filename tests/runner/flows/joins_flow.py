from flowc import FlowSpec, Parameter, step


class JoinsFlow(FlowSpec):
    """A static branch whose join merges artifacts in the way `mode` says."""

    mode = Parameter("mode", default="exclude")

    @step
    def start(self):
        self.shared = "same"
        self.next(self.a, self.b)

    @step
    def a(self):
        self.side = "a"
        self.only_a = 1
        self.next(self.join)

    @step
    def b(self):
        self.side = "b"
        self.next(self.join)

    @step
    def join(self, inputs):
        self.sides = sorted(inp.side for inp in inputs)
        self.from_b = inputs.b.side
        if self.mode == "exclude":
            self.merge_artifacts(inputs, exclude=["side"])
        elif self.mode == "set_first":
            self.side = "both"
            self.merge_artifacts(inputs)
        elif self.mode == "include":
            self.merge_artifacts(inputs, include=["only_a"])
        elif self.mode == "include_missing":
            self.merge_artifacts(inputs, include=["nowhere"])
        else:
            self.merge_artifacts(inputs)
        self.next(self.end)

    @step
    def end(self):
        pass
