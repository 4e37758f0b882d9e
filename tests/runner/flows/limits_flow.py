import time

from flowc import FlowSpec, Parameter, catch, current, retry, step, timeout


class LimitsFlow(FlowSpec):
    """@retry, @catch and @timeout at the runner level."""

    stubborn = Parameter("stubborn", default=False, help="swallow the timeout instead of stopping")

    @step
    def start(self):
        self.next(self.flaky)

    @retry(times=1, minutes_between_retries=0)
    @catch(var="error")
    @step
    def flaky(self):
        self.tried = current.retry_count
        raise KeyError("always")
        self.next(self.slow)  # unreachable, but the graph needs the edge

    @catch(var="slow_error")
    @timeout(seconds=1)
    @step
    def slow(self):
        time.sleep(30)
        self.next(self.slower)

    @timeout(seconds=1)
    @step
    def slower(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                time.sleep(30)
            except BaseException:
                if not self.stubborn:
                    raise
        self.next(self.end)

    @step
    def end(self):
        pass
