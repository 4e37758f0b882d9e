from flowc import FlowSpec, current, step


class ArtifactsFlow(FlowSpec):
    """Artifacts pass down a linear chain; a mutated list is stored again, untouched ones are not."""

    @step
    def start(self):
        self.items = [1]
        self.label = "unchanged"
        self.blob = "x" * 1000
        self.next(self.grow)

    @step
    def grow(self):
        self.items.append(2)
        self.seen_label = self.label
        self.next(self.end)

    @step
    def end(self):
        self.where = current.pathspec
        self.total = sum(self.items)
