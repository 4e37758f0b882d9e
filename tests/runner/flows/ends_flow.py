import os
import signal
import sys

from flowc import FlowSpec, Parameter, catch, step

if os.environ.get("FLOWC_TEST_EXIT_AT_IMPORT"):
    sys.exit(0)


class EndsFlow(FlowSpec):
    """Ways a step can leave its process before it finishes (`how`); `caught` puts @catch on one."""

    how = Parameter("how", default="return")

    @step
    def start(self):
        self.next(self.plain, self.guarded)

    @step
    def plain(self):
        self.before = "set"
        leave(self.how)
        self.next(self.join)

    @catch(var="err")
    @step
    def guarded(self):
        self.before = "set"
        leave(self.how)
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


def leave(how):
    if how == "sys_exit_0":
        sys.exit(0)
    elif how == "sys_exit_3":
        sys.exit(3)
    elif how == "os_exit_0":
        os._exit(0)
    elif how == "sigterm":
        os.kill(os.getpid(), signal.SIGTERM)
    elif how == "fork_child_exits":
        pid = os.fork()
        if pid == 0:
            os._exit(7)  # a child process of the step: its own exit, untouched
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 7
