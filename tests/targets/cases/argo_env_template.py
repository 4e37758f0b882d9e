from flowc import FlowSpec, environment, image, step


class ArgoEnvFlow(FlowSpec):
    @environment(vars={"GREETING": "hello {{workflow.name}} $(HOME) $$x", "MATH": "{{=1+1}}"})
    @image("registry.example/img:{{workflow.uid}}")
    @step
    def start(self):
        import os

        self.greeting = os.environ.get("GREETING")
        self.next(self.end)

    @step
    def end(self):
        pass
