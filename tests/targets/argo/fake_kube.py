"""A stand-in for the Kubernetes API server, for Argo's custom resources: what the deploy, trigger,
status and delete tests talk to with the official Python client (no cluster can run here).

It serves `/apis/<group>/<version>/namespaces/<ns>/<plural>[/<name>]` over HTTP on loopback, and
answers the way the API server does for custom objects, as far as flowc uses it:

- GET, LIST (with `labelSelector` equality terms), POST (with `generateName`), PUT, DELETE;
- `metadata.uid`, `resourceVersion` (one counter for the server), `creationTimestamp`, `generation`;
- PUT without `resourceVersion` is 422 Invalid, with a stale one 409 Conflict; POST of an existing
  name is 409 AlreadyExists; names must be DNS subdomains (422);
- errors are `Status` objects (`kind: Status`, `reason`, `details` naming the resource) as Kubernetes
  sends them; a resource of an API group nobody installed is the router's plain `404 page not found`;
  creating in a namespace that does not exist is 404 `namespaces "x" not found`;
- a bearer token is required (401 otherwise); `forbid` makes a verb on a resource 403 Forbidden.

Not modelled: Argo's controller (nothing runs: tests set a workflow's `status` by hand, as the
controller would), admission webhooks, watches, field selectors, server-side apply, CRD schemas.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import yaml

TOKEN = "fake-token"
SERVED = {("argoproj.io", "v1alpha1"): {"workflowtemplates", "cronworkflows", "workflows"}}
KINDS = {"workflowtemplates": "WorkflowTemplate", "cronworkflows": "CronWorkflow", "workflows": "Workflow"}
_PATH = re.compile(r"^/apis/([^/]+)/([^/]+)/namespaces/([^/]+)/([^/]+)(?:/([^/]+))?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


@dataclass
class FakeKube:
    namespaces: set[str] = field(default_factory=lambda: {"default", "ml"})
    served: dict[tuple[str, str], set[str]] = field(default_factory=lambda: {k: set(v) for k, v in SERVED.items()})
    forbid: set[tuple[str, str]] = field(default_factory=set)  # (verb, plural)
    objects: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)  # (plural, ns, name)
    requests: list[tuple[str, str]] = field(default_factory=list)
    _versions: Any = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    # -- what tests use ------------------------------------------------------------------------

    def kubeconfig(self, folder: Path, namespace: str = "default", token: str = TOKEN) -> Path:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "tester", "user": {"token": token}}],
            "contexts": [
                {"name": "fake", "context": {"cluster": "fake", "user": "tester", "namespace": namespace}},
                {"name": "fake-ml", "context": {"cluster": "fake", "user": "tester", "namespace": "ml"}},
            ],
            "current-context": "fake",
        }
        path = folder / "kubeconfig"
        path.write_text(yaml.safe_dump(config))
        return path

    def get(self, plural: str, ns: str, name: str) -> dict[str, Any] | None:
        return self.objects.get((plural, ns, name))

    def names(self, plural: str, ns: str | None = None) -> list[str]:
        return sorted(n for p, s, n in self.objects if p == plural and (ns is None or s == ns))

    def set_status(self, ns: str, name: str, status: dict[str, Any]) -> None:
        """What Argo's controller would do to a Workflow as it runs."""
        with self._lock:
            self.objects[("workflows", ns, name)]["status"] = status

    # -- the API ---------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, token: str | None
    ) -> tuple[int, Any]:
        self.requests.append((method, path))
        if token != TOKEN:
            return 401, status(401, "Unauthorized", "Unauthorized")
        m = _PATH.match(path)
        if m is None or m.group(4) not in self.served.get((m.group(1), m.group(2)), set()):
            return 404, "404 page not found\n"
        group, _version, ns, plural, name = m.groups()
        verb = {"GET": "get" if name else "list", "POST": "create", "PUT": "update", "DELETE": "delete"}[method]
        resource = f"{plural}.{group}"
        if (verb, plural) in self.forbid:
            message = (
                f'{resource} is forbidden: User "tester" cannot {verb} resource "{plural}" in API group '
                f'"{group}" in the namespace "{ns}"'
            )
            return 403, status(403, "Forbidden", message, {"group": group, "kind": plural, "name": name})
        with self._lock:
            if method == "GET" and name is None:
                return 200, self._list(plural, ns, query)
            if method == "POST":
                return self._create(group, plural, ns, body)
            key = (plural, ns, name or "")
            live = self.objects.get(key)
            if live is None:
                return 404, _not_found(group, plural, name or "")
            if method == "GET":
                return 200, live
            if method == "PUT":
                return self._replace(group, plural, key, live, body)
            del self.objects[key]
            return 200, {**live, "metadata": {**live["metadata"], "deletionTimestamp": _now()}}

    def _list(self, plural: str, ns: str, query: dict[str, list[str]]) -> dict[str, Any]:
        terms = [t.split("=", 1) for t in (query.get("labelSelector") or [""])[0].split(",") if "=" in t]
        items = [
            o
            for (p, s, _), o in sorted(self.objects.items())
            if p == plural and s == ns and all(o["metadata"].get("labels", {}).get(k) == v for k, v in terms)
        ]
        return {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": f"{KINDS[plural]}List",
            "items": items,
            "metadata": {"resourceVersion": str(next(self._versions))},
        }

    def _create(self, group: str, plural: str, ns: str, body: dict[str, Any]) -> tuple[int, Any]:
        if ns not in self.namespaces:
            return 404, status(404, "NotFound", f'namespaces "{ns}" not found', {"name": ns, "kind": "namespaces"})
        meta = dict(body.get("metadata") or {})
        name = meta.get("name") or (
            meta.get("generateName", "") + uuid.uuid4().hex[:5] if meta.get("generateName") else ""
        )
        if not name or len(name) > 253 or not _SUBDOMAIN.match(name):
            return 422, status(
                422, "Invalid", f'{KINDS[plural]}.{group} "{name}" is invalid: metadata.name: Invalid value'
            )
        if (plural, ns, name) in self.objects:
            return 409, status(
                409,
                "AlreadyExists",
                f'{plural}.{group} "{name}" already exists',
                {"name": name, "group": group, "kind": plural},
            )
        meta.update(
            name=name,
            namespace=ns,
            uid=str(uuid.uuid4()),
            resourceVersion=str(next(self._versions)),
            creationTimestamp=_now(),
            generation=1,
        )
        meta.pop("generateName", None)
        obj = {**body, "metadata": meta}
        self.objects[(plural, ns, name)] = obj
        return 201, obj

    def _replace(
        self, group: str, plural: str, key: tuple[str, str, str], live: dict[str, Any], body: dict[str, Any]
    ) -> tuple[int, Any]:
        version = (body.get("metadata") or {}).get("resourceVersion")
        name = key[2]
        if not version:
            return 422, status(
                422,
                "Invalid",
                f'{KINDS[plural]}.{group} "{name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: '
                "must be specified for an update",
            )
        if version != live["metadata"]["resourceVersion"]:
            return 409, status(
                409,
                "Conflict",
                f'Operation cannot be fulfilled on {plural}.{group} "{name}": the object has been modified; '
                "please apply your changes to the latest version and try again",
                {"name": name, "group": group, "kind": plural},
            )
        meta = {
            **body["metadata"],
            "uid": live["metadata"]["uid"],
            "creationTimestamp": live["metadata"]["creationTimestamp"],
            "namespace": key[1],
            "resourceVersion": str(next(self._versions)),
            "generation": live["metadata"]["generation"] + 1,
        }
        obj = {**body, "metadata": meta}
        self.objects[key] = obj
        return 200, obj


def status(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        out["details"] = {k: v for k, v in details.items() if v}
    return out


def _not_found(group: str, plural: str, name: str) -> dict[str, Any]:
    return status(
        404, "NotFound", f'{plural}.{group} "{name}" not found', {"name": name, "group": group, "kind": plural}
    )


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def serve(fake: FakeKube) -> ThreadingHTTPServer:
    """Start `fake` on a free loopback port (in a thread); sets `fake.url`. Stop with `.shutdown()`."""

    class Handler(BaseHTTPRequestHandler):
        def _do(self) -> None:
            parsed = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            auth = self.headers.get("Authorization", "")
            token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else None
            code, answer = fake.handle(self.command, parsed.path, parse_qs(parsed.query), body, token)
            data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain" if isinstance(answer, str) else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _do

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
