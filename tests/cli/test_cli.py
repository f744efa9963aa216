"""The cxmon command as users and CI jobs call it: real subprocesses, exit codes and output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.helpers import CXMON, ROOT, demo_env, write_demo_scenario


def cxmon(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([CXMON, *args], capture_output=True, text=True, env=full_env, timeout=timeout, cwd=ROOT)


def test_version() -> None:
    out = cxmon("--version")
    assert out.returncode == 0
    assert out.stdout.startswith("cxmon ")


def test_starting_the_cli_does_not_load_the_browser_driver() -> None:
    # Every command would pay for it, --version and validate included.
    code = "import sys, cxmon.cli; print(sorted(m for m in sys.modules if m.split('.')[0] == 'playwright'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_trace_help_names_the_runners_trace_modes() -> None:
    import typer

    from cxmon.cli import app
    from cxmon.runner.engine import TRACE_MODES

    run = typer.main.get_command(app).commands["run"]  # type: ignore[attr-defined]
    (trace,) = [p for p in run.params if "--trace" in p.opts]
    modes = trace.help.removeprefix("Playwright trace:").split(".")[0]  # the first sentence lists them
    listed = re.split(r",\s*|\s+or\s+", modes.strip())
    assert sorted(listed) == sorted(TRACE_MODES)


def test_validate_shipped_scenarios() -> None:
    out = cxmon("validate", "scenarios/")
    assert out.returncode == 0, out.stderr
    assert "scenarios/demo-shop/checkout.yml: ok (demo-checkout, 7 steps, 4 journeys)" in out.stdout


def test_schema_is_valid_json_schema_and_accepts_the_demo_scenario() -> None:
    out = cxmon("schema")
    assert out.returncode == 0
    schema = json.loads(out.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    for scenario in sorted((ROOT / "scenarios" / "demo-shop").glob("*.yml")):
        jsonschema.validate(yaml.safe_load(scenario.read_text(encoding="utf-8")), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "base_url": "http://x", "steps": [{"name": "a", "clik": 1}]}, schema)


def test_list_shows_the_matrix() -> None:
    out = cxmon("list", "scenarios/demo-shop", "--location", "helsinki")
    assert out.returncode == 0
    for method in ("card", "invoice", "instalments", "mobile_pay"):
        assert f"demo-checkout[{method}]" in out.stdout
    assert "demo-markets[fi,mobile_pay]" in out.stdout and "demo-markets[sv,instalments]" in out.stdout
    assert "helsinki" in out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "no/such/dir"], "error: no/such/dir: no such file or folder"),
        (["run", "tests/unit/testdata/invalid-unknown-key.yml"],
         "error: tests/unit/testdata/invalid-unknown-key.yml:6: steps[0].clik: unknown key 'clik'"),
        (["validate", "tests/unit/testdata/invalid-yaml.yml"],
         "error: tests/unit/testdata/invalid-yaml.yml:6: invalid YAML"),
        (["run", "scenarios/", "--no-such-flag"], "No such option: --no-such-flag"),
        (["run", "scenarios/", "--base-url", "ftp://x"], "error: --base-url: expected an http:// or https:// URL"),
        (["run", "scenarios/", "--trace", "sometimes"],
         "error: --trace: expected on-retry, retain-on-failure, full-on-failure, on or off"),
        (["demo-shop", "--fault", "error_page@nowhere"], "error: --fault:"),
        (["demo-shop", "--smtp", "mail.example"],
         "error: --smtp: expected HOST:PORT for the SMTP server, got 'mail.example'"),
        (["validate", "tests/unit/testdata/after-purchase/invalid-email-password.yml"],
         "invalid-email-password.yml:8: email.password: expected a secret variable"),
    ],
)
def test_bad_input_exits_2_without_traceback(args: list[str], message: str) -> None:
    out = cxmon(*args)
    assert out.returncode == 2, out
    assert message in out.stderr
    assert "Traceback" not in out.stderr + out.stdout


def test_no_browser_exits_3_with_a_hint() -> None:
    out = cxmon("run", "scenarios/demo-shop", env={"CXMON_BROWSER": "/nonexistent/chromium"})
    assert out.returncode == 3, out
    assert "CXMON_BROWSER=/nonexistent/chromium is not an executable browser" in out.stderr
    assert "apt-get install chromium" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.browser
def test_demo_scenarios_pass_against_a_clean_shop(demo_shop, tmp_path: Path) -> None:
    out = cxmon("run", "scenarios/demo-shop", "--base-url", demo_shop.url, "--json", str(tmp_path / "r.json"),
                env=demo_env(demo_shop))
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"] == {"pass": 6, "fail": 0, "flaky": 0, "error": 0, "maintenance": 0}
    labels = {(j["labels"]["market"], j["labels"]["payment_method"]) for j in report["journeys"]}
    assert labels == {("default", "card"), ("default", "invoice"), ("default", "instalments"),
                      ("default", "mobile_pay"), ("fi", "mobile_pay"), ("sv", "instalments")}
    assert all(j["order_number"] for j in report["journeys"])


@pytest.mark.browser
@pytest.mark.parametrize(
    ("fault", "method", "line"),
    [
        ("error_page", "invoice", "demo-checkout[invoice]: error_page at checkout (checkout): the page "),
        ("hidden_action:hidden", "invoice", 'demo-checkout[invoice]: hidden_action at pay (payment): button "Pay now" '
         "is not visible"),
        ("hidden_action:covered", "invoice", 'demo-checkout[invoice]: hidden_action at pay (payment): button "Pay now" '
         "is covered by another element: div#promo-overlay"),
        ("hidden_action:disabled", "invoice", 'demo-checkout[invoice]: hidden_action at pay (payment): button '
         '"Pay now" is disabled'),
        ("payment_rejected:mobile_pay", "mobile_pay", "demo-checkout[mobile_pay]: payment_rejected at pay (payment): "
         "mobile_pay payment was declined"),
        ("confirmation_missing", "invoice", "demo-checkout[invoice]: confirmation_missing at confirmation "
         "(confirmation): no order confirmation"),
        ("validation_error", "invoice", 'demo-checkout[invoice]: validation_error at address (checkout): the shop '
         'rejected Email: "Please enter a valid email address."'),
    ],
)
def test_fault_fails_the_run_with_one_line_per_finding(fault, method, line, demo_shop, tmp_path: Path) -> None:
    demo_shop.faults.add(fault)
    path = write_demo_scenario(tmp_path, methods=[method])
    out = cxmon("run", str(path), "--step-timeout", "5s", "--artifacts", str(tmp_path / "evidence"),
                "--trace", "off", env=demo_env(demo_shop))
    assert out.returncode == 1, out.stdout + out.stderr
    assert line in out.stdout, out.stdout


@pytest.mark.browser
def test_secret_never_reaches_terminal_or_json(demo_shop, tmp_path: Path) -> None:
    token = "tok-5f1c9a77e2"
    demo_shop.faults.add("error_page@browse")
    path = write_demo_scenario(tmp_path, secrets=["CARD_NUMBER", "SHOP_TOKEN"])
    data = yaml.safe_load(path.read_text())
    data["steps"][0]["goto"] = "/?ref=${SHOP_TOKEN}"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    out = cxmon("run", str(path), "--json", str(tmp_path / "r.json"), "--artifacts", str(tmp_path / "ev"),
                env={**demo_env(demo_shop), "SHOP_TOKEN": token})
    assert out.returncode == 1
    assert "ref=***" in out.stdout, out.stdout
    for text in (out.stdout, out.stderr, (tmp_path / "r.json").read_text()):
        assert token not in text


@pytest.mark.browser
def test_recorded_observations_replay_to_the_run_s_findings(demo_shop, tmp_path: Path) -> None:
    from cxmon.detectors import DetectorSet
    from cxmon.detectors.base import Unusable
    from cxmon.detectors.recording import load_recording

    demo_shop.faults.add("hidden_action:covered")
    path = write_demo_scenario(tmp_path, methods=["invoice"])
    out = cxmon("run", str(path), "--step-timeout", "5s", "--trace", "off", "--artifacts", str(tmp_path / "ev"),
                "--record-observations", str(tmp_path / "obs"), env=demo_env(demo_shop))
    assert out.returncode == 1, out.stdout + out.stderr
    files = sorted((tmp_path / "obs" / "demo-checkout-invoice").glob("*.yml"))
    assert [f.name for f in files] == ["01-home.yml", "02-product.yml", "03-add-to-cart.yml", "04-checkout.yml",
                                       "05-address.yml", "06-pay.yml"]
    assert all(load_recording(f).findings == [] for f in files[:-1])
    pay = load_recording(files[-1])
    assert pay.journey == "demo-checkout[invoice]"
    assert pay.observation.action_failure is not None and pay.observation.action_failure.probe is not None
    assert pay.observation.action_failure.probe.reason is Unusable.COVERED
    assert [f["kind"] for f in pay.findings] == ["hidden_action"]
    assert [f.to_dict() for f in DetectorSet().detect(pay.observation, pay.config)] == pay.findings


def test_list_expands_methods_and_devices(tmp_path: Path) -> None:
    path = write_demo_scenario(tmp_path, methods=["card", "invoice"], devices=["Desktop Chrome", "iPhone 13"])
    out = cxmon("list", str(path), "--location", "oulu")
    assert out.returncode == 0, out.stderr
    rows = [line for line in out.stdout.splitlines() if "demo-checkout[" in line]
    assert len(rows) == 4
    for method in ("card", "invoice"):
        for device in ("Desktop Chrome", "iPhone 13"):
            row = next(r for r in rows if f"demo-checkout[{method},{device}]" in r)
            cells = [c.strip() for c in row.strip("│ ").split("│")]
            assert cells[1:6] == ["demo-checkout", method, device, "oulu", "default"]


def test_unknown_device_is_bad_input(tmp_path: Path) -> None:
    path = write_demo_scenario(tmp_path, devices=["iPhone 99"])
    out = cxmon("validate", str(path))
    assert out.returncode == 2
    assert f"{path}:" in out.stderr and "unknown device 'iPhone 99'" in out.stderr
