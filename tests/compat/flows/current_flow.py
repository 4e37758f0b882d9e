"""Records every `current` attribute Metaflow documents that has a meaning under flowc, and what the
others do."""

from metaflow import FlowSpec, Parameter, current, project, step


@project(name="demo")
class CurrentFlow(FlowSpec):
    alpha = Parameter("alpha", default=0.5)

    @step
    def start(self):
        self.seen = self.snapshot()
        self.items = [10, 20]
        self.next(self.each, foreach="items")

    @step
    def each(self):
        self.seen = self.snapshot()
        self.next(self.join)

    @step
    def join(self, inputs):
        self.seen_each = [i.seen for i in inputs]
        self.seen = self.snapshot()
        self.next(self.end)

    @step
    def end(self):
        self.seen = self.snapshot()
        try:
            current.card  # noqa: B018
        except AttributeError as exc:
            self.card_error = f"{type(exc).__name__}: {exc}"
        self.has_card = hasattr(current, "card")
        self.task_pathspec = current.task.pathspec
        self.run_pathspec = current.run.pathspec

    def snapshot(self):
        names = [
            *("flow_name", "run_id", "step_name", "task_id", "retry_count", "origin_run_id", "pathspec"),
            *("namespace", "username", "project_name", "branch_name", "project_flow_name", "is_production"),
            *("is_user_branch", "is_running_flow", "parameter_names", "index_path"),
        ]
        seen = {n: getattr(current, n, "(absent)") for n in names}
        seen["tags"] = sorted(current.tags)
        return seen


if __name__ == "__main__":
    CurrentFlow()
