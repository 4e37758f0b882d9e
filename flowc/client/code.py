"""A run's code package as Metaflow's `MetaflowCode` gives it: the flow's source and its files."""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile

from flowc.client.reader import Reader
from flowc.datastore import layout
from flowc.datastore import package as code_package


class Code:
    """A run's code package (Metaflow's MetaflowCode): the flow's source and every file shipped with it."""

    def __init__(self, reader: Reader, code_id: str, data: bytes) -> None:
        self.id = code_id
        self._data = data
        self._reader = reader
        meta = json.loads(code_package.read_member(data, "meta.json"))
        self._script = str(meta["flow_file"])
        self._tarball: tarfile.TarFile | None = None

    @classmethod
    def _open(cls, reader: Reader, code_id: str | None) -> Code | None:
        if not code_id:
            return None
        try:
            return cls(reader, code_id, reader.store.get_code(code_id))
        except (KeyError, ValueError, OSError, tarfile.TarError):
            return None

    @property
    def path(self) -> str:
        return self._reader.store.storage.url(layout.code_key(self._reader.flow, self.id))

    @property
    def info(self) -> dict[str, str]:
        return {"script": self._script, "flow_name": self._reader.flow, "code_id": self.id}

    @property
    def script_name(self) -> str:
        return self._script

    @property
    def flowspec(self) -> str:
        """The flow file's source."""
        return code_package.read_member(self._data, f"code/{self._script}").decode()

    @property
    def tarball(self) -> tarfile.TarFile:
        """The whole package (`flow.json`, `meta.json`, `code/...`) as an open tar file."""
        if self._tarball is None:
            self._tarball = tarfile.open(fileobj=io.BytesIO(self._data), mode="r:gz")  # noqa: SIM115 (kept open)
        return self._tarball

    def extract(self) -> tempfile.TemporaryDirectory[str]:
        """The package's code (the `code/` folder) in a temporary directory, removed when it is cleaned up."""
        tmp = tempfile.TemporaryDirectory()
        with tempfile.TemporaryDirectory() as whole:
            code_package.extract(self._data, whole)
            src = os.path.join(whole, "code")
            for dirpath, _dirs, files in os.walk(src):
                for f in files:
                    rel = os.path.relpath(os.path.join(dirpath, f), src)
                    dest = os.path.join(tmp.name, rel)
                    os.makedirs(os.path.dirname(dest), exist_ok=True)
                    os.replace(os.path.join(dirpath, f), dest)
        return tmp

    def __str__(self) -> str:
        return f"<MetaflowCode: {self._script}>"

    __repr__ = __str__
