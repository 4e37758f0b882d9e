from base_steps import BaseFlow, ScaleMixin
from metaflow import retry, step


class InheritFlow(ScaleMixin, BaseFlow):
    """Steps from BaseFlow (start), one overridden (middle), end added here."""

    @retry(times=1)
    @step
    def middle(self):
        self.y = self.x + self.OFFSET
        self.next(self.end)

    @step
    def end(self):
        self.z = self.y * 2
        print("z", self.z)


if __name__ == "__main__":
    InheritFlow()
