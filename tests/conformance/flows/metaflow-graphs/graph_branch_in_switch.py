# conformance: each switch value comes from a Parameter `<name>_case` (default: the case's own value), so the suite runs every case.
from metaflow import FlowSpec, Parameter, step


class BranchInSwitchFlow(FlowSpec):
    """Generated from metaflow test/core/graphs/branch_in_switch.json (branch_in_switch)."""

    mode_case = Parameter("mode_case", default='process')

    @step
    def start(self):
        self.trace = 'start'
        self.mode = self.mode_case
        self.next({'process': self.process_branch, 'skip': self.skip_path}, condition='mode')

    @step
    def process_branch(self):
        self.trace = self.trace + '>process_branch'
        self.next(self.p1, self.p2)

    @step
    def p1(self):
        self.trace = self.trace + '>p1'
        self.next(self.process_join)

    @step
    def p2(self):
        self.trace = self.trace + '>p2'
        self.next(self.process_join)

    @step
    def process_join(self, inputs):
        self.trace = '(' + '|'.join(i.trace for i in inputs) + ')>process_join'
        self.next(self.end)

    @step
    def skip_path(self):
        self.trace = self.trace + '>skip_path'
        self.next(self.end)

    @step
    def end(self):
        self.trace = self.trace + '>end'
        print('TRACE', self.trace)


if __name__ == '__main__':
    BranchInSwitchFlow()
