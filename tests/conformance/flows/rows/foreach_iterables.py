"""Row "how a split fixes its items": a tuple, a range and a string fan out in order; each task sees its
item, its index and its foreach stack (`self.foreach_stack()`), here inside a nested foreach too."""

from metaflow import FlowSpec, step


class ForeachIterablesFlow(FlowSpec):
    @step
    def start(self):
        self.pairs = ("x", "y")
        self.outside = (self.input, self.index, self.foreach_stack())
        self.next(self.over_tuple, foreach="pairs")

    @step
    def over_tuple(self):
        self.seen = (self.input, self.index)
        self.counts = range(2, 5)
        self.next(self.over_range, foreach="counts")

    @step
    def over_range(self):
        self.stack = self.foreach_stack()
        self.next(self.join_range)

    @step
    def join_range(self, inputs):
        self.stacks = [i.stack for i in inputs]
        self.after_inner = self.foreach_stack()
        self.next(self.join_tuple)

    @step
    def join_tuple(self, inputs):
        self.all_stacks = [i.stacks for i in inputs]
        self.next(self.spell)

    @step
    def spell(self):
        self.letters = "abc"
        self.next(self.over_string, foreach="letters")

    @step
    def over_string(self):
        self.letter = (self.index, self.input)
        self.next(self.join_string)

    @step
    def join_string(self, inputs):
        self.letters_seen = [i.letter for i in inputs]
        self.inputs_index = [(i.index, i.input) for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        self.at_end = (self.input, self.index, self.foreach_stack())


if __name__ == "__main__":
    ForeachIterablesFlow()
