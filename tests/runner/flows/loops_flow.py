"""Flows with loops (recursive switches). Their IR is built by hand in tests/runner/loop_ir.py."""

from flowc import FlowSpec, current, step


class SimpleLoopFlow(FlowSpec):
    @step
    def start(self):
        self.n = 0
        self.limit = 3
        self.next(self.count)

    @step
    def count(self):
        self.n += 1
        self.seen = (*getattr(self, "seen", ()), current.index_path)
        self.go = "again" if self.n < self.limit else "done"
        self.next({"again": self.count, "done": self.end}, condition="go")

    @step
    def end(self):
        pass


class BodyLoopFlow(FlowSpec):
    @step
    def start(self):
        self.trace = "start"
        self.rounds = 0
        self.next(self.head)

    @step
    def head(self):
        self.trace += f">head{current.index_path}"
        self.next(self.body)

    @step
    def body(self):
        self.rounds += 1
        self.trace += f">body{current.index_path}"
        self.go = "again" if self.rounds < 3 else "done"
        self.next({"again": self.head, "done": self.after}, condition="go")

    @step
    def after(self):
        self.trace += ">after"
        self.next(self.end)

    @step
    def end(self):
        pass


class ForeachLoopFlow(FlowSpec):
    @step
    def start(self):
        self.items = [2, 0, 3]
        self.next(self.poll, foreach="items")

    @step
    def poll(self):
        self.tries = getattr(self, "tries", 0) + 1
        self.where = (*getattr(self, "where", ()), current.index_path)
        self.go = "again" if self.tries <= self.input else "done"
        self.next({"again": self.poll, "done": self.join}, condition="go")

    @step
    def join(self, inputs):
        self.tries_by_item = [(i.input, i.tries, i.where) for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass


class NestedLoopsFlow(FlowSpec):
    @step
    def start(self):
        self.log = ()
        self.outer_n = 0
        self.next(self.outer)

    @step
    def outer(self):
        self.outer_n += 1
        self.inner_n = 0
        self.next(self.inner)

    @step
    def inner(self):
        self.inner_n += 1
        self.log += (current.index_path,)
        self.go = "again" if self.inner_n < self.outer_n else "done"
        self.next({"again": self.inner, "done": self.check}, condition="go")

    @step
    def check(self):
        self.go = "again" if self.outer_n < 3 else "done"
        self.next({"again": self.outer, "done": self.end}, condition="go")

    @step
    def end(self):
        pass


class BranchLoopFlow(FlowSpec):
    @step
    def start(self):
        self.n = 0
        self.next(self.a, self.b)

    @step
    def a(self):
        self.n += 1
        self.go = "again" if self.n < 4 else "done"
        self.next({"again": self.a, "done": self.join}, condition="go")

    @step
    def b(self):
        self.n = -1
        self.next(self.join)

    @step
    def join(self, inputs):
        self.ns = [i.n for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass
