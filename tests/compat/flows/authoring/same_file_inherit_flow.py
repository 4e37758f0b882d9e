from metaflow import FlowSpec, Parameter, project, step


@project(name="inherit_demo")
class SharedBase(FlowSpec):
    greeting = Parameter("greeting", default="hi")

    @step
    def start(self):
        self.words = [self.greeting]
        self.next(self.end)


class SameFileChildFlow(SharedBase):
    @step
    def end(self):
        self.words.append("there")
        print(" ".join(self.words))


if __name__ == "__main__":
    SameFileChildFlow()
