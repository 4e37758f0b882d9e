"""Row "@retry": attempts are numbered from 0 (`current.retry_count`); a local run retries at once
(minutes_between_retries applies on deployed targets only); artifacts of a failed attempt are gone."""

from metaflow import FlowSpec, current, retry, step


class RetryAtOnceFlow(FlowSpec):
    @retry(times=2, minutes_between_retries=2)
    @step
    def start(self):
        self.attempt = current.retry_count
        if current.retry_count == 0:
            self.left_by_failed_attempt = True
            raise RuntimeError("the first attempt fails")
        self.next(self.end)

    @step
    def end(self):
        self.saw = (self.attempt, hasattr(self, "left_by_failed_attempt"))


if __name__ == "__main__":
    RetryAtOnceFlow()
