"""Foreach items are fixed once, by the split (contract 4): every body task, in any process, reads its
item by position from the list the split stored, whatever the iterable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowc import paths
from flowc.runner.task import StepFailed, TaskError

ROWS = Path(__file__).parents[1] / "conformance" / "flows" / "rows"


def drive_processes(h, seeds):
    """One `flowc step` process per task, in graph order (what an orchestrator does), each with its
    own string hashing (PYTHONHASHSEED), as on separate machines."""
    seed = iter(seeds)

    def run(step, index):
        proc = h.step_process(step, paths.fmt_index(index), env={"PYTHONHASHSEED": str(next(seed))})
        assert proc.returncode == 0, proc.stderr
        raw = h.store.storage.get(
            f"{h.flow.name}/runs/{h.run_id}/steps/{step}/{paths.fmt_index(index) or '_'}/output.json"
        )
        return json.loads(raw)

    return paths.drive(h.flow, run)


def test_a_set_is_sorted_once_and_every_process_reads_its_own_item(harness):
    h = harness(ROWS / "foreach_over_set.py")
    drive_processes(h, range(1, 100))
    regions = ["alpine", "central", "coastal", "delta", "east", "north", "south", "west"]
    assert h.artifacts("join")["in_order"] == list(enumerate(regions))
    assert h.artifacts("join")["missing"] == []
    assert h.artifacts("start")["regions"] == set(regions)  # the artifact stays the user's set


def test_tuples_ranges_strings_and_nested_foreach_give_metaflows_values(harness):
    h = harness(ROWS / "foreach_iterables.py")
    paths.drive(h.flow, lambda step, index: h.run(step, paths.fmt_index(index)).output)
    assert h.artifacts("start")["outside"] == (None, None, [])
    assert h.artifacts("over_range", "1.2")["stack"] == [(1, 2, "y"), (2, 3, 4)]
    assert h.artifacts("over_tuple", "1")["seen"] == ("y", 1)
    # In a join inside a foreach the stack holds the enclosing item (Metaflow gives None there).
    assert h.artifacts("join_range", "0")["after_inner"] == [(0, 2, "x")]
    assert h.artifacts("join_string")["inputs_index"] == [(0, "a"), (1, "b"), (2, "c")]
    assert h.artifacts("end")["at_end"] == (None, None, [])


def test_a_dict_fans_out_over_its_keys_and_a_generator_becomes_its_list(harness):
    h = harness(ROWS / "foreach_over_dict_and_generator.py")
    paths.drive(h.flow, lambda step, index: h.run(step, paths.fmt_index(index)).output)
    end = h.artifacts("end")
    assert end["pairs"] == [("pear", 3), ("apple", 1), ("fig", 2)]
    assert end["values"] == [(0, 0), (1, 1), (2, 4), (3, 9)] and end["gen"] == [0, 1, 4, 9]


def test_items_are_read_from_the_split_even_if_a_later_step_changes_the_list(harness):
    h = harness("grid_flow.py")
    h.run("start")
    m = h.manifest("start")
    assert m["foreach"]["count"] == 2
    # The split's list is a content-addressed blob of its own: the same bytes as the list artifact.
    assert m["foreach"]["items"]["sha"] == m["artifacts"]["rows"]["sha"]


@pytest.mark.parametrize(
    ("mode", "error", "message"),
    [
        ("number", TaskError, r"self.things \(int\) is not iterable; give foreach a list"),
        ("lambdas", TaskError, r"item 0 of self.things \(function\) cannot be stored"),
        ("broken", StepFailed, r"ValueError: the generator broke after one item"),
    ],
)
def test_an_iterable_that_cannot_be_fixed_fails_the_split_clearly(harness, mode, error, message):
    h = harness("foreach_errors_flow.py")
    with pytest.raises(error, match=message):
        h.run("start", params=(("mode", mode),))
    assert h.manifest("start") is None


def test_a_set_whose_items_cannot_be_sorted_fails_the_split_saying_why(harness):
    h = harness(ROWS / "foreach_unsortable_set.py")
    with pytest.raises(TaskError, match=r"self.mixed is a set whose items cannot be sorted .* Give foreach a list"):
        h.run("start")
