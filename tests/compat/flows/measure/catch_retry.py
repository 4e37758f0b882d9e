"""What Metaflow's catch_retry, task_exception and timeout_decorator tests exercise: a step that fails
until its last retry, one whose failure @catch keeps, one stopped by @timeout and caught."""

import time

from metaflow import FlowSpec, catch, current, retry, step, timeout


class CatchRetryFlow(FlowSpec):
    @retry(times=2, minutes_between_retries=0)
    @step
    def start(self):
        self.attempts = current.retry_count
        if current.retry_count < 2:
            raise RuntimeError("not yet")
        self.next(self.fragile)

    @catch(var="failure")
    @step
    def fragile(self):
        self.before = "set before the error"
        raise ValueError("bad input")
        self.next(self.slow)

    @catch(var="timed_out")
    @timeout(seconds=2)
    @step
    def slow(self):
        time.sleep(30)
        self.next(self.end)

    @step
    def end(self):
        self.failure_type = type(self.failure).__name__
        self.timed_out_set = self.timed_out is not None


if __name__ == "__main__":
    CatchRetryFlow()
