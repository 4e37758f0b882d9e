"""Evaluate every model on every region: a nested foreach (regions x models), joined twice."""

from flowc import FlowSpec, Parameter, catch, step

BASELINES = {"eu": 0.82, "us": 0.78, "apac": 0.74}


class GridEvaluationFlow(FlowSpec):
    """Score each model in each region and keep each region's champion."""

    regions = Parameter("regions", default="eu,us,apac", help="comma-separated regions")

    @step
    def start(self):
        self.region_list = [r.strip() for r in self.regions.split(",") if r.strip()]
        self.models = ["baseline", "gbm", "transformer"]
        self.next(self.region, foreach="region_list")

    @step
    def region(self):
        """One task per region; each fans out again over the models."""
        self.region_name = self.input
        self.next(self.evaluate, foreach="models")

    @catch(var="evaluation_error")
    @step
    def evaluate(self):
        """Score one model on one region (a deterministic stand-in for a real evaluation)."""
        base = BASELINES.get(self.region_name, 0.7)
        bonus = {"baseline": 0.0, "gbm": 0.05, "transformer": 0.03}[self.input]
        self.model = self.input
        self.score = round(base + bonus, 3)
        self.next(self.champion)

    @step
    def champion(self, inputs):
        """The best model of this region."""
        best = max(inputs, key=lambda t: t.score)
        self.region_name = best.region_name
        self.best = (best.model, best.score)
        self.next(self.collect)

    @step
    def collect(self, inputs):
        """Champions of all regions."""
        self.champions = {t.region_name: t.best for t in inputs}
        self.next(self.end)

    @step
    def end(self):
        self.winners = sorted({m for m, _ in self.champions.values()})


if __name__ == "__main__":
    GridEvaluationFlow()
