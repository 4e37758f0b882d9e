# Case 02 of the Metaflow-compat cases: Metaflow 2.19.39 runs it; @step(start=True) and @step(end=True) name the ends.
from metaflow import FlowSpec, step


class CustomFlow(FlowSpec):
    @step(start=True)
    def begin(self):
        self.next(self.finish)

    @step(end=True)
    def finish(self):
        pass
