"""cxmon's side of the benchmark: the same purchase path as floor.py, run by cxmon's runner.

    python benchmarks/cxmon_run.py URL JOURNEYS CONCURRENCY [--no-detectors] [--no-identify] [--memory-every N]

--no-identify drops the identifying header (added in flight to every request for the shop, a
round trip through cxmon per request) and the User-Agent suffix, to measure what they cost.
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

import yaml

from cxmon.runner import Runner, RunOptions
from cxmon.scenario import load_scenario

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pss import tree_pss_kb

SCENARIO = Path(__file__).with_name("scenario.yml")


async def main(args: argparse.Namespace) -> int:
    env = {**os.environ, "DEMO_SHOP_URL": args.url}
    if args.no_identify:
        data = yaml.safe_load(SCENARIO.read_text())
        data["http"] = {"identify": {"header": None, "user_agent_suffix": ""}}
        with tempfile.TemporaryDirectory(prefix="cxmon-bench-") as tmp:
            path = Path(tmp) / SCENARIO.name
            path.write_text(yaml.safe_dump(data))
            [journey] = load_scenario(path, env=env).journeys()
    else:
        [journey] = load_scenario(SCENARIO, env=env).journeys()
    options = RunOptions(trace="off", artifacts_dir=None, detectors=[] if args.no_detectors else None)
    failures = 0
    async with Runner(options) as runner:
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
    parser.add_argument("--memory-every", type=int, default=0)
    sys.exit(asyncio.run(main(parser.parse_args())))
