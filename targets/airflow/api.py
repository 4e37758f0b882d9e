"""Airflow's stable REST API (v1 on Airflow 2, v2 on Airflow 3) and where Airflow keeps its DAGs:
what deploy, trigger, status and delete share. Standard library HTTP (urllib), JSON in and out.

Authentication, in this order: a bearer token (`--airflow-token`); a user and password, sent as HTTP
basic auth to v1 (Airflow 2's `basic_auth` API backend) or exchanged for a token at `/auth/token`
on v2 (Airflow 3's simple auth manager; other auth managers issue tokens of their own, which
`--airflow-token` takes); else nothing (an API that lets anyone in). The API version is v2 when
`/api/v2/version` answers, else v1, unless `--airflow-api` says.
"""

from __future__ import annotations

import base64
import configparser
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowc.cloud import USAGE, CloudError
from flowc.target_api import TargetOption

API_VERSIONS = ("auto", "v1", "v2")
TIMEOUT_SECONDS = 30

DEPLOY_OPTIONS: tuple[TargetOption, ...] = (
    TargetOption(
        "dags-folder",
        "where Airflow reads DAG files: a folder or s3://bucket/prefix (default: Airflow's own: "
        "$AIRFLOW__CORE__DAGS_FOLDER, [core] dags_folder in $AIRFLOW_HOME/airflow.cfg, $AIRFLOW_HOME/dags)",
        environment=True,
    ),
    TargetOption(
        "airflow-url",
        "Airflow's API server (Airflow 3) or webserver (Airflow 2), e.g. http://localhost:8080: trigger, "
        "status, and delete of the DAG's records",
        environment=True,
    ),
    TargetOption("airflow-user", "user for Airflow's REST API", environment=True),
    TargetOption("airflow-password", "password for Airflow's REST API (better from the environment)", environment=True),
    TargetOption(
        "airflow-token", "a bearer token for Airflow's REST API, instead of user and password", environment=True
    ),
    TargetOption(
        "airflow-api",
        "the REST API version: v1 (Airflow 2), v2 (Airflow 3) or auto",
        default="auto",
        choices=API_VERSIONS,
    ),
)


def default_dags_folder(environ: Mapping[str, str] | None = None) -> str:
    """Airflow's own DAGs folder, found as Airflow finds it (environment, airflow.cfg, default)."""
    env = os.environ if environ is None else environ
    if env.get("AIRFLOW__CORE__DAGS_FOLDER"):
        return env["AIRFLOW__CORE__DAGS_FOLDER"]
    home = Path(env.get("AIRFLOW_HOME") or Path.home() / "airflow").expanduser()
    cfg = home / "airflow.cfg"
    if cfg.is_file():
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(cfg, encoding="utf-8")
            folder = parser.get("core", "dags_folder", fallback="")
        except configparser.Error:
            folder = ""
        if folder:
            return folder.replace("{AIRFLOW_HOME}", str(home))
    return str(home / "dags")


@dataclass
class AirflowApi:
    url: str
    user: str | None = None
    password: str | None = None
    token: str | None = None
    api: str = "auto"
    _version: str | None = field(default=None, repr=False)

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> AirflowApi:
        url = options.get("airflow_url")
        if not url:
            raise CloudError(
                "this needs Airflow's REST API: pass --airflow-url http://host:8080 (or FLOWC_AIRFLOW_URL)", USAGE
            )
        return cls(
            url=str(url).rstrip("/"),
            user=options.get("airflow_user") or None,
            password=options.get("airflow_password") or None,
            token=options.get("airflow_token") or None,
            api=str(options.get("airflow_api") or "auto"),
        )

    # -- HTTP ----------------------------------------------------------------------------------------

    def _send(self, method: str, path: str, body: Any = None, auth: str | None = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if auth:
            request.add_header("Authorization", auth)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw.strip() else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                detail = json.loads(raw)
            except ValueError:
                detail = raw.decode("utf-8", "replace")
            return exc.code, detail
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CloudError(f"cannot reach Airflow at {self.url}: {reason}") from None

    @property
    def version(self) -> str:
        if self._version is None:
            if self.api in ("v1", "v2"):
                self._version = self.api
            else:
                code, _ = self._send("GET", "/api/v2/version")
                self._version = "v2" if code in (200, 401, 403) else "v1"
        return self._version

    def _auth(self) -> str | None:
        if self.token:
            return f"Bearer {self.token}"
        if not self.user:
            return None
        if self.version == "v1":
            pair = f"{self.user}:{self.password or ''}".encode()
            return "Basic " + base64.b64encode(pair).decode()
        code, answer = self._send("POST", "/auth/token", {"username": self.user, "password": self.password or ""})
        if code not in (200, 201) or not isinstance(answer, dict) or "access_token" not in answer:
            raise CloudError(f"Airflow at {self.url} refused the user {self.user!r}: {_detail(answer)}", USAGE)
        self.token = str(answer["access_token"])
        return f"Bearer {self.token}"

    def call(self, method: str, path: str, body: Any = None, missing_ok: bool = False) -> Any:
        """`/api/<version><path>`; raises a one-line CloudError for an error answer (404 with
        `missing_ok` returns None)."""
        code, answer = self._send(method, f"/api/{self.version}{path}", body, self._auth())
        if code < 300:
            return answer
        if code == 404 and missing_ok:
            return None
        what = f"{method} {path}"
        if code == 401:
            raise CloudError(
                f"Airflow at {self.url} wants credentials ({what}): pass --airflow-user and FLOWC_AIRFLOW_PASSWORD, "
                "or --airflow-token",
                USAGE,
            )
        if code == 403:
            raise CloudError(f"permission denied by Airflow for {what}: {_detail(answer)}")
        raise CloudError(f"Airflow answered {code} to {what}: {_detail(answer)}")

    # -- what the lifecycle modules ask -------------------------------------------------------

    def dag(self, dag_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.call("GET", f"/dags/{_q(dag_id)}", missing_ok=True)
        return found

    def trigger(self, dag_id: str, conf: dict[str, Any], run_id: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"conf": conf}
        if run_id:
            body["dag_run_id"] = run_id
        if self.version == "v2":
            body["logical_date"] = None  # required, may be null: the run is for "now"
        run: dict[str, Any] = self.call("POST", f"/dags/{_q(dag_id)}/dagRuns", body)
        return run

    def dag_run(self, dag_id: str, run_id: str | None) -> dict[str, Any] | None:
        if run_id:
            found: dict[str, Any] | None = self.call("GET", f"/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}", missing_ok=True)
            return found
        order = "-run_after" if self.version == "v2" else "-execution_date"
        page = self.call("GET", f"/dags/{_q(dag_id)}/dagRuns?order_by={order}&limit=1") or {}
        runs = page.get("dag_runs") or []
        return runs[0] if runs else None

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        page = self.call("GET", f"/dags/{_q(dag_id)}/dagRuns/{_q(run_id)}/taskInstances?limit=1000") or {}
        items: list[dict[str, Any]] = page.get("task_instances") or []
        return items

    def delete_dag(self, dag_id: str) -> bool:
        """Delete the DAG's records (runs, task instances); False when Airflow has none."""
        return self.call("DELETE", f"/dags/{_q(dag_id)}", missing_ok=True) is not None or self.dag(dag_id) is None


def _q(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def _detail(answer: Any) -> str:
    if isinstance(answer, dict):
        detail = answer.get("detail") or answer.get("title") or answer
        if isinstance(detail, list):  # FastAPI's validation errors
            detail = "; ".join(str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail)
        answer = detail
    text = " ".join(str(answer).split())
    return text if len(text) <= 300 else text[:297] + "..."
