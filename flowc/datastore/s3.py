"""The S3 datastore backend (boto3). Imported only for `s3://` roots, so local tasks never load boto3.

`FLOWC_S3_ENDPOINT_URL`, else boto3's own `AWS_ENDPOINT_URL`, points it at another S3 API (moto's
server in tests, MinIO, ...).
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from flowc.datastore.storage import NotFound, StorageError

_MISSING = {"404", "NoSuchKey", "NotFound"}


def _reason(exc: Exception) -> str:
    """An AWS error in one line: its code and message (NoSuchBucket: The specified bucket does not exist)."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'error')}: {err.get('Message', '')}".rstrip(": ")
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def endpoint_url() -> str | None:
    return os.environ.get("FLOWC_S3_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL") or None


class S3Storage:
    def __init__(self, root: str, client: Any = None) -> None:
        rest = root[len("s3://") :]
        self.bucket, _, prefix = rest.partition("/")
        if not self.bucket:
            raise ValueError(f"S3 datastore {root!r} names no bucket")
        self.prefix = prefix.strip("/")
        self.root = f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"
        self.client = client or boto3.client("s3", endpoint_url=endpoint_url())

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def get(self, key: str) -> bytes:
        try:
            resp = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise NotFound(key) from None
            raise StorageError(f"cannot read {self.url(key)}: {_reason(exc)}") from None
        except BotoCoreError as exc:
            raise StorageError(f"cannot read {self.url(key)}: {_reason(exc)}") from None
        data: bytes = resp["Body"].read()
        return data

    def put(self, key: str, data: bytes) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"cannot store {self.url(key)}: {_reason(exc)}") from None

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise StorageError(f"cannot read {self.url(key)}: {_reason(exc)}") from None
        except BotoCoreError as exc:
            raise StorageError(f"cannot read {self.url(key)}: {_reason(exc)}") from None
        return True

    def list_dirs(self, prefix: str) -> list[str]:
        """The names of the "folders" directly under `prefix`: one delimited listing, not every key."""
        inner = prefix.strip("/")
        full = self._key(f"{inner}/" if inner else "")
        names: list[str] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full, Delimiter="/")
        for page in pages:
            names.extend(p["Prefix"][len(full) :].rstrip("/") for p in page.get("CommonPrefixes", []))
        return sorted(names)

    def list(self, prefix: str) -> list[str]:
        # A prefix names a folder, as on the local backend: "F/runs" must not match "F/runsx/...".
        inner = prefix.strip("/")
        full = self._key(f"{inner}/" if inner else "")
        strip = len(self.prefix) + 1 if self.prefix else 0
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full):
            keys.extend(obj["Key"][strip:] for obj in page.get("Contents", []))
        return sorted(keys)

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"
