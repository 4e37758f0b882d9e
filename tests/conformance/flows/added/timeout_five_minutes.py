# Added by the conformance suite: a step with @timeout(minutes=5) that finishes at once. Step Functions
# worker mode once gave it HeartbeatSeconds 600 above TimeoutSeconds 360, refused by CreateStateMachine.
from metaflow import FlowSpec, step, timeout


class TimeoutFlow(FlowSpec):
    @timeout(minutes=5)
    @step
    def start(self):
        self.done = True
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    TimeoutFlow()
