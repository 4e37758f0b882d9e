"""What Metaflow's basic_artifact and merge_artifacts tests exercise: artifacts flow through steps,
a branch join merges the ones its inputs agree on and excludes the rest."""

from metaflow import FlowSpec, step


class ArtifactsFlow(FlowSpec):
    @step
    def start(self):
        self.shared = {"k": [1, 2, 3]}
        self.counter = 1
        self.next(self.left, self.right)

    @step
    def left(self):
        self.side = "left"
        self.counter += 10
        self.next(self.join)

    @step
    def right(self):
        self.side = "right"
        self.counter += 20
        self.next(self.join)

    @step
    def join(self, inputs):
        self.sides = sorted(i.side for i in inputs)
        self.counters = sorted(i.counter for i in inputs)
        self.merge_artifacts(inputs, exclude=["side", "counter"])
        self.next(self.end)

    @step
    def end(self):
        self.summary = (self.shared, self.sides, self.counters)


if __name__ == "__main__":
    ArtifactsFlow()
