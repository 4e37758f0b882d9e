"""Row "how a task ends": only a step that returns (after self.next, or the end step) succeeds.
`sys.exit()` with any code, `os._exit()` with any code, and a signal are failed tasks that leave no
artifacts. `how` picks the way out ("return" finishes). @catch with sys.exit: catch_sys_exit.py."""

import os
import signal
import sys

from metaflow import FlowSpec, Parameter, step


class TaskEndsFlow(FlowSpec):
    how = Parameter("how", default="sys_exit_0")

    @step
    def start(self):
        self.before = "set before leaving"
        if self.how == "sys_exit_0":
            sys.exit(0)
        elif self.how == "sys_exit_3":
            sys.exit(3)
        elif self.how == "sys_exit_none":
            sys.exit()
        elif self.how == "os_exit_0":
            os._exit(0)
        elif self.how == "sigterm":
            os.kill(os.getpid(), signal.SIGTERM)
        elif self.how == "sigkill":
            os.kill(os.getpid(), signal.SIGKILL)
        self.next(self.end)

    @step
    def end(self):
        self.after = self.before


if __name__ == "__main__":
    TaskEndsFlow()
