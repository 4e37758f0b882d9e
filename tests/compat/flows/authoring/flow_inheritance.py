# Case 03 of the Metaflow-compat cases: Metaflow 2.19.39 runs ChildFlow, whose start step comes from Base.
from metaflow import FlowSpec, step


class Base(FlowSpec):
    @step
    def start(self):
        self.next(self.end)


class ChildFlow(Base):
    @step
    def end(self):
        pass


if __name__ == "__main__":
    ChildFlow()
