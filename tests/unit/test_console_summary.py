"""The terminal summary: one line per journey, the step table only for failed journeys (all with
``verbose``), compared with checked-in golden files.

Rewrite them on purpose with ``CXMON_UPDATE_GOLDEN=1 pytest tests/unit/test_console_summary.py``.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console

from cxmon.exporters.console import render_summary
from tests.unit.ci_sample import sample_run

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


def _render(verbose: bool) -> str:
    out = io.StringIO()
    console = Console(file=out, no_color=True, width=120, soft_wrap=True, force_terminal=False)
    render_summary(console, sample_run().journeys, verbose=verbose)
    return out.getvalue()


@pytest.mark.parametrize(("verbose", "golden"), [(False, "summary.txt"), (True, "summary-verbose.txt")])
def test_summary_matches_golden_file(verbose: bool, golden: str) -> None:
    text = _render(verbose)
    if os.environ.get("CXMON_UPDATE_GOLDEN"):
        (GOLDEN / golden).write_text(text, encoding="utf-8")
    assert text == (GOLDEN / golden).read_text(encoding="utf-8")


def test_compact_summary_has_one_line_per_journey_and_tables_only_for_failed_ones() -> None:
    run = sample_run()
    text = _render(False)
    first_lines = text.splitlines()[: len(run.journeys)]
    assert [line.split()[1] for line in first_lines] == [j.key.id for j in run.journeys]
    failed = [j.key.id for j in run.journeys if j.outcome.value in ("fail", "error") and j.steps]
    passed = [j.key.id for j in run.journeys if j.outcome.value in ("pass", "flaky")]
    assert failed and passed
    for jid in failed:
        assert f"\n{jid}\n" in text  # the table's title
    for jid in passed:
        assert f"\n{jid}\n" not in text
        assert f"\n{jid}\n" in _render(True)
