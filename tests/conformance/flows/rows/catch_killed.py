"""Row "@catch" for a process that dies: the step's task is killed on every attempt; a stand-in task
publishes what @catch would have (the parents' artifacts and an error, not the step's own
artifacts) and the flow goes on."""

import os
import signal

from metaflow import FlowSpec, catch, retry, step


class CatchKilledFlow(FlowSpec):
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
        self.seen = (self.kept, hasattr(self, "lost"), self.err is not None)


if __name__ == "__main__":
    CatchKilledFlow()
