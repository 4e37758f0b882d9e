# shape: a switch whose case is `end` itself; the other case does some work first.
from metaflow import FlowSpec, Parameter, step


class CaseIsEndFlow(FlowSpec):
    go_case = Parameter("go_case", default="done")

    @step
    def start(self):
        self.trace = "start"
        self.go = self.go_case
        self.next({"done": self.end, "more": self.more}, condition="go")

    @step
    def more(self):
        self.trace += ">more"
        self.next(self.end)

    @step
    def end(self):
        self.trace += ">end"


if __name__ == "__main__":
    CaseIsEndFlow()
