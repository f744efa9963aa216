"""No secret value in anything a run leaves behind: terminal, logs, JSON, JUnit, HTML, metrics,
evidence files, and every member of every trace archive.

One failed card journey (the card number typed into the provider's iframe, then Pay covered),
with a token in a request header and in a URL, a basic-auth password, and a cleanup request that
carries its own secret token; and the IMAP passwords of confirmation e-mail checks. Every file
under the run's output folders is opened (zip archives member by member) and searched for each
secret, raw and URL-encoded.
"""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import yaml

from cxmon.demo import DemoShopThread
from tests.helpers import CXMON, after_purchase_scenario, demo_env, write_demo_scenario
from tests.integration.loopback_servers import recording_server

pytestmark = pytest.mark.browser

SECRETS = {
    "CARD_NUMBER": "4242424242424242",
    "SHOP_TOKEN": "tok-5f1c9a77e2",
    "SHOP_PASSWORD": "pw-b7d1e0c4",
    "CLEANUP_TOKEN": "cln-93aa0e1f5d",
}


def forms(secret: str) -> set[bytes]:
    return {f.encode() for f in (secret, quote(secret, safe=""), quote_plus(secret))}


def blobs(root: Path):
    """(name, bytes) of every file under ``root``, zip archives opened member by member."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        yield str(path), data
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    yield f"{path}!{member}", archive.read(member)


def test_no_secret_in_any_output_or_artifact(demo_shop, tmp_path: Path) -> None:
    demo_shop.faults.add("hidden_action:covered")
    scenarios = tmp_path / "in"
    scenarios.mkdir()
    path = write_demo_scenario(scenarios, methods=["card"], secrets=list(SECRETS))
    data = yaml.safe_load(path.read_text())
    data["steps"][0]["goto"] = "/?ref=${SHOP_TOKEN}"
    data["http"] = {
        "headers": {"X-Shop-Token": "${SHOP_TOKEN}"},
        "basic_auth": {"username": "monitor", "password": "${SHOP_PASSWORD}"},
    }
    out_dir = tmp_path / "out"
    with recording_server() as api:
        data["cleanup"] = {
            "run": "always", "method": "POST", "url": f"{api.url}/cancel?token=${{CLEANUP_TOKEN}}",
            "headers": {"Authorization": "Bearer ${CLEANUP_TOKEN}"}, "body": {"token": "${CLEANUP_TOKEN}"},
        }
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        done = subprocess.run(
            [CXMON, "-v", "run", str(path), "--step-timeout", "5s", "--trace", "on",
             "--artifacts", str(out_dir / "evidence"), "--json", str(out_dir / "run.json"),
             "--junit", str(out_dir / "junit.xml"), "--html", str(out_dir / "html"),
             "--textfile", str(out_dir / "cxmon.prom"), "--record-observations", str(out_dir / "observations")],
            capture_output=True, env={**os.environ, "NO_COLOR": "1", **demo_env(demo_shop), **SECRETS},
            timeout=180,
        )
        # The secrets did go out, where they belong: the cleanup request carried its token.
        [cleanup] = api.requests
        assert cleanup.headers["Authorization"] == f"Bearer {SECRETS['CLEANUP_TOKEN']}"
    assert done.returncode == 1, done.stdout.decode() + done.stderr.decode()
    (out_dir / "stdout.txt").write_bytes(done.stdout)
    (out_dir / "stderr.txt").write_bytes(done.stderr)

    found = list(blobs(out_dir))
    names = [n for n, _ in found]
    assert any(n.endswith("trace.zip") for n in names), names
    assert any(".trace" in n and "!" in n for n in names), names
    assert any(n.endswith("screenshot.png") for n in names), names
    assert any(n.endswith("01-home.yml") for n in names), names
    for required in ("run.json", "junit.xml", "index.html", "cxmon.prom", "stdout.txt", "stderr.txt"):
        assert any(n.endswith(required) for n in names), required
    assert b"***" in (out_dir / "run.json").read_bytes()
    leaks = [
        (name, variable)
        for name, blob in found
        for variable, secret in SECRETS.items()
        if any(form in blob for form in forms(secret))
    ]
    assert not leaks, leaks


IMAP_SECRETS = {"IMAP_PASSWORD": None, "IMAP_PASSWORD_WRONG": "imap-wrong-4d2c9e"}


def test_no_imap_password_in_any_output(mail_stack, tmp_path: Path) -> None:
    """Two journeys with an e-mail check: one logs in (its mail found and deleted), one is refused
    (cxmon's error, exit 3). Neither password is in the terminal, the reports or the metrics."""
    secrets = {**IMAP_SECRETS, "IMAP_PASSWORD": mail_stack.password}
    scenarios = tmp_path / "in"
    scenarios.mkdir()
    after_purchase_scenario(scenarios, mail_stack, name="mailed")
    after_purchase_scenario(scenarios, mail_stack, name="refused", password_variable="IMAP_PASSWORD_WRONG")
    out_dir = tmp_path / "out"
    with DemoShopThread(smtp=f"{mail_stack.smtp_host}:{mail_stack.smtp_port}") as shop:
        done = subprocess.run(
            [CXMON, "-v", "run", str(scenarios), "--step-timeout", "10s", "--trace", "on",
             "--artifacts", str(out_dir / "evidence"), "--json", str(out_dir / "run.json"),
             "--junit", str(out_dir / "junit.xml"), "--html", str(out_dir / "html"),
             "--textfile", str(out_dir / "cxmon.prom")],
            capture_output=True, env={**os.environ, "NO_COLOR": "1", **demo_env(shop), **secrets},
            timeout=300,
        )
    stderr = done.stderr.decode()
    assert done.returncode == 3, done.stdout.decode() + stderr  # no shop fault; cxmon could not check
    assert "wait  mailed[invoice]: waiting up to" in stderr and "for the confirmation e-mail for order DS-" in stderr
    (out_dir / "stdout.txt").write_bytes(done.stdout)
    (out_dir / "stderr.txt").write_bytes(done.stderr)
    report = json.loads((out_dir / "run.json").read_text())
    journeys = {j["labels"]["scenario"]: j for j in report["journeys"]}
    mailed, refused = journeys["mailed"], journeys["refused"]
    assert mailed["email"]["status"] == "received" and mailed["email"]["seconds"] is not None
    assert refused["outcome"] == "error" and refused["email"]["status"] == "error"
    assert "login refused" in refused["email"]["error"]
    # The found mail was deleted; the unread one of the refused login is still there.
    assert [m["To"] for m in mail_stack.messages()] == [f"synthetic+{refused['run_id']}@example.com"]
    leaks = [
        (name, variable)
        for name, blob in blobs(out_dir)
        for variable, secret in secrets.items()
        if any(form in blob for form in forms(secret))
    ]
    assert not leaks, leaks
