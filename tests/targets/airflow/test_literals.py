"""Values on their way into the DAG file: Python literals, Jinja-inert text, Kubernetes-inert text."""

from __future__ import annotations

import ast
import math

import jinja2.sandbox
from flowc.targets.airflow.literals import Code, jinja_inert, k8s_inert, py_literal
from hypothesis import given
from hypothesis import strategies as st

# Airflow renders templated fields with a sandboxed Jinja environment that keeps trailing newlines.
AIRFLOW_JINJA = jinja2.sandbox.SandboxedEnvironment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@given(json_values)
def test_py_literal_evaluates_back_to_the_same_value(value) -> None:
    assert ast.literal_eval(py_literal(value)) == value


def test_py_literal_writes_non_finite_floats_as_calls() -> None:
    assert math.isnan(eval(py_literal(float("nan"))))
    assert eval(py_literal(float("-inf"))) == float("-inf")


def test_py_literal_passes_flowc_code_through_and_refuses_other_objects() -> None:
    assert py_literal(Code("datetime.timedelta(seconds=3)")) == "datetime.timedelta(seconds=3)"
    try:
        py_literal(object())
    except TypeError as exc:
        assert "object" in str(exc)
    else:
        raise AssertionError("an arbitrary object was written into a DAG file")


@given(st.text())
def test_jinja_inert_text_renders_back_to_itself(text: str) -> None:
    assert AIRFLOW_JINJA.from_string(jinja_inert(text)).render() == text


def test_jinja_inert_leaves_plain_text_readable() -> None:
    assert jinja_inert("s3://bucket/prefix") == "s3://bucket/prefix"
    assert jinja_inert("{{ ds }}").startswith("{{ '")


def test_k8s_inert_doubles_dollars_so_no_variable_is_expanded() -> None:
    assert k8s_inert("$(HOME) and $$") == "$$(HOME) and $$$$"
