"""Row "merge_artifacts": a join takes over every artifact its inputs agree on; one they disagree on
must be set first or excluded; `include` names the only ones to take. Without merge_artifacts a join
starts with the parameters (and constants) only."""

from metaflow import FlowSpec, Parameter, step


class MergeArtifactsFlow(FlowSpec):
    mode = Parameter("mode", default="exclude")

    @step
    def start(self):
        self.shared = "same everywhere"
        self.side = "start"
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
        self.had_shared_before_merge = hasattr(self, "shared")
        if self.mode == "exclude":
            self.merge_artifacts(inputs, exclude=["side"])
        elif self.mode == "set_first":
            self.side = "decided in join"
            self.merge_artifacts(inputs)
        elif self.mode == "include":
            self.merge_artifacts(inputs, include=["only_a"])
        else:  # "conflict": the inputs disagree on `side`
            self.merge_artifacts(inputs)
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    MergeArtifactsFlow()
