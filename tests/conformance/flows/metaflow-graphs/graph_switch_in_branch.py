# conformance: each switch value comes from a Parameter `<name>_case` (default: the case's own value), so the suite runs every case.
from metaflow import FlowSpec, Parameter, step


class SwitchInBranchFlow(FlowSpec):
    """Generated from metaflow test/core/graphs/switch_in_branch.json (switch_in_branch)."""

    condition_case = Parameter("condition_case", default='case1')

    @step
    def start(self):
        self.trace = 'start'
        self.next(self.a, self.b)

    @step
    def a(self):
        self.trace = self.trace + '>a'
        self.condition = self.condition_case
        self.next({'case1': self.c, 'case2': self.d}, condition='condition')

    @step
    def b(self):
        self.trace = self.trace + '>b'
        self.next(self.join)

    @step
    def c(self):
        self.trace = self.trace + '>c'
        self.next(self.join)

    @step
    def d(self):
        self.trace = self.trace + '>d'
        self.next(self.join)

    @step
    def join(self, inputs):
        self.trace = '(' + '|'.join(i.trace for i in inputs) + ')>join'
        self.next(self.end)

    @step
    def end(self):
        self.trace = self.trace + '>end'
        print('TRACE', self.trace)


if __name__ == '__main__':
    SwitchInBranchFlow()
