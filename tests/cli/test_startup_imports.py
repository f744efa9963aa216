"""Start-up cost: a command imports only what it needs (issue: performance).

Counting modules, not timing: `cxmon --version` must not load the browser driver, the web server,
the scenario schema or the report renderers, and `cxmon validate` needs the schema but not the
browser, the web server or the money and cron parsers of scenarios that do not use them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

HEAVY = ("playwright", "aiohttp", "jinja2", "prometheus_client", "imap_tools", "esprima", "babel",
         "price_parser", "croniter")

PROBE = """
import json, sys
from cxmon.cli import main
status = main(sys.argv[1:])
print(json.dumps({"status": status, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _modules(*argv: str) -> tuple[int, set[str]]:
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    answer = json.loads(proc.stderr.strip().splitlines()[-1])
    return answer["status"], {m.split(".")[0] for m in answer["modules"]} | set(answer["modules"])


def test_version_imports_neither_browser_nor_schema_nor_the_command_line() -> None:
    """`cxmon --version` alone is answered before the typer application (and every command's
    module) is built."""
    status, modules = _modules("--version")
    assert status == 0
    loaded = [m for m in (*HEAVY, "pydantic", "rich", "yaml", "typer", "asyncio", "cxmon.scenario", "cxmon.runner",
                          "cxmon.model", "cxmon.cli.root") if m in modules]
    assert loaded == []


def test_validate_imports_the_schema_but_not_the_browser(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yml"
    scenario.write_text("name: s\nbase_url: http://127.0.0.1:9\nsteps:\n  - {name: home, goto: /}\n")
    status, modules = _modules("validate", str(scenario))
    assert status == 0
    assert "cxmon.scenario" in modules
    assert [m for m in (*HEAVY, "asyncio", "cxmon.runner", "cxmon.exporters") if m in modules] == []


def test_run_imports_neither_mail_nor_serve_code(tmp_path: Path) -> None:
    """A run of a scenario without `email:` or maintenance windows loads no IMAP client, metrics
    registry or results-page templates (the shop is unreachable: the walk ends at once)."""
    scenario = tmp_path / "s.yml"
    scenario.write_text("name: s\nbase_url: http://127.0.0.1:9\nsteps:\n  - {name: home, goto: /}\n")
    status, modules = _modules("run", str(scenario), "--quiet", "--trace", "off", "--artifacts", str(tmp_path / "a"))
    assert status == 1
    assert "cxmon.runner" in modules
    unneeded = ("imap_tools", "jinja2", "prometheus_client", "aiohttp", "cxmon.scheduler")
    assert [m for m in unneeded if m in modules] == []
