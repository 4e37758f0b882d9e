"""`@card` / `--with card`: a default card per task, one static HTML file, read by `flowc card`, and
rendered by a real headless Chromium (Debian's package; .ci/setup.d/50-chromium.sh installs it; the
browser tests skip, saying so, where it is not installed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

FLOW = """\
from flowc import FlowSpec, Parameter, catch, step


class CardFlow(FlowSpec):
    rows = Parameter("rows", default=3)

    @step
    def start(self):
        self.items = list(range(self.rows))
        self.hostile = "</pre><script>document.title='pwned'</script><img src=x onerror=alert(1)>"
        self.next(self.square, foreach="items")

    @step
    def square(self):
        self.value = self.input * self.input
        self.next(self.join)

    @step
    def join(self, inputs):
        self.values = [i.value for i in inputs]
        self.blob = b"x" * (2 * 1024 * 1024)
        self.next(self.fragile)

    @catch(var="error")
    @step
    def fragile(self):
        raise ValueError("bad input")
        self.next(self.end)

    @step
    def end(self):
        self.total = sum(self.values)
"""


def flowc(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowc", *argv], cwd=cwd, capture_output=True, text=True, timeout=180, env=os.environ
    )


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("cards")
    (work / "flow.py").write_text(FLOW)
    proc = flowc("run", "flow.py", "--run-id", "c1", "--with", "card", "--param", "rows=4", cwd=work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    plain = flowc("run", "flow.py", "--run-id", "p1", cwd=work)
    assert plain.returncode == 0, plain.stderr
    return work


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    from html.parser import HTMLParser

    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collect().feed(html)
    return found


def card(work: Path, spec: str) -> str:
    proc = flowc("card", "get", "flow.py", spec, cwd=work)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_every_task_gets_one_static_card(work: Path) -> None:
    listed = flowc("card", "list", "flow.py", "c1", cwd=work)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == [
        "CardFlow/c1/end/_",
        "CardFlow/c1/fragile/_",
        "CardFlow/c1/join/_",
        *(f"CardFlow/c1/square/{i}" for i in range(4)),
        "CardFlow/c1/start/_",
    ]
    html = card(work, "c1/square/2")
    # Self-contained: no element that fetches or runs anything.
    tags = _tags(html)
    assert not [t for t, attrs in tags if t in ("script", "img", "link", "iframe", "object", "embed")]
    assert not [(t, a) for t, attrs in tags for a, v in attrs if a in ("src", "href") or a.startswith("on")]
    assert "CardFlow / c1 / square / 2" in html and 'class="node current"' in html


def test_a_card_shows_parameters_artifacts_timing_and_a_caught_error(work: Path) -> None:
    html = card(work, "c1/join")
    assert re.search(r'<td class="name">rows</td><td><pre>4</pre>', html)
    assert re.search(r'<td class="name">values</td><td>list</td>.*?<pre>\[0, 1, 4, 9\]</pre>', html, re.S)
    assert "2.0 MB: not shown" in html  # large artifacts are listed, not loaded
    assert "started" in html and "duration" in html
    fragile = card(work, "c1/fragile")
    assert "caught ValueError" in fragile and "ValueError: bad input" in fragile


def test_user_values_are_escaped(work: Path) -> None:
    html = card(work, "c1/start")
    assert "<script>document.title" not in html and "&lt;script&gt;document.title" in html


def test_a_run_without_cards_and_a_missing_card_say_so(work: Path) -> None:
    none = flowc("card", "list", "flow.py", "p1", cwd=work)
    assert none.returncode == 1 and "has no cards" in none.stderr
    missing = flowc("card", "view", "flow.py", "p1/start", "--no-open", cwd=work)
    assert missing.returncode == 1 and "give its step @card, or run with --with card" in missing.stderr
    several = flowc("card", "view", "flow.py", "c1/square", "--no-open", cwd=work)
    assert several.returncode == 2 and "has 4 tasks; name one: 0, 1, 2, 3" in several.stderr


def test_view_names_a_file_a_browser_opens(work: Path) -> None:
    proc = flowc("card", "view", "flow.py", "c1/end", "--no-open", cwd=work)
    assert proc.returncode == 0, proc.stderr
    url = proc.stdout.strip()
    assert url.startswith("file://") and url.endswith("/cards/end/_/default.html")
    assert Path(url[len("file://") :]).is_file()


def test_card_decorator_on_a_step_asks_for_its_card() -> None:
    from flowc import card as card_decorator
    from flowc.cards import wanted

    @card_decorator
    def with_card() -> None: ...

    def without() -> None: ...

    assert wanted(with_card, {}) and not wanted(without, {})
    assert wanted(without, {"FLOWC_CARD": "default"})


# -- a real browser ----------------------------------------------------------------------------------


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def browser(*args: str) -> subprocess.CompletedProcess[str]:
    exe = _chromium()
    if exe is None:
        pytest.skip("no Chromium installed (Debian: apt-get install chromium; .ci/setup.d/50-chromium.sh)")
    with tempfile.TemporaryDirectory() as profile:
        flags = [
            "--headless",
            "--no-sandbox",  # as root
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
        ]
        return subprocess.run([exe, *flags, *args], capture_output=True, text=True, timeout=120)


def test_chromium_renders_the_card_from_disk_without_a_server(work: Path, tmp_path: Path) -> None:
    url = flowc("card", "view", "flow.py", "c1/square/2", "--no-open", cwd=work).stdout.strip()
    dom = browser("--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = dom.stdout
    assert "<title>CardFlow / c1 / square / 2</title>" in text
    assert 'class="node current"' in text and ">square</text>" in text  # the graph, this step highlighted
    assert re.search(r'<td class="name">value</td><td>int</td>.*?<pre>4</pre>', text, re.S)

    shot = tmp_path / "card.png"
    taken = browser("--window-size=1100,1400", f"--screenshot={shot}", url)
    assert taken.returncode == 0, taken.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a page with content, not a blank one


def test_chromium_runs_no_script_from_a_hostile_value(work: Path) -> None:
    url = flowc("card", "view", "flow.py", "c1/start", "--no-open", cwd=work).stdout.strip()
    dom = browser("--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<title>CardFlow / c1 / start / _</title>" in dom.stdout  # not 'pwned'
    assert "<img" not in dom.stdout and "<script" not in dom.stdout


SOURCE_CARD = """\
from metaflow import FlowSpec, card, kubernetes, step


class SourceCardFlow(FlowSpec):
    @card(type="default", id="summary")
    @kubernetes(memory=2048, namespace="ml")
    @step
    def start(self):
        self.n = 7
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_card_written_in_the_source_makes_that_steps_card(tmp_path: Path) -> None:
    from flowc.compiler import analyze

    (tmp_path / "flow.py").write_text(SOURCE_CARD)
    # Accepted: what flowc does not apply of @card and @kubernetes is a warning each, not an error.
    a = analyze(tmp_path / "flow.py")
    assert a.flow is not None, a.diagnostics
    assert sorted((d.code, d.message) for d in a.diagnostics) == [
        ("FC309", "@card(id=...) is not applied by flowc"),
        ("FC309", "@kubernetes(namespace=...) is not applied by flowc"),
    ]
    assert a.flow.step("start").decorators.resources is not None
    proc = flowc("run", "flow.py", "--run-id", "s1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    listed = flowc("card", "list", "flow.py", "s1", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "start/_" in listed.stdout and "end/_" not in listed.stdout
    html = card(tmp_path, "s1/start")
    assert "SourceCardFlow" in html


def test_a_card_type_flowc_does_not_make_is_refused(tmp_path: Path) -> None:
    from flowc.compiler import analyze

    (tmp_path / "flow.py").write_text(SOURCE_CARD.replace('type="default"', 'type="blank"'))
    codes = [d.code for d in analyze(tmp_path / "flow.py").diagnostics]
    assert "FC302" in codes
