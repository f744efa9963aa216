"""Run cxmon against every case of :mod:`tests.shop3.matrix` and print what it reports today.

    python -m tests.shop3.survey [--only NAME] [--scenario tests/shop3/checkout.yml ...]

Each case gets a fresh shop (faults, controls) and one ``cxmon run`` per scenario file; the output
is a Markdown table: case, what cxmon reported (kind, step, stage of each failure and warning;
"pass"), and what issue 13 requires. Not part of the test suite: it shows the distance to the target.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.shop3.matrix import CASES, Case
from tests.shop3.server import Shop3Thread

HERE = Path(__file__).parent
DEFAULT_SCENARIOS = (HERE / "checkout.yml", HERE / "checkout-plain.yml")
# The console script next to this Python (a venv), else the one on PATH.
CXMON = (
    str(Path(sys.executable).with_name("cxmon"))
    if Path(sys.executable).with_name("cxmon").exists()
    else (shutil.which("cxmon") or "cxmon")
)


def run_case(case: Case, scenario: Path, workdir: Path) -> tuple[str, float]:
    """What cxmon reports for one case and scenario, and how long the run took."""
    with Shop3Thread(list(case.faults), case.pixel_delay_ms, case.noise) as shop:
        out = workdir / f"{scenario.stem}-{abs(hash(case.name))}.json"
        env = {**os.environ, **case.env, "SHOP3_URL": shop.url}
        started = time.monotonic()
        subprocess.run(
            [
                CXMON,
                "run",
                str(scenario),
                "--json",
                str(out),
                "--trace",
                "off",
                "--artifacts",
                str(workdir / "artifacts"),
                "--quiet",
            ],
            env=env,
            capture_output=True,
            timeout=300,
            check=False,
        )
        took = time.monotonic() - started
    journey = json.loads(out.read_text())["journeys"][0]
    reported = []
    for step in journey["steps"]:
        for finding in step["findings"]:
            mark = "" if finding["severity"] == "failure" else " (warning)"
            reported.append(f"`{finding['kind']}` {finding['step']}/{finding['stage']}{mark}: {finding['message']}")
    for finding in journey["findings"]:
        if finding not in [f for s in journey["steps"] for f in s["findings"]]:
            reported.append(f"`{finding['kind']}` {finding.get('step')}/{finding.get('stage')}: {finding['message']}")
    return ("; ".join(reported) or "pass") if journey["outcome"] != "pass" or reported else "pass", took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.shop3.survey")
    parser.add_argument("--only", action="append", default=[], help="run only the cases with this name")
    parser.add_argument("--scenario", action="append", type=Path, default=[])
    args = parser.parse_args(argv)
    scenarios = args.scenario or list(DEFAULT_SCENARIOS)
    print("| case | " + " | ".join(f"today ({s.name})" for s in scenarios) + " | required |")
    print("|---|" + "---|" * len(scenarios) + "---|")
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            if args.only and case.name not in args.only:
                continue
            today = [run_case(case, scenario, Path(tmp)) for scenario in scenarios]
            required = f"`{case.kind}` {case.step}/{case.stage}" if case.kind else "pass, no finding"
            cells = " | ".join(f"{text} ({took:.0f} s)" for text, took in today)
            print(f"| {case.name} | {cells} | {required} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
