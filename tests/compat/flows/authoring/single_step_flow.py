from metaflow import FlowSpec, step


class SingleStepFlow(FlowSpec):
    @step
    def only(self):
        self.value = 42
        print("value", self.value)


if __name__ == "__main__":
    SingleStepFlow()
