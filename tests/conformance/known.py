"""The ONE table of known differences: (case pattern, executor pattern) -> "issue N: what differs".

Every entry is a strict xfail: the test must fail for the reason given. When a fix makes it pass,
the suite fails loudly ("XPASS(strict)") until whoever fixed it removes the entry here. Patterns are
fnmatch patterns over case ids (`metaflow-compat/11_parameter_default_none*`) and executor names.
Nothing else in the suite marks a difference as expected.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

FLOWC = "flowc-*"
ALL = "*"

KNOWN: dict[tuple[str, str], str] = {}


def known(case_id: str, executor: str) -> str | None:
    """The reason this (case, executor) is known to differ, or None."""
    for (case_pat, exec_pat), reason in KNOWN.items():
        if fnmatchcase(case_id, case_pat) and fnmatchcase(executor, exec_pat):
            return reason
    return None
