"""Errors from clouds and clusters, as one line each: what is missing or refused, and how to give it.

The lifecycle modules (deploy, trigger, status, delete of each target) raise `CloudError` for what
they find wrong themselves, and let the client libraries' own exceptions through; `explain` turns
either into a `CloudError`. Exit codes (docs/deploy.md): 2 when the user must give something
(a region, credentials, an option), 1 when the cloud refused or lacks something (a permission, a
bucket, a role, a queue, a namespace, an API server that does not answer).

The client libraries (botocore, kubernetes, urllib3, requests) are recognised by their exceptions'
names and attributes, so this module imports none of them.
"""

from __future__ import annotations

from typing import Any

USAGE = 2
FAILED = 1


class CloudError(Exception):
    """A problem with the cloud or cluster, already phrased for the user (one line)."""

    def __init__(self, message: str, exit_code: int = FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _names(exc: BaseException) -> set[str]:
    return {c.__name__ for c in type(exc).__mro__}


def _first_line(text: object) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= 300 else line[:297] + "..."


CONNECTION_ERRORS = frozenset(
    {"ConnectionError", "ConnectionRefusedError", "MaxRetryError", "NewConnectionError", "ConnectError", "Timeout"}
)


def is_connection_error(exc: BaseException) -> bool:
    """The service did not answer (refused, unreachable, timed out): not a refusal by the service."""
    return bool(_names(exc) & CONNECTION_ERRORS)


def explain(exc: BaseException, where: str = "") -> CloudError:
    """`exc` as a CloudError; unknown exceptions keep their type and first line."""
    if isinstance(exc, CloudError):
        return exc
    names = _names(exc)
    at = f" ({where})" if where else ""
    aws = _aws(exc, names, at)
    if aws is not None:
        return aws
    k8s = _kubernetes(exc, names, at)
    if k8s is not None:
        return k8s
    if names & CONNECTION_ERRORS:
        return CloudError(f"cannot reach {where or 'the service'}: {_first_line(exc)}")
    if isinstance(exc, OSError) and exc.strerror:
        return CloudError(f"{exc.strerror}: {exc.filename or where}")
    return CloudError(f"{type(exc).__name__}: {_first_line(exc)}{at}")


def _aws(exc: BaseException, names: set[str], at: str) -> CloudError | None:
    if "NoRegionError" in names:
        return CloudError(
            "no AWS region: pass --region, or set AWS_DEFAULT_REGION (or a region in ~/.aws/config)", USAGE
        )
    if "NoCredentialsError" in names or "PartialCredentialsError" in names:
        return CloudError(
            "no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a "
            "role provides them",
            USAGE,
        )
    if names & {"EndpointConnectionError", "ConnectTimeoutError"}:
        return CloudError(f"cannot reach AWS: {_first_line(exc)}")
    if "ClientError" not in names:
        return None
    error: dict[str, Any] = getattr(exc, "response", {}).get("Error", {})
    code = str(error.get("Code", ""))
    message = _first_line(error.get("Message", "")) or code
    operation = getattr(exc, "operation_name", "") or "the request"
    if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"):
        return CloudError(f"permission denied for {operation}{at}: {message}; grant it to the caller's role")
    if code in ("ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException"):
        return CloudError(f"the AWS credentials are not valid ({code}): refresh them", USAGE)
    if code == "NoSuchBucket":
        bucket = error.get("BucketName") or ""
        return CloudError(f"no S3 bucket {bucket}{at}: create it, or give another --datastore".replace("  ", " "))
    if code == "InvalidArn" or (code == "ValidationException" and "role" in message.lower()):
        return CloudError(f"{operation}: {message}{at}", USAGE)
    if code in ("StateMachineDoesNotExist", "ExecutionDoesNotExist", "ResourceNotFoundException", "NotFound"):
        return CloudError(f"{operation}: not found{at}: {message}")
    return CloudError(f"{operation} failed ({code}){at}: {message}")


def _kubernetes(exc: BaseException, names: set[str], at: str) -> CloudError | None:
    if "ConfigException" in names:
        return CloudError(
            f"no Kubernetes configuration: {_first_line(exc)}; set KUBECONFIG or pass --kube-context", USAGE
        )
    if "ApiException" not in names:
        return None
    status = getattr(exc, "status", None)
    reason = getattr(exc, "reason", "") or ""
    body = getattr(exc, "body", None)
    detail = _first_line(reason)
    try:
        import json

        detail = _first_line(json.loads(body).get("message") or reason) if body else detail
    except (ValueError, TypeError, AttributeError):
        pass
    if status in (0, None):
        return CloudError(f"cannot reach the Kubernetes API server{at}: {detail}")
    if status == 401:
        return CloudError(f"the Kubernetes API server refused the credentials{at}: {detail}", USAGE)
    if status == 403:
        return CloudError(f"permission denied by Kubernetes{at}: {detail}; grant the role the verbs it needs")
    if status == 404:
        return CloudError(f"not found on the cluster{at}: {detail}")
    return CloudError(f"the Kubernetes API server answered {status}{at}: {detail}")
