# conformance: each switch value comes from a Parameter `<name>_case` (default: the case's own value), so the suite runs every case.
from metaflow import FlowSpec, Parameter, step


class SwitchNestedFlow(FlowSpec):
    """Generated from metaflow test/core/graphs/switch_nested.json (nested_switch)."""

    condition1_case = Parameter("condition1_case", default='case1')
    condition2_case = Parameter("condition2_case", default='case2_1')

    @step
    def start(self):
        self.trace = 'start'
        self.condition1 = self.condition1_case
        self.next({'case1': self.switch2, 'case2': self.b}, condition='condition1')

    @step
    def switch2(self):
        self.trace = self.trace + '>switch2'
        self.condition2 = self.condition2_case
        self.next({'case2_1': self.c, 'case2_2': self.d}, condition='condition2')

    @step
    def b(self):
        self.trace = self.trace + '>b'
        self.next(self.end)

    @step
    def c(self):
        self.trace = self.trace + '>c'
        self.next(self.end)

    @step
    def d(self):
        self.trace = self.trace + '>d'
        self.next(self.end)

    @step
    def end(self):
        self.trace = self.trace + '>end'
        print('TRACE', self.trace)


if __name__ == '__main__':
    SwitchNestedFlow()
