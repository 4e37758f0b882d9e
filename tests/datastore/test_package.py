"""Code packages are deterministic, self-contained and safe to unpack."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from flowc.compiler import analyze
from flowc.datastore.package import PackageError, build_code_package, extract
from flowc.ir import Flow

FLOW = """
from flowc import FlowSpec, IncludeFile, step
from helpers import double


class PkgFlow(FlowSpec):
    data = IncludeFile("data", default="inputs/data.txt")

    @step
    def start(self):
        self.x = double(1)
        self.next(self.end)

    @step
    def end(self):
        pass
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "flow.py").write_text(FLOW)
    (tmp_path / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "data.txt").write_text("hello\n")
    for skipped in ("__pycache__", ".git", "venv", "env2"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "junk.py").write_text("x = 1\n")
    (tmp_path / "env2" / "pyvenv.cfg").write_text("home = /usr\n")
    return tmp_path / "flow.py"


def flow_of(path: Path) -> Flow:
    analysis = analyze(path)
    assert analysis.flow is not None, analysis.diagnostics
    return analysis.flow


def test_the_package_holds_the_flow_its_modules_include_defaults_and_the_ir(project):
    package = build_code_package(flow_of(project), project)
    assert package.files == (
        "code/flow.py",
        "code/helpers.py",
        "code/inputs/data.txt",
        "flow.json",
        "meta.json",
    )
    with tarfile.open(fileobj=io.BytesIO(package.data)) as tar:
        ir = Flow.from_json(tar.extractfile("flow.json").read().decode())
    assert ir.name == "PkgFlow" and ir.file == "flow.py"


def test_same_source_same_bytes_whatever_the_file_times(project):
    first = build_code_package(flow_of(project), project)
    os.utime(project.parent / "helpers.py", (1, 1))
    assert build_code_package(flow_of(project), project) == first


def test_changing_a_sibling_module_changes_the_id(project):
    first = build_code_package(flow_of(project), project)
    (project.parent / "helpers.py").write_text("def double(x):\n    return x + x\n")
    assert build_code_package(flow_of(project), project).id != first.id


def test_extract_refuses_members_outside_the_target(tmp_path):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        info = tarfile.TarInfo("../evil.py")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ValueError, match="not a plain file inside it"):
        extract(raw.getvalue(), tmp_path / "out")
    assert not (tmp_path / "evil.py").exists()


def test_a_deployable_package_carries_flowcs_runner(project):
    from flowc.datastore.package import RUNTIME_DIR

    package = build_code_package(flow_of(project), project)
    with tarfile.open(fileobj=io.BytesIO(package.deployable)) as tar:
        names = tar.getnames()
    assert {"flow.json", "code/flow.py", "runtime/flowc/__init__.py", "runtime/flowc/runner/task.py"} <= set(names)
    # The compiler's parts stay out: a task never imports them.
    assert not any(n.startswith((f"{RUNTIME_DIR}flowc/analyzer/", f"{RUNTIME_DIR}flowc/targets/")) for n in names)
    assert not any(n.startswith(RUNTIME_DIR) for n in package.files)


def test_the_id_names_flowcs_release(project, monkeypatch):
    from flowc.datastore import package as package_mod

    first = build_code_package(flow_of(project), project).id
    monkeypatch.setattr(package_mod, "runtime_version", lambda: "99.0")
    assert build_code_package(flow_of(project), project).id != first


def test_a_link_inside_the_folder_is_packaged_as_the_file_it_points_to(project):
    (project.parent / "alias.py").symlink_to("helpers.py")
    package = build_code_package(flow_of(project), project)
    assert package.members["code/alias.py"] == (project.parent / "helpers.py").read_bytes()


def test_links_out_of_the_folder_or_to_nothing_are_refused_by_name(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.py"
    outside.write_text("TOKEN = 'not for the package'\n")
    (project.parent / "leak.py").symlink_to(outside)
    (project.parent / "gone.py").symlink_to(project.parent / "missing.py")
    with pytest.raises(PackageError) as caught:
        build_code_package(flow_of(project), project)
    message = str(caught.value)
    # Both in one message: every problem in one pass.
    assert f"leak.py is a symbolic link to {outside}, outside the flow's folder" in message
    assert "gone.py is a symbolic link to" in message and "which does not exist" in message


def test_flowc_run_names_the_link_in_one_line(project, tmp_path, capsys):
    from flowc.cli import main

    (project.parent / "leak.py").symlink_to("/etc/hostname")
    code = main(["run", str(project), "--datastore", str(tmp_path / "ds")])
    err = capsys.readouterr().err
    assert code == 2
    assert "leak.py is a symbolic link to /etc/hostname, outside the flow's folder" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
