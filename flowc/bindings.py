"""Values of the environment a flow is deployed to, shared by the built-in targets: the options that
describe them and what each may look like.

Compiling needs none of them (docs/deploy.md): a target writes what it was given, or a runtime
parameter, or a documented default, and `flowc deploy` binds the rest. Each check returns a message for
a value the engines would misread, or None. The datastore may hold any text (it travels
percent-encoded: `flowc.runner.command.encode_value`); every other value lands in an engine's own field
(an image, a namespace, a role), so it is held to that field's grammar, which has no room for
template syntax (`{{`, `$(`, Jinja) either.
"""

from __future__ import annotations

import re

from flowc.target_api import TargetOption

# The image of tasks that do not name one: an official Python image. Tasks bootstrap themselves on it
# (flowc.runner.bootstrap), so it needs nothing of flowc.
DEFAULT_IMAGE = "python:3.12-slim"

DATASTORE = TargetOption(
    "datastore",
    "where tasks keep artifacts and code packages: s3://bucket/prefix (default: bound at deploy time)",
    environment=True,
)
BRANCH = TargetOption(
    "branch",
    "for a flow with @project: deploy on branch test.BRANCH (prod.BRANCH with --production) instead of user.<you>",
    environment=True,
)
PRODUCTION = TargetOption(
    "production",
    "for a flow with @project: deploy on the production branch (prod, or prod.BRANCH)",
    default=False,
    type=bool,
    environment=True,
)
PROJECT_OPTIONS = (BRANCH, PRODUCTION)


def image_option(what: str) -> TargetOption:
    return TargetOption(
        "image",
        f"container image of {what} without @image (default {DEFAULT_IMAGE}: tasks install what they need "
        "at start; `flowc image` writes a Dockerfile for a baked image)",
        default=DEFAULT_IMAGE,
        environment=True,
    )


# The reference grammar of container images (distribution/reference): [registry[:port]/]path[:tag][@digest].
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?/)"
_IMAGE = re.compile(
    rf"^{_DOMAIN}?{_COMPONENT}(?:/{_COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
)
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$")
_AWS_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$|^arn:aws[a-z-]*:batch:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_:/-]+$")
_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(?::[0-9]+)?(/[A-Za-z0-9._~/%:@+,=-]*)?$")


def image_problem(ref: str) -> str | None:
    if _IMAGE.match(ref) and len(ref) <= 4096:
        return None
    return (
        f"{ref!r} is not a container image reference ([registry/]name[:tag][@digest], name in lower case); "
        "engines would read template syntax in it"
    )


def datastore_problem(value: str, local_ok: bool = False) -> str | None:
    """A datastore the tasks can reach: s3://bucket[/prefix], or (`local_ok`) an absolute folder."""
    if "\x00" in value:
        return "the datastore contains a NUL character"
    if value.startswith("s3://"):
        bucket = value[5:].split("/", 1)[0]
        if not _BUCKET.match(bucket):
            return f"{bucket!r} is not an S3 bucket name (3-63 lower-case letters, digits, '.' and '-')"
        return None
    if local_ok and value.startswith("/"):
        return None
    want = "s3://bucket/prefix" + (" or an absolute folder every worker shares" if local_ok else "")
    return f"datastore {value!r}: expected {want}"


def dns_label_problem(what: str, value: str) -> str | None:
    if len(value) <= 63 and _DNS_LABEL.match(value):
        return None
    return f"{what} {value!r} must be a DNS label (at most 63 lower-case letters, digits and '-')"


def dns_subdomain_problem(what: str, value: str) -> str | None:
    if len(value) <= 253 and _DNS_SUBDOMAIN.match(value):
        return None
    return f"{what} {value!r} must be a DNS subdomain (lower-case letters, digits, '-' and '.')"


def role_arn_problem(what: str, value: str) -> str | None:
    if _ROLE_ARN.match(value):
        return None
    return f"{what} {value!r} is not an IAM role ARN (arn:aws:iam::123456789012:role/name)"


def aws_name_problem(what: str, value: str) -> str | None:
    if _AWS_NAME.match(value):
        return None
    return f"{what} {value!r} must be a name (letters, digits, '-' and '_') or an ARN"


def url_problem(what: str, value: str) -> str | None:
    if _URL.match(value):
        return None
    return f"{what} {value!r} is not an http(s) URL"
