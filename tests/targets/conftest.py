"""Every target test compiles as the same user, so @project names (`user.<name>`) and goldens are stable."""

from __future__ import annotations

import pytest

from tests.conftest import DEPLOYER


@pytest.fixture(autouse=True)
def deployer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWC_USER", DEPLOYER)
