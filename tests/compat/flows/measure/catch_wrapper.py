"""What Metaflow's catch tests exercise with @catch(var=...): the stored wrapper's type, message and
traceback, for a class of the flow's file and a built-in error, and None after a step that succeeded."""

import json

from metaflow import FlowSpec, catch, step


class OwnError(Exception):
    pass


class CatchMfFlow(FlowSpec):
    @catch(var="own")
    @step
    def start(self):
        raise OwnError("boom")
        self.next(self.builtin)

    @catch(var="builtin_error", print_exception=False)
    @step
    def builtin(self):
        int("not a number")
        self.next(self.fine)

    @catch(var="no_error")
    @step
    def fine(self):
        self.next(self.end)

    @step
    def end(self):
        def seen(e):
            return {
                "class": type(e).__name__,
                "type": e.type,
                "exception": e.exception,
                "stack_first": e.stacktrace.splitlines()[0],
                "stack_last": e.stacktrace.strip().splitlines()[-1],
                "str_is_stack": str(e) == e.stacktrace,
            }

        print(
            "RESULT "
            + json.dumps(
                {"own": seen(self.own), "builtin": seen(self.builtin_error), "no_error": self.no_error},
                sort_keys=True,
            )
        )


if __name__ == "__main__":
    CatchMfFlow()
