# shape: case values of any text (quotes, braces, an operator, a backslash, spaces, non-ASCII, empty):
# each one leads to its own step on every target; no value reaches an engine's expressions.
from metaflow import FlowSpec, Parameter, step

CHOICES = ["it's {{workflow.name}}", "x' || true || '", 'a\\b $(id) "q"', "ü", ""]


class CaseValuesFlow(FlowSpec):
    pick = Parameter("pick", default=0)

    @step
    def start(self):
        self.trace = "start"
        self.choice = CHOICES[self.pick]
        self.next(
            {
                "it's {{workflow.name}}": self.quote,
                "x' || true || '": self.operator,
                'a\\b $(id) "q"': self.escapes,
                "ü": self.umlaut,
                "": self.empty,
            },
            condition="choice",
        )

    @step
    def quote(self):
        self.trace += ">quote"
        self.next(self.end)

    @step
    def operator(self):
        self.trace += ">operator"
        self.next(self.end)

    @step
    def escapes(self):
        self.trace += ">escapes"
        self.next(self.end)

    @step
    def umlaut(self):
        self.trace += ">umlaut"
        self.next(self.end)

    @step
    def empty(self):
        self.trace += ">empty"
        self.next(self.end)

    @step
    def end(self):
        self.trace += ">end"


if __name__ == "__main__":
    CaseValuesFlow()
