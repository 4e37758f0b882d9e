"""The conformance suite's session: runs each executor's batch once, in the background, in parallel.

The first test that needs a result starts every batch the selected tests need (their executors, and
the references: Metaflow and `flowc run`), a few at a time; each test then waits for its own batch.
Metaflow's dumps are cached by flow hash for the session only (never written into the repository).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conformance import executors as ex
from tests.conformance.corpus import Case, references

# Executor batches running at once. Each batch runs up to two flows at a time itself.
LANES = int(os.environ.get("FLOWC_CONFORMANCE_LANES", "3"))
# The reference first (every comparison needs it), then the longest batches.
ORDER = ("flowc-run", "metaflow", "airflow3", "airflow2", "sfn-worker", "step-driver", "argo", "flowc-spawn")


class Suite:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.wanted: dict[str, list[Case]] = {}
        self.futures: dict[str, Future[dict[str, ex.Result]]] = {}
        self.seconds: dict[str, float] = {}
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=LANES, thread_name_prefix="conformance")
        self.metaflow_cache: dict[str, ex.Result] = {}

    def want(self, executor: str, case: Case) -> None:
        cases = self.wanted.setdefault(executor, [])
        if case not in cases:
            cases.append(case)

    def _start(self) -> None:
        for name in sorted(self.wanted, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER)):
            if name not in self.futures:
                self.futures[name] = self.pool.submit(self._batch, name, self.wanted[name])

    def _batch(self, name: str, cases: list[Case]) -> dict[str, ex.Result]:
        t0 = time.monotonic()
        folder = self.work / name
        folder.mkdir(parents=True, exist_ok=True)
        try:
            if name == "metaflow":
                return ex.metaflow(cases, folder, self.metaflow_cache)
            return ex.EXECUTORS[name](cases, folder)
        finally:
            self.seconds[name] = time.monotonic() - t0

    def result(self, executor: str, case: Case) -> ex.Result:
        with self.lock:
            if executor not in self.futures:
                self.want(executor, case)
                self._start()
        results = self.futures[executor].result()
        if case.id not in results:
            # A case asked for after its executor's batch started: run it alone.
            results.update(
                ex.EXECUTORS[executor]([case], self.work / executor)
                if executor != "metaflow"
                else ex.metaflow([case], self.work / executor, self.metaflow_cache)
            )
        return results[case.id]

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


_SUITE: Suite | None = None


@pytest.fixture(scope="session")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    global _SUITE
    assert _SUITE is not None, "the conformance suite was not collected"
    # FLOWC_CONFORMANCE_WORK keeps every run's folder (datastores, logs) where you can read them.
    keep = os.environ.get("FLOWC_CONFORMANCE_WORK")
    _SUITE.work = Path(keep) if keep else tmp_path_factory.mktemp("conformance")
    # The executors that compile in this process (Argo, Step Functions, Airflow) deploy as the user
    # every run of the suite has, Metaflow's included (executors.USER): @project's `user.<name>`.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FLOWC_USER", ex.USER)
        yield _SUITE
        _SUITE.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _SUITE is not None and _SUITE.seconds:
        times = ", ".join(f"{k} {v:.0f}s" for k, v in sorted(_SUITE.seconds.items()))
        terminalreporter.write_line(f"conformance batches (wall time each, {LANES} at once): {times}")


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what will not run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tell the suite which batches the selected tests need (executors and references), before any runs."""
    global _SUITE
    _SUITE = Suite(Path("."))
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or "case" not in callspec.params or not item.nodeid.startswith("tests/conformance/"):
            continue
        case: Case = callspec.params["case"]
        for name in (callspec.params.get("executor"), *references(case)):
            # A case left out of an executor (corpus.EXCLUDED) never runs there, not even in the batch.
            if name and case.skip_reason(name) is None:
                _SUITE.want(name, case)
