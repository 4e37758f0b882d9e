"""What Metaflow's current_singleton, param_names and project_branch tests exercise: current's
attributes in each step, the parameter names, @project's default branch."""

from metaflow import FlowSpec, Parameter, current, project, step


@project(name="measure")
class ProjectCurrentFlow(FlowSpec):
    alpha = Parameter("alpha", default=1)

    @step
    def start(self):
        self.record = self.snap()
        self.next(self.middle)

    @step
    def middle(self):
        self.record = self.snap()
        self.next(self.end)

    @step
    def end(self):
        self.record = self.snap()

    def snap(self):
        return {
            "flow_name": current.flow_name,
            "step_name": current.step_name,
            "retry_count": current.retry_count,
            "origin_run_id": current.origin_run_id,
            "namespace": current.namespace,
            "username": current.username,
            "parameter_names": current.parameter_names,
            "project_name": current.project_name,
            "branch_name": current.branch_name,
            "project_flow_name": current.project_flow_name,
            "is_production": current.is_production,
            "is_running_flow": current.is_running_flow,
        }


if __name__ == "__main__":
    ProjectCurrentFlow()
