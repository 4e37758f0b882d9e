"""Fit a small model for every learning rate in a grid, in parallel, and keep the best.

Pure standard library so it runs anywhere: the "model" is a linear regression trained with
gradient descent on synthetic data, which is enough to show the shape of a real sweep.
"""

import random

from flowc import FlowSpec, JSONType, Parameter, current, resources, retry, step

SEED = 7


def make_data(n, seed):
    rng = random.Random(seed)
    xs = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    ys = [3.0 * x + 0.5 + rng.gauss(0.0, 0.1) for x in xs]
    return xs, ys


def fit(xs, ys, lr, epochs):
    w = b = 0.0
    n = len(xs)
    for _ in range(epochs):
        gw = sum((w * x + b - y) * x for x, y in zip(xs, ys, strict=True)) * 2 / n
        gb = sum(w * x + b - y for x, y in zip(xs, ys, strict=True)) * 2 / n
        w, b = w - lr * gw, b - lr * gb
    mse = sum((w * x + b - y) ** 2 for x, y in zip(xs, ys, strict=True)) / n
    return w, b, mse


class HyperparamSweepFlow(FlowSpec):
    """Sweep learning rates for a linear model and pick the one with the lowest error."""

    learning_rates = Parameter(
        "learning_rates",
        type=JSONType,
        default="[0.001, 0.01, 0.1, 0.5]",
        help="JSON list of learning rates to try",
    )
    epochs = Parameter("epochs", default=40, help="gradient steps per model")
    samples = Parameter("samples", default=256, help="size of the synthetic training set")

    @step
    def start(self):
        """Make the training data once; every trial reads the same artifact."""
        self.xs, self.ys = make_data(self.samples, SEED)
        self.grid = list(self.learning_rates)
        self.next(self.train, foreach="grid")

    @retry(times=2, minutes_between_retries=1)
    @resources(cpu=1, memory=2048)
    @step
    def train(self):
        """Train one model per learning rate."""
        self.lr = self.input
        self.w, self.b, self.mse = fit(self.xs, self.ys, self.lr, self.epochs)
        self.trained_in = current.task_id
        self.next(self.pick_best)

    @step
    def pick_best(self, inputs):
        """Keep the model with the lowest training error."""
        best = min(inputs, key=lambda trial: trial.mse)
        self.best_lr = best.lr
        self.best_weights = (round(best.w, 3), round(best.b, 3))
        self.scores = {str(t.lr): round(t.mse, 5) for t in inputs}
        self.next(self.end)

    @step
    def end(self):
        """Report the winner."""
        self.summary = f"best learning rate {self.best_lr} with weights {self.best_weights}"


if __name__ == "__main__":
    HyperparamSweepFlow()
