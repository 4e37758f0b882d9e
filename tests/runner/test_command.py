"""The command builder every target uses: values verbatim, one argv item each, short."""

from __future__ import annotations

import argparse

from flowc.commands import step as step_cmd
from flowc.runner.command import step_command


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    step_cmd.add_arguments(p)
    return p.parse_args(argv[argv.index("step") + 1 :])


def test_engine_expressions_reach_the_runner_verbatim():
    argv = step_command(
        flow="F",
        code="c0de",
        step="cell",
        run_id="{{workflow.name}}",
        datastore="s3://bucket/pre fix",
        index="{{inputs.parameters.i0}}.{{inputs.parameters.i1}}",
        attempt="{{retries}}",
        params=[("alpha", "$(rm -rf /); 'quoted' \"x\""), ("neg", "-1")],
        output_values="/tmp/out",
    )
    args = parse(argv)
    assert args.run_id == "{{workflow.name}}" and args.datastore == "s3://bucket/pre fix"
    assert args.index == "{{inputs.parameters.i0}}.{{inputs.parameters.i1}}" and args.attempt == "{{retries}}"
    assert args.param == ["alpha=$(rm -rf /); 'quoted' \"x\"", "neg=-1"]
    assert args.output_values == "/tmp/out" and not args.print_output


def test_defaults_are_left_out_and_the_executable_is_the_prefix():
    argv = step_command(flow="F", code="c", step="start", run_id="r", datastore="d", executable=["py", "-m", "flowc"])
    assert argv[:4] == ["py", "-m", "flowc", "step"]
    assert "--index" not in argv and "--attempt" not in argv and "--param" not in argv
    args = parse(argv)
    assert (args.index, args.attempt, args.param) == ("", "0", [])


def test_a_task_command_stays_under_a_kilobyte():
    argv = step_command(
        flow="F" * 80,
        code="0" * 20,
        step="s" * 80,
        run_id="{{$$.Execution.Name}}" * 4,
        datastore="s3://" + "b" * 63 + "/" + "p" * 100,
        index=".".join("{{inputs.parameters.i" + str(i) + "}}" for i in range(4)),
        attempt="{{retries}}",
        output_json="/tmp/flowc/output.json",
        output_values="/tmp/flowc/outputs",
        print_output=True,
    )
    assert len(" ".join(argv).encode()) < 1024


def test_the_datastore_travels_percent_encoded_and_decodes_exactly():
    from flowc.runner.command import Expr, decode_value, encode_value

    hostile = "s3://b/{{workflow.name}} {{=1+1}} $(HOME) $$x {% x %} 'q' \"d\" 100% ünï\\"
    argv = step_command(flow="F", code="c", step="start", run_id="r", datastore=hostile)
    carried = argv[argv.index("--datastore") + 1]
    assert not set(carried) & set("{}$()'\" \\")
    assert parse(argv).datastore == hostile
    assert encode_value("s3://bucket/some/prefix") == "s3://bucket/some/prefix"
    assert decode_value("s3://bucket/prefix") == "s3://bucket/prefix"
    # An engine expression that yields an encoded value is placed as written.
    argv = step_command(flow="F", code="c", step="s", run_id="r", datastore=Expr("{{workflow.parameters.d}}"))
    assert argv[argv.index("--datastore") + 1] == "{{workflow.parameters.d}}"
