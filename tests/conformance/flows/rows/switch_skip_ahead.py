"""Row "which parent a step after a switch reads": the case that ran, even when one case skips ahead."""

from metaflow import FlowSpec, Parameter, step


class SwitchSkipAheadFlow(FlowSpec):
    mode = Parameter("mode", default="enrich")

    @step
    def start(self):
        self.note = "raw"
        self.choice = self.mode
        self.next({"enrich": self.enrich, "skip": self.end}, condition="choice")

    @step
    def enrich(self):
        self.note = "enriched"
        self.next(self.end)

    @step
    def end(self):
        self.final = self.note


if __name__ == "__main__":
    SwitchSkipAheadFlow()
