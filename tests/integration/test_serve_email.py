"""A real ``cxmon serve`` process with one journey slot: a journey whose confirmation e-mail is
late frees the slot for other journeys, and its result, metrics and results page change when the
mail arrives. Demo shop → SMTP server → maildir → dovecot, all real processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cxmon.demo import DemoShopThread
from tests.helpers import IMAP_SECRET, after_purchase_scenario, demo_env, write_demo_scenario
from tests.integration.serve_process import start_serve, wait_for
from tests.mailstack import MailStack

pytestmark = pytest.mark.browser

LATE_MS = 20_000
"""Every order's mail is this late (no ``*N``: the plain journey's orders are mailed too)."""


def test_serve_does_not_hold_a_slot_while_the_email_is_late(mail_stack: MailStack, tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    path = after_purchase_scenario(folder, mail_stack, name="mailed", email={"timeout": "1s", "grace": "120s"})
    path.write_text(path.read_text().replace("schedule: 1m", "schedule: 10m"))
    write_demo_scenario(folder, name="plain", schedule="3s", budgets={"step": "20s", "journey": "120s"})
    with DemoShopThread(
        smtp=f"{mail_stack.smtp_host}:{mail_stack.smtp_port}", faults=[f"email_late:{LATE_MS}"]
    ) as shop:
        env = {**demo_env(shop), IMAP_SECRET: mail_stack.password}
        latest = tmp_path / "latest.json"
        with start_serve(tmp_path, [str(folder), "--concurrency", "1", "--json", str(latest)], env) as serve:
            serve.wait_ready(60)
            mailed = {"scenario": "mailed"}
            plain = {"scenario": "plain", "result": "pass"}

            def page() -> str:
                status, body = serve.get("/")
                assert status == 200
                return body.decode()

            wait_for("the mailed journey's e-mail pending", lambda: 'data-email="pending"' in page(), 90, log=serve.log)
            before = serve.value("cxmon_journey_runs_total", **plain) or 0
            # The only slot is free again: the plain journey runs while the e-mail is awaited.
            wait_for(
                "another plain pass",
                lambda: (serve.value("cxmon_journey_runs_total", **plain) or 0) > before,
                LATE_MS / 1000,
                log=serve.log,
            )
            assert 'data-email="pending"' in page()
            assert serve.value("cxmon_journey_runs_total", **mailed) == 0  # counted once the check is over

            wait_for(
                "the late e-mail",
                lambda: serve.value("cxmon_journey_runs_total", **mailed, result="fail"),
                90,
                log=serve.log,
            )
            assert 'data-email="late"' in page()
            assert serve.value("cxmon_confirmation_email_seconds_count", **mailed) == 1
            assert serve.value("cxmon_failures_total", **mailed, kind="confirmation_missing", step="confirmation") == 1

            def email_in_file() -> str | None:
                try:
                    report = json.loads(latest.read_text())
                except (OSError, ValueError):
                    return None
                found = [j["email"]["status"] for j in report["journeys"] if j["labels"]["scenario"] == "mailed"]
                return found[0] if found and found[0] != "pending" else None

            assert wait_for("the --json file with the e-mail's outcome", email_in_file, 30, log=serve.log) == "late"
            assert serve.stop() == 0, serve.log()
    assert mail_stack.password not in serve.log()
    assert "Traceback" not in serve.log(), serve.log()
