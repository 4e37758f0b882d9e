"""Route a batch by its data quality: retrain fully, update incrementally, or skip.

A switch picks exactly one path at run time; the step after the cases runs whichever was taken.
"""

from flowc import FlowSpec, Parameter, step


class QualityGateFlow(FlowSpec):
    """Decide how to refresh a model from the quality of today's batch."""

    new_rows = Parameter("new_rows", default=12000, help="rows that arrived since the last training")
    null_ratio = Parameter("null_ratio", default=0.01, help="share of rows with missing values")

    @step
    def start(self):
        """Measure the batch and choose a route."""
        if self.null_ratio > 0.2:
            self.route = "skip"
        elif self.new_rows > 10000:
            self.route = "full"
        else:
            self.route = "incremental"
        self.next(
            {"full": self.full_retrain, "incremental": self.incremental_update, "skip": self.skip_batch},
            condition="route",
        )

    @step
    def full_retrain(self):
        self.model_version = "v2-full"
        self.next(self.publish)

    @step
    def incremental_update(self):
        self.model_version = "v1-incremental"
        self.next(self.publish)

    @step
    def skip_batch(self):
        self.model_version = "v1"
        self.next(self.publish)

    @step
    def publish(self):
        """Runs after whichever route was taken."""
        self.published = f"{self.route}:{self.model_version}"
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    QualityGateFlow()
