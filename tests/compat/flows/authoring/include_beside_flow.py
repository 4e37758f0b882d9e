import os
from pathlib import Path

from metaflow import FlowSpec, IncludeFile, step


def script_path(filename):
    """A file beside this flow, wherever it is run from (as Metaflow's tutorials write it)."""
    filepath = os.path.join(os.path.dirname(__file__))
    return os.path.join(filepath, filename)


def here(name):
    return str(Path(__file__).resolve().parent / name)


class IncludeBesideFlow(FlowSpec):
    scores = IncludeFile("scores", help="scores, one per line", default=script_path("scores.csv"))
    labels = IncludeFile("labels", default=here("labels.txt"))

    @step
    def start(self):
        self.total = sum(int(x) for x in self.scores.split())
        self.first_label = self.labels.split()[0]
        self.next(self.end)

    @step
    def end(self):
        print("total", self.total, self.first_label)


if __name__ == "__main__":
    IncludeBesideFlow()
