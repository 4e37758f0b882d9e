"""Row "how a split fixes its items": a dict fans out over its keys, in insertion order; a generator
is consumed once by the split, and its artifact becomes the list of its items. (Metaflow looks a
dict's items up by position, `d[0]`, and cannot store a generator.)"""

from metaflow import FlowSpec, step


def squares(n):
    for i in range(n):
        yield i * i


class ForeachDictGeneratorFlow(FlowSpec):
    @step
    def start(self):
        self.prices = {"pear": 3, "apple": 1, "fig": 2}
        self.next(self.price, foreach="prices")

    @step
    def price(self):
        self.pair = (self.input, self.prices[self.input])
        self.next(self.join_prices)

    @step
    def join_prices(self, inputs):
        self.pairs = [i.pair for i in inputs]
        self.next(self.generate)

    @step
    def generate(self):
        self.gen = squares(4)
        self.next(self.square, foreach="gen")

    @step
    def square(self):
        self.value = (self.index, self.input)
        self.next(self.join_squares)

    @step
    def join_squares(self, inputs):
        self.values = [i.value for i in inputs]
        self.merge_artifacts(inputs, include=["gen", "pairs"])
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ForeachDictGeneratorFlow()
