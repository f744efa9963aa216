"""Clean journeys across the three test shops: a healthy shop must give no failure, ever.

    python benchmarks/clean_runs.py [--journeys 200] [--concurrency 2] [--out benchmarks/CLEAN.md]

Starts the demo shop, the second test shop (tests/shop2) and the third (tests/shop3) on free
loopback ports, with no faults, and walks their scenarios in turn — the demo scenario with each of
its payment methods, the second shop's path and both storefronts of the third shop — with every
detector on and the scenarios' own budgets, in one runner. Any failed journey is a false alarm
and is listed with its findings. ``make clean-runs`` runs 200; the suite runs a short count.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from itertools import cycle, islice
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cxmon.demo import DemoShopThread  # noqa: E402
from cxmon.model import JourneyResult, Outcome, Severity  # noqa: E402
from cxmon.runner import Runner, RunOptions  # noqa: E402
from cxmon.scenario import Journey, load_scenario  # noqa: E402
from tests.integration.test_second_shop import SCENARIO as SHOP2_SCENARIO  # noqa: E402
from tests.shop2.server import StaticShop  # noqa: E402
from tests.shop3.server import Shop3Thread  # noqa: E402


@dataclass
class CleanRuns:
    """What the clean journeys came to."""

    journeys: int = 0
    wall_seconds: float = 0.0
    by_shop: dict[str, collections.Counter[str]] = field(default_factory=dict)
    false_alarms: list[JourneyResult] = field(default_factory=list)
    warnings: collections.Counter[str] = field(default_factory=collections.Counter)


def _scenario(path: Path, workdir: Path, step_budget: str | None) -> Path:
    """``path`` itself, or a copy whose every step has ``step_budget`` (per-step budgets dropped)."""
    if step_budget is None:
        return path
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.setdefault("budgets", {})["step"] = step_budget
    for step in data["steps"]:
        step.pop("budget", None)
    copy = workdir / f"{path.parent.name}-{path.name}"
    copy.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return copy


@contextmanager
def shops_journeys(workdir: Path, step_budget: str | None = None) -> Iterator[list[tuple[str, Journey]]]:
    """The three shops, started clean, and one journey of each scenario and payment method.

    ``step_budget`` replaces the scenarios' step budgets (a loaded test machine must not make a
    healthy shop slow); ``None`` keeps them."""
    with ExitStack() as stack:
        demo = stack.enter_context(DemoShopThread())
        shop2 = stack.enter_context(StaticShop())
        shop3 = stack.enter_context(Shop3Thread())
        shop2.mode = "clean"
        (workdir / "nordic.yml").write_text(SHOP2_SCENARIO.format(url=shop2.url))
        env = {"DEMO_SHOP_URL": demo.url, "DEMO_PROVIDER_URL": demo.provider_url, "SHOP3_URL": shop3.url}
        files = [("demo", ROOT / "scenarios/demo-shop/checkout.yml"), ("shop2", workdir / "nordic.yml")]
        files += [("shop3", ROOT / "tests/shop3" / name) for name in ("checkout.yml", "checkout-de.yml")]
        yield [
            (shop, journey)
            for shop, path in files
            for journey in load_scenario(_scenario(path, workdir, step_budget), env=env).journeys()
        ]


def run_clean(count: int, concurrency: int = 2, step_budget: str | None = None) -> CleanRuns:
    """Walks ``count`` journeys round-robin over every clean shop's journeys."""
    out = CleanRuns()
    with tempfile.TemporaryDirectory() as tmp, shops_journeys(Path(tmp), step_budget) as journeys:
        planned = list(islice(cycle(journeys), count))
        shop_of = {j.key: shop for shop, j in journeys}
        t0 = time.monotonic()
        results = asyncio.run(_walk([j for _, j in planned], concurrency))
        out.wall_seconds = time.monotonic() - t0
    for result in results:
        shop = shop_of[result.key]
        out.by_shop.setdefault(shop, collections.Counter())[result.outcome.value] += 1
        out.journeys += 1
        if not result.outcome.passed:
            out.false_alarms.append(result)
        for finding in result.all_findings():
            if finding.severity is not Severity.FAILURE:
                out.warnings[finding.kind.value] += 1
    return out


async def _walk(journeys: list[Journey], concurrency: int) -> list[JourneyResult]:
    async with Runner(RunOptions(trace="off")) as runner:
        return await runner.run(journeys, concurrency)


def report(runs: CleanRuns) -> str:
    """The result as Markdown."""
    lines = [
        "# Clean journeys across the test shops",
        "",
        f"Machine: {platform.node() or 'unknown'}, {platform.machine()}, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. `make clean-runs` "
        "(`benchmarks/clean_runs.py`): every detector on, the scenarios' own budgets, no faults.",
        "",
        f"{runs.journeys} journeys in {runs.wall_seconds:.0f} s: **{len(runs.false_alarms)} failed**.",
        "",
        "| shop | journeys | pass | fail | error |",
        "|---|---|---|---|---|",
    ]
    for shop, counts in sorted(runs.by_shop.items()):
        lines.append(
            f"| {shop} | {sum(counts.values())} | {counts[Outcome.PASS.value]} | {counts[Outcome.FAIL.value]} "
            f"| {counts[Outcome.ERROR.value]} |"
        )
    if runs.warnings:
        lines += ["", "Warnings (reported, not failures): "
                  + ", ".join(f"{kind} × {n}" for kind, n in runs.warnings.most_common())]
    for result in runs.false_alarms:
        first = result.failures()[0] if result.failures() else None
        what = f"{first.kind.value} at {first.step}: {first.message}" if first else (result.error or "")
        lines.append(f"- {result.key.id}: {result.outcome.value}: {what}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--journeys", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    runs = run_clean(args.journeys, args.concurrency)
    text = report(runs)
    print(text)
    if args.out is not None:
        args.out.write_text(text)
    return 1 if runs.false_alarms else 0


if __name__ == "__main__":
    raise SystemExit(main())
