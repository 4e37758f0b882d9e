# conformance: each switch value comes from a Parameter `<name>_case` (default: the case's own value), so the suite runs every case.
from metaflow import FlowSpec, Parameter, step


class SwitchBasicFlow(FlowSpec):
    """Generated from metaflow test/core/graphs/switch_basic.json (simple_switch)."""

    condition_case = Parameter("condition_case", default='case1')

    @step
    def start(self):
        self.trace = 'start'
        self.next(self.switch_step)

    @step
    def switch_step(self):
        self.trace = self.trace + '>switch_step'
        self.condition = self.condition_case
        self.next({'case1': self.a, 'case2': self.b, 'case3': self.c}, condition='condition')

    @step
    def a(self):
        self.trace = self.trace + '>a'
        self.next(self.end)

    @step
    def b(self):
        self.trace = self.trace + '>b'
        self.next(self.end)

    @step
    def c(self):
        self.trace = self.trace + '>c'
        self.next(self.end)

    @step
    def end(self):
        self.trace = self.trace + '>end'
        print('TRACE', self.trace)


if __name__ == '__main__':
    SwitchBasicFlow()
