"""Row "how a task ends" with @catch: `sys.exit()` raises SystemExit, a failure like an exception, so
@catch on the last attempt stores it, keeps what the step set before, and the flow goes on. (flowc's
own dialect: Metaflow ends its run with an internal error for `sys.exit(0)`, and for another code runs
a stand-in task without the step's artifacts; see docs/semantics.md.)"""

import sys

from flowc import FlowSpec, Parameter, catch, step


class CatchSysExitFlow(FlowSpec):
    code = Parameter("code", default=0)

    @catch(var="err")
    @step
    def start(self):
        self.before = "set before leaving"
        sys.exit(self.code)
        self.next(self.end)

    @step
    def end(self):
        self.after = (self.before, type(self.err).__name__, self.err.code)
