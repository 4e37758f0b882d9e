"""What Metaflow's tutorial 05 (HelloCloudFlow) exercises: `get_metadata()` inside a step, and a step
with `@kubernetes` and a bare `@retry`."""

from metaflow import FlowSpec, kubernetes, retry, step


class HelloCloudFlow(FlowSpec):
    @step
    def start(self):
        from metaflow import get_metadata

        print("HelloCloud is starting.")
        print("Using metadata provider: %s" % get_metadata())
        self.next(self.hello)

    @kubernetes(cpu=1, memory=500)
    @retry
    @step
    def hello(self):
        self.message = "Hi from the cloud!"
        print("Metaflow says: %s" % self.message)
        self.next(self.end)

    @step
    def end(self):
        print("HelloCloud is finished.")


if __name__ == "__main__":
    HelloCloudFlow()
