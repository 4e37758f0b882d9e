"""Row "how a split fixes its items": an empty list makes no body task; its join runs once, with no
inputs. (Metaflow refuses a foreach with zero splits: the split task fails.)"""

from metaflow import FlowSpec, step


class EmptyForeachFlow(FlowSpec):
    @step
    def start(self):
        self.todo = []
        self.next(self.work, foreach="todo")

    @step
    def work(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.count = len(list(inputs))  # Metaflow's inputs have no len()
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    EmptyForeachFlow()
