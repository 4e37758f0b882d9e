"""What tutorial 00 (HelloFlow) exercises: a linear flow that prints."""

from metaflow import FlowSpec, step


class HelloFlow(FlowSpec):
    @step
    def start(self):
        print("HelloFlow is starting.")
        self.next(self.hello)

    @step
    def hello(self):
        self.greeting = "Metaflow says: Hi!"
        print(self.greeting)
        self.next(self.end)

    @step
    def end(self):
        print("HelloFlow is all done.")


if __name__ == "__main__":
    HelloFlow()
