from flowc import FlowSpec, current, retry, step


class RetryFlow(FlowSpec):
    """A step that fails on its first attempt and succeeds on its second."""

    @step
    def start(self):
        self.next(self.flaky)

    @retry(times=2, minutes_between_retries=0)
    @step
    def flaky(self):
        if current.retry_count == 0:
            raise RuntimeError("first attempt fails on purpose")
        self.attempt = current.retry_count
        self.next(self.end)

    @step
    def end(self):
        self.result = self.attempt
