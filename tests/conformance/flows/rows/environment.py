"""Row "@environment": the variables are set for the task (its module-level code included) and only
for it; a step without the decorator does not see them."""

import os

from metaflow import FlowSpec, environment, step

AT_IMPORT = os.environ.get("FLOWC_ROW_MODE", "")


class EnvironmentFlow(FlowSpec):
    @environment(vars={"FLOWC_ROW_MODE": "fast", "FLOWC_ROW_EMPTY": ""})
    @step
    def start(self):
        self.mode = os.environ.get("FLOWC_ROW_MODE")
        self.empty = os.environ.get("FLOWC_ROW_EMPTY")
        self.at_import = AT_IMPORT
        self.next(self.end)

    @step
    def end(self):
        self.mode_after = os.environ.get("FLOWC_ROW_MODE")


if __name__ == "__main__":
    EnvironmentFlow()
