import time

from flowc import FlowSpec, step


class SleepyFlow(FlowSpec):
    """A step that takes a minute: something to interrupt."""

    @step
    def start(self):
        self.next(self.nap)

    @step
    def nap(self):
        print("napping", flush=True)  # tests wait for this line: the task is in the user's code
        time.sleep(60)
        self.next(self.end)

    @step
    def end(self):
        pass
