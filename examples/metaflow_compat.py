"""An unmodified Metaflow flow: flowc compiles and runs it without Metaflow installed."""

from metaflow import FlowSpec, Parameter, retry, step


class MetaflowCompatFlow(FlowSpec):
    """Count words in a sentence, one branch per counting rule."""

    sentence = Parameter("sentence", default="the quick brown fox jumps over the lazy dog")

    @step
    def start(self):
        self.words = self.sentence.split()
        self.next(self.count_all, self.count_unique)

    @retry(times=1)
    @step
    def count_all(self):
        self.n = len(self.words)
        self.next(self.join)

    @step
    def count_unique(self):
        self.n = len(set(self.words))
        self.next(self.join)

    @step
    def join(self, inputs):
        self.counts = {"all": inputs.count_all.n, "unique": inputs.count_unique.n}
        self.next(self.end)

    @step
    def end(self):
        print(self.counts)


if __name__ == "__main__":
    MetaflowCompatFlow()
