"""cxmon's side of the benchmark: the same purchase path as floor.py, run by cxmon's runner.

    python benchmarks/cxmon_run.py URL JOURNEYS CONCURRENCY [--static] [--trace MODE] [--artifacts DIR]
        [--no-detectors] [--no-identify] [--no-header] [--header] [--playwright-click] [--memory-every N]

Defaults are cxmon's: every detector, identification as a scenario states it by default, the
default trace mode, and evidence of failed journeys written to a temporary folder. --static walks
benchmarks/static_shop.py (scenario_static.yml). --no-identify drops all identification (User-Agent
suffix and header); --no-header keeps the User-Agent suffix only; --header adds the identifying
header (own origins, in flight). --playwright-click leaves every click and check to Playwright's own
action (the runner's previous way), for the A/B of the click at the probed point.
Exits 1 when a journey did not pass. With --memory-every N, prints the process tree's PSS (kB)
after every N journeys (for the flat-memory check over many journeys in one process).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

# As `cxmon run` starts: the browser launches first (cxmon.runner.browser imports Playwright only)
# while the rest of cxmon loads and the scenario is read in a worker thread.
from cxmon.runner.browser import EarlyStart

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pss import tree_pss_kb

if TYPE_CHECKING:
    from cxmon.runner import RunOptions
    from cxmon.scenario import Journey

HERE = Path(__file__).resolve().parent


def prepare(args: argparse.Namespace, tmp: str) -> tuple[Journey, RunOptions]:
    import yaml

    import cxmon.runner.actions as actions
    from cxmon.runner import RunOptions
    from cxmon.scenario import load_scenario

    if args.playwright_click:
        actions._AT_POINT = frozenset()
    env = {**os.environ, "DEMO_SHOP_URL": args.url}
    scenario = HERE / ("scenario_static.yml" if args.static else "scenario.yml")
    data: dict[str, Any] = yaml.safe_load(scenario.read_text())
    if args.no_identify:
        data["http"] = {"identify": {"header": None, "user_agent_suffix": ""}}
    elif args.no_header:
        data["http"] = {"identify": {"header": None}}
    elif args.header:
        data["http"] = {"identify": {"header": "X-Cxmon-Synthetic", "header_scope": "own"}}
    path = Path(tmp) / scenario.name
    path.write_text(yaml.safe_dump(data))
    [journey] = load_scenario(path, env=env).journeys()
    options = RunOptions(trace=args.trace or RunOptions.trace, artifacts_dir=Path(tmp) / "artifacts",
                         detectors=[] if args.no_detectors else None)
    return journey, options


async def main(args: argparse.Namespace) -> int:
    early = EarlyStart()
    with tempfile.TemporaryDirectory(prefix="cxmon-bench-") as tmp:
        try:
            journey, options = await asyncio.to_thread(prepare, args, tmp)
        except BaseException:
            await early.discard()
            raise
        return await walk(args, journey, options, early)


async def walk(args: argparse.Namespace, journey: Journey, options: RunOptions, early: EarlyStart) -> int:
    from cxmon.runner import Runner

    failures = 0
    runner = Runner(options)
    await runner.start(early)
    async with runner:
        done = 0
        batch = args.memory_every or args.journeys
        while done < args.journeys:
            n = min(batch, args.journeys - done)
            results = await runner.run([journey] * n, concurrency=args.concurrency)
            failures += sum(1 for r in results if not r.outcome.passed)
            done += n
            if args.memory_every:
                print(f"{done} {tree_pss_kb(os.getpid())}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("journeys", type=int)
    parser.add_argument("concurrency", type=int)
    parser.add_argument("--no-detectors", action="store_true")
    parser.add_argument("--no-identify", action="store_true")
    parser.add_argument("--header", action="store_true")
    parser.add_argument("--no-header", action="store_true")
    parser.add_argument("--static", action="store_true")
    parser.add_argument("--playwright-click", action="store_true")
    parser.add_argument("--trace", default=None)
    parser.add_argument("--memory-every", type=int, default=0)
    sys.exit(asyncio.run(main(parser.parse_args())))
