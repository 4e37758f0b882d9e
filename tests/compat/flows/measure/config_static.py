"""Config in decorators, a Parameter default, a foreach and a join, and steps reading it."""

import os

from metaflow import Config, FlowSpec, Parameter, config_expr, environment, resources, step


class ConfigStaticFlow(FlowSpec):
    cfg = Config("cfg", default_value={"n": 3, "res": {"cpu": 1}, "env": {"MODE": "fast"}})
    n = Parameter("n", default=cfg.n)

    @environment(vars={"MODE": config_expr("cfg.env.MODE")})
    @resources(**cfg.res)
    @step
    def start(self):
        self.mode = os.environ.get("MODE")
        self.items = list(range(self.n))
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.sq = self.input * self.cfg["n"]
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.sq for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        self.summary = dict(self.cfg)


if __name__ == "__main__":
    ConfigStaticFlow()
