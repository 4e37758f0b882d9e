# `flowc compile 05_switch_case_also_reached_elsewhere.py --target argo --datastore s3://b/p` (and --target airflow) -> FC501 "step 'end' is a case of switch 'start' and is also reached another way; Argo cannot express both on one task" (exit 1); `flowc check` and step-functions pass. Metaflow compiles this to Argo (its test/unit/test_argo_conditional_input_paths.py ChainSkipReproFlow). Should compile.
# conformance: each switch value comes from a Parameter `<name>_case` (default: the case's own value), so the suite runs every case.
from metaflow import FlowSpec, Parameter, step


class ShortcutFlow(FlowSpec):
    route_case = Parameter("route_case", default="a")

    @step
    def start(self):
        self.route = self.route_case
        self.next({"skip": self.end, "a": self.a}, condition="route")

    @step
    def a(self):
        self.next(self.end)

    @step
    def end(self):
        pass
