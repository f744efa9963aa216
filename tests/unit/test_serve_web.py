"""The web side of ``cxmon serve`` without a browser: listen addresses, evidence URLs, the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxmon.cli.serve import parse_listen
from cxmon.errors import InputError
from cxmon.exporters.results_page import JourneyStatus, render_results_page
from cxmon.model import Finding, JourneyKey, JourneyResult, Kind, Outcome, Stage
from cxmon.web.app import artifact_url


@pytest.mark.parametrize(("value", "expected"), [
    ("127.0.0.1:9464", ("127.0.0.1", 9464)),
    ("127.0.0.1:0", ("127.0.0.1", 0)),
    ("[::1]:9464", ("::1", 9464)),
    ("0.0.0.0:80", ("0.0.0.0", 80)),
])
def test_parse_listen(value: str, expected: tuple[str, int]) -> None:
    assert parse_listen(value) == expected


@pytest.mark.parametrize("value", ["9464", ":9464", "host:port", "127.0.0.1:70000"])
def test_parse_listen_rejects(value: str) -> None:
    with pytest.raises(InputError, match="--listen"):
        parse_listen(value)


def test_artifact_urls_only_inside_the_folder(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    (root / "j-1").mkdir(parents=True)
    (root / "j-1" / "screen shot.png").write_bytes(b"png")
    (tmp_path / "secret.txt").write_text("no")
    assert artifact_url(root, str(root / "j-1" / "screen shot.png")) == "/artifacts/j-1/screen%20shot.png"
    assert artifact_url(root, str(root / ".." / "secret.txt")) is None
    assert artifact_url(root, str(root / "j-1" / "gone.zip")) is None


def test_results_page_escapes_and_links(tmp_path: Path) -> None:
    key = JourneyKey("shop", "card")
    bad = JourneyResult(key, Outcome.FAIL, 1_700_000_000.0, 2.0, artifacts={"screenshot": "/ev/a.png"})
    bad.findings.append(Finding(Kind.ERROR_PAGE, "<script>alert(1)</script>", "pay", Stage.PAYMENT))
    page = render_results_page(
        [JourneyStatus(key, 60.0, history=[bad]), JourneyStatus(JourneyKey("shop", "invoice"), 60.0)],
        artifact_url=lambda p: "/artifacts/a.png",
    )
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'href="/artifacts/a.png"' in page
    assert "not run yet" in page and "error_page" in page


def test_results_page_escapes_journey_names_and_labels() -> None:
    key = JourneyKey("<b>shop</b>", "card&co", "iPhone \"13\"", "<lab>")
    run = JourneyResult(key, Outcome.FAIL, 1_700_000_000.0, 2.0, error="<img src=x onerror=alert(1)>",
                        artifacts={"trace": "/ev/t.zip"})
    page = render_results_page([JourneyStatus(key, 60.0, history=[run])],
                               artifact_url=lambda p: '/artifacts/t.zip?"><script>')
    assert "<b>shop</b>" not in page and "&lt;b&gt;shop&lt;/b&gt;" in page
    assert "card&amp;co" in page and "@&lt;lab&gt;" in page and "iPhone &#34;13&#34;" in page
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script>" not in page and 'href="/artifacts/t.zip?&#34;&gt;&lt;script&gt;"' in page
    # Both tables name the journey: the latest results and the recent failures.
    assert page.count("<code>&lt;b&gt;shop&lt;/b&gt;[card&amp;co,iPhone &#34;13&#34;]</code>") == 2


def test_results_page_says_when_nothing_failed_and_when_not_ready() -> None:
    page = render_results_page([], artifact_url=lambda p: None, ready=False, problems=["no scenarios loaded"],
                               now=1_700_000_000.0, refresh_seconds=30)
    assert '<meta http-equiv="refresh" content="30">' in page
    assert "2023-11-14 22:13:20 UTC · not ready" in page
    assert '<p style="color:#cf222e">no scenarios loaded</p>' in page
    assert '<p class="muted">none kept</p>' in page
