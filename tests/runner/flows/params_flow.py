from flowc import FlowSpec, IncludeFile, JSONType, Parameter, current, step


class ParamsFlow(FlowSpec):
    """Every parameter type, a required one, and included files (text and binary)."""

    who = Parameter("who", default="world")
    count = Parameter("count", default=2)
    ratio = Parameter("ratio", default=0.5)
    loud = Parameter("loud", default=False)
    config = Parameter("config", type=JSONType, default='{"k": [1, 2]}')
    seed = Parameter("seed", type=int, required=True)
    notes = IncludeFile("notes", default="notes.txt")
    raw = IncludeFile("raw", default="notes.txt", is_text=False)

    @step
    def start(self):
        self.seen = dict(current.parameters)
        self.next(self.end)

    @step
    def end(self):
        self.again = (self.who, self.count, self.ratio, self.loud, self.config, self.seed)
        self.notes_len = len(self.notes)
