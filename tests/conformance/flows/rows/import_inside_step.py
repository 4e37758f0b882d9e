"""Row "a Metaflow flow runs unchanged": `from metaflow import ...` inside a step body works as at
module level."""

from metaflow import FlowSpec, step


class ImportInsideStepFlow(FlowSpec):
    @step
    def start(self):
        from metaflow import current

        self.where = (current.step_name, current.retry_count)
        self.next(self.end)

    @step
    def end(self):
        import metaflow

        self.flow_name = metaflow.current.flow_name


if __name__ == "__main__":
    ImportInsideStepFlow()
