"""How fast a missing element is reported: time from the page's own load to the finding.

    python benchmarks/fail_fast.py [--runs 5] [--limit 15]

Starts the demo shop on a free loopback port and runs, RUNS times, a journey whose second step
opens the product page and clicks a button that is not on it, with a step limit of LIMIT seconds.
Prints, per run, the step's duration, the page's own load (its ``load`` event, from the step's
start) and the difference (time to the finding beyond the page's load), then the medians. The
target (issue 13): at most 3 s beyond the page's load, instead of the whole step limit.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

import yaml

from cxmon.demo import DemoShopThread
from cxmon.model import StepStatus
from cxmon.runner import Runner, RunOptions
from cxmon.scenario import load_scenario


def scenario(limit: float) -> dict[str, object]:
    return {
        "name": "fail-fast",
        "base_url": "${DEMO_SHOP_URL}",
        "timeouts": {"step": f"{limit:g}s"},
        "steps": [
            {"name": "home", "stage": "browse", "goto": "/", "expect": {"text": "Demo Shop"}},
            {
                "name": "product",
                "goto": "/product/trail-runner",
                "click": {"role": "button", "name": "Buy it twice"},
            },
        ],
    }


async def main(runs: int, limit: float) -> int:
    rows: list[tuple[float, float]] = []
    with DemoShopThread() as shop, tempfile.TemporaryDirectory(prefix="cxmon-failfast-") as tmp:
        path = Path(tmp) / "fail-fast.yml"
        path.write_text(yaml.safe_dump(scenario(limit), sort_keys=False))
        [journey] = load_scenario(path, env={"DEMO_SHOP_URL": shop.url}).journeys()
        async with Runner(RunOptions(trace="off", artifacts_dir=None)) as runner:
            for n in range(1, runs + 1):
                [result] = await runner.run([journey])
                step = result.steps[1]
                if step.status is not StepStatus.FAILED or not step.findings:
                    print(f"run {n}: expected a failed step with a finding, got {step.status.value}")
                    return 1
                load = step.timings.get("step_load", step.timings.get("step_usable", 0.0))
                rows.append((step.duration_seconds, load))
                print(
                    f"run {n}: finding after {step.duration_seconds:.2f} s, page load {load:.2f} s, "
                    f"beyond load {step.duration_seconds - load:.2f} s ({step.findings[0].kind.value})"
                )
    took = statistics.median(r[0] for r in rows)
    beyond = statistics.median(r[0] - r[1] for r in rows)
    print(
        f"median over {runs} runs: finding after {took:.2f} s, {beyond:.2f} s beyond the page's load "
        f"(step limit {limit:g} s)"
    )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--limit", type=float, default=15.0)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.runs, args.limit)))
