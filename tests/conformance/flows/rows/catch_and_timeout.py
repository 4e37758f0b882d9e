"""Rows "@catch" and "@timeout": on the last attempt @catch stores the error in its variable, keeps
the artifacts the step set before failing, and the flow goes on; when the step succeeds the variable is
None. @timeout stops the step's code (a @catch can catch that too)."""

import time

from metaflow import FlowSpec, catch, retry, step, timeout


class CatchAndTimeoutFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.fails, self.works, self.slow)

    @catch(var="error")
    @retry(times=1, minutes_between_retries=0)
    @step
    def fails(self):
        self.set_before = "kept"
        raise ValueError("bad input")
        self.next(self.join)

    @catch(var="error")
    @step
    def works(self):
        self.set_before = "kept"
        self.next(self.join)

    @catch(var="error")
    @timeout(seconds=2)
    @step
    def slow(self):
        self.set_before = "kept"
        time.sleep(30)
        self.next(self.join)

    @step
    def join(self, inputs):
        # What each input recorded: whether it caught an error, and whether the message says why.
        self.caught = {
            "fails": (inputs.fails.error is not None, "bad input" in str(inputs.fails.error)),
            "works": (inputs.works.error is not None, inputs.works.set_before),
            "slow": (inputs.slow.error is not None, inputs.slow.set_before),
        }
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    CatchAndTimeoutFlow()
