"""`flowc deploy --target airflow`: put the DAG file where Airflow reads it, and the code in the datastore.

The DAGs folder is a local path (a shared volume, a git-synced checkout) or `s3://bucket/prefix`
(managed Airflow such as MWAA, via boto3). The code package goes first, so a DAG never names a package
that is not there yet. A local file is replaced atomically (written beside it under a hidden name
Airflow does not parse, then renamed); an S3 object is replaced whole by one PUT. `--dry-run` reports
what would change, with a diff, and changes nothing.
"""

from __future__ import annotations

import argparse
import difflib
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol, TextIO

from flowc.ir import Flow
from flowc.target_api import OutputFile, TargetResult


class DagsFolder(Protocol):
    def read(self, name: str) -> str | None: ...

    def write(self, name: str, content: str) -> None: ...

    def describe(self, name: str) -> str: ...


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dags-folder",
        required=True,
        metavar="PATH",
        help="Airflow's DAGs folder: a local path or s3://bucket/prefix",
    )


def deploy(flow: Flow, result: TargetResult, args: argparse.Namespace, out: TextIO) -> int:
    dry_run = bool(getattr(args, "dry_run", False))
    folder = open_dags_folder(str(args.dags_folder))
    datastore = _datastore(args)
    if isinstance(folder, LocalDagsFolder) and not folder.root.is_dir():
        out.write(f"error: the DAGs folder {folder.root} does not exist\n")
        return 1
    if datastore:
        _publish_code(flow, str(datastore), dry_run, out)
    for f in result.files:
        _deploy_file(folder, f, dry_run, out)
    return 0


def _datastore(args: argparse.Namespace) -> str | None:
    """The --datastore the DAG was compiled with (a flag, or flowc.toml), resolved as `compile` does."""
    from flowc.targets.airflow import AirflowTarget

    from flowc.commands._common import target_options

    value = target_options(AirflowTarget(), args, str(args.path)).get("datastore")
    return str(value) if value else None


def _publish_code(flow: Flow, datastore: str, dry_run: bool, out: TextIO) -> None:
    from flowc.datastore.package import build_code_package
    from flowc.datastore.store import FlowDatastore

    package = build_code_package(flow, flow.file)
    if dry_run:
        out.write(f"would upload code package {package.id} to {datastore} (if not there yet)\n")
        return
    written = FlowDatastore.open(datastore, flow.name).put_code(package.id, package.data)
    state = "uploaded" if written else "already there:"
    out.write(f"{state} code package {package.id} in {datastore}\n")


def _deploy_file(folder: DagsFolder, f: OutputFile, dry_run: bool, out: TextIO) -> None:
    where = folder.describe(f.path)
    old = folder.read(f.path)
    if old == f.content:
        out.write(f"unchanged {where}\n")
        return
    if dry_run:
        if old is None:
            out.write(f"would create {where} ({len(f.content.splitlines())} lines)\n")
        else:
            out.write(f"would update {where}:\n")
            diff = difflib.unified_diff(
                old.splitlines(keepends=True), f.content.splitlines(keepends=True), "deployed", "new"
            )
            out.writelines(diff)
        return
    folder.write(f.path, f.content)
    out.write(f"{'created' if old is None else 'updated'} {where}\n")


class LocalDagsFolder:
    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def read(self, name: str) -> str | None:
        try:
            return (self.root / name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def write(self, name: str, content: str) -> None:
        target = self.root / name
        # A hidden name without the .py suffix: Airflow's DAG processor never parses a half-written file.
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def describe(self, name: str) -> str:
        return str(self.root / name)


class S3DagsFolder:
    def __init__(self, url: str, client: Any = None) -> None:
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3

            from flowc.datastore.s3 import endpoint_url

            self._client = boto3.client("s3", endpoint_url=endpoint_url())
        return self._client

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def read(self, name: str) -> str | None:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None
        return str(body.decode("utf-8"))

    def write(self, name: str, content: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self._key(name), Body=content.encode("utf-8"), ContentType="text/x-python"
        )

    def describe(self, name: str) -> str:
        return f"s3://{self.bucket}/{self._key(name)}"


def open_dags_folder(location: str) -> LocalDagsFolder | S3DagsFolder:
    if location.startswith("s3://"):
        return S3DagsFolder(location)
    return LocalDagsFolder(location)
