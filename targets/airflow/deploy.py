"""`flowc deploy --target airflow`: put the DAG file where Airflow reads it, and the code in the datastore.

The DAGs folder is Airflow's own unless `--dags-folder` says otherwise (`api.default_dags_folder`): a
local path (a shared volume, a git-synced checkout) or `s3://bucket/prefix` (managed Airflow such as
MWAA, via boto3). The code package goes first, so a DAG never names a package that is not there yet.
A local file is replaced atomically (written beside it under a hidden name Airflow does not parse,
then renamed) with the mode a plain open() gives (0644 under the usual umask), so an Airflow running
as another user can read it; an S3 object is replaced whole by one PUT.

`dry_run` reports what would change, with a diff when the folder can be read, and changes nothing;
it needs neither the folder nor credentials.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Protocol

from flowc.cloud import USAGE, CloudError
from flowc.ir import Flow
from flowc.target_api import OutputFile, TargetResult

from .api import default_dags_folder


class DagsFolder(Protocol):
    def read(self, name: str) -> str | None: ...

    def write(self, name: str, content: str) -> None: ...

    def remove(self, name: str) -> bool: ...

    def describe(self, name: str) -> str: ...

    def offline_reason(self) -> str | None: ...


def dags_folder_of(options: Mapping[str, Any]) -> str:
    return str(options.get("dags_folder") or default_dags_folder())


def deploy(flow: Flow, result: TargetResult, options: Mapping[str, Any], out: IO[str]) -> int:
    dry_run = bool(options.get("dry_run"))
    folder = open_dags_folder(dags_folder_of(options))
    datastore = options.get("datastore")
    if not datastore and not dry_run:
        raise CloudError(
            "deploying needs a datastore for the code package: pass --datastore, set FLOWC_DATASTORE, or put "
            "datastore = ... in flowc.toml",
            USAGE,
        )
    offline = folder.offline_reason()
    if offline and not dry_run:
        raise CloudError(offline)
    if offline:
        out.write(f"offline plan ({offline})\n")
    if datastore:
        _publish_code(flow, str(datastore), dry_run, out)
    else:
        out.write(
            "no datastore is bound: deploying needs --datastore (tasks would read the Airflow Variable "
            "flowc_datastore)\n"
        )
    for f in result.files:
        _deploy_file(folder, f, dry_run, offline is not None, out)
    if dry_run:
        out.write("dry run: nothing changed\n")
    return 0


def _publish_code(flow: Flow, datastore: str, dry_run: bool, out: IO[str]) -> None:
    from flowc.datastore.package import build_code_package, publish
    from flowc.datastore.store import FlowDatastore

    package = build_code_package(flow, flow.file)
    if dry_run:
        out.write(f"would upload code package {package.id} to {datastore} (unless it is there)\n")
        return
    if publish(FlowDatastore.open(datastore, flow.name), package):
        out.write(f"uploaded code package {package.id} to {datastore}\n")
    else:
        out.write(f"code package {package.id} is in {datastore} already\n")


def _deploy_file(folder: DagsFolder, f: OutputFile, dry_run: bool, offline: bool, out: IO[str]) -> None:
    where = folder.describe(f.path)
    if offline:
        out.write(f"would create or update {where} ({len(f.content.splitlines())} lines)\n")
        return
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
        self.root = Path(root).expanduser()

    def offline_reason(self) -> str | None:
        if self.root.is_dir():
            return None
        return f"the DAGs folder {self.root} does not exist: is Airflow set up here? (--dags-folder, AIRFLOW_HOME)"

    def read(self, name: str) -> str | None:
        try:
            return (self.root / name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def write(self, name: str, content: str) -> None:
        from flowc.commands._common import file_mode

        target = self.root / name
        # A hidden name without the .py suffix: Airflow's DAG processor never parses a half-written file.
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                os.fchmod(fh.fileno(), file_mode())
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def remove(self, name: str) -> bool:
        try:
            (self.root / name).unlink()
        except FileNotFoundError:
            return False
        return True

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

    def offline_reason(self) -> str | None:
        import boto3

        session = boto3.session.Session()
        if session.get_credentials() is None:
            return "no AWS credentials to read the S3 DAGs folder"
        return None

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

    def remove(self, name: str) -> bool:
        if self.read(name) is None:
            return False
        self.client.delete_object(Bucket=self.bucket, Key=self._key(name))
        return True

    def describe(self, name: str) -> str:
        return f"s3://{self.bucket}/{self._key(name)}"


def open_dags_folder(location: str) -> LocalDagsFolder | S3DagsFolder:
    if location.startswith("s3://"):
        return S3DagsFolder(location)
    return LocalDagsFolder(location)
