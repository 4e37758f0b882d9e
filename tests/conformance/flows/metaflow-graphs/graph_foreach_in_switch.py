# conformance: each switch value comes from a Parameter `<name>_case` (default: the case's own value), so the suite runs every case.
from metaflow import FlowSpec, Parameter, step


class ForeachInSwitchFlow(FlowSpec):
    """Generated from metaflow test/core/graphs/foreach_in_switch.json (foreach_in_switch)."""

    mode_case = Parameter("mode_case", default='process')

    @step
    def start(self):
        self.trace = 'start'
        self.mode = self.mode_case
        self.next({'process': self.process_items, 'skip': self.skip_processing}, condition='mode')

    @step
    def process_items(self):
        self.trace = self.trace + '>process_items'
        self.items_to_process = ['item_1', 'item_2']
        self.next(self.do_work, foreach='items_to_process')

    @step
    def do_work(self):
        self.trace = self.trace + '>do_work[%s:%d]' % (self.input, self.index)
        self.next(self.join_work)

    @step
    def join_work(self, inputs):
        self.trace = '(' + '|'.join(i.trace for i in inputs) + ')>join_work'
        self.next(self.end)

    @step
    def skip_processing(self):
        self.trace = self.trace + '>skip_processing'
        self.next(self.end)

    @step
    def end(self):
        self.trace = self.trace + '>end'
        print('TRACE', self.trace)


if __name__ == '__main__':
    ForeachInSwitchFlow()
