import os
import signal

from flowc import FlowSpec, Parameter, catch, retry, step


class KilledFlow(FlowSpec):
    """A step whose process is killed on every attempt; @catch takes over with a stand-in task."""

    where = Parameter("where", default="linear")

    @step
    def start(self):
        self.kept = "from start"
        self.next(self.victim)

    @catch(var="err")
    @retry(times=1, minutes_between_retries=0)
    @step
    def victim(self):
        self.lost = "set before the kill"
        os.kill(os.getpid(), signal.SIGKILL)
        self.next(self.end)

    @step
    def end(self):
        self.seen = (self.kept, hasattr(self, "lost"), type(self.err).__name__, self.err.type, self.name)
