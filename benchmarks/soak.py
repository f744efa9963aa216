"""Soak: ``cxmon serve`` against the demo shop for many journeys, faults toggled on and off.

Measures the proportional set size (PSS) of the cxmon process and of its browser tree (the
Playwright driver and every Chromium process) after a warm-up and at the end, scrapes ``/metrics``
all along (every scrape must answer 200, also while journeys run), and after SIGTERM checks that
no process of the tree is left behind. Run standalone::

    .venv/bin/python benchmarks/soak.py --journeys 300 --out benchmarks/SOAK.md

Exit status 0 when the tree left no orphan, every scrape answered and PSS grew less than
``--max-growth`` percent (default 5) between the warm-up and the end; 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.pss import pss_kb, tree  # noqa: E402
from cxmon.demo import DemoShopThread  # noqa: E402

CXMON = str(Path(sys.executable).parent / "cxmon")  # the cxmon installed with this Python
TOGGLE_EVERY = 5
FAULTS = ("error_page", "hidden_action:covered", "payment_rejected:invoice", "validation_error", "error_page@browse")


@dataclass
class SoakResult:
    journeys: int = 0
    runs: dict[str, float] = field(default_factory=dict)
    scrapes: int = 0
    scrapes_during_runs: int = 0
    failed_scrapes: list[str] = field(default_factory=list)
    max_scrape_seconds: float = 0.0
    cxmon_pss_kb: list[tuple[int, int]] = field(default_factory=list)
    """(journeys done, PSS kB) samples of the cxmon process."""
    browser_pss_kb: list[tuple[int, int]] = field(default_factory=list)
    """(journeys done, PSS kB) samples of the driver and browser processes."""
    orphans: list[int] = field(default_factory=list)
    exit_code: int | None = None
    seconds: float = 0.0
    fault_toggles: int = 0

    def growth(self, samples: list[tuple[int, int]], warmup: int, window: int) -> tuple[int, int, float]:
        """Mean PSS over the first ``window`` journeys after ``warmup``, over the last ``window``
        journeys, and the growth in percent.

        Means over a window, not single samples: one sample may catch a journey's context half
        open, and with the browser replaced every 100 journeys a single late sample may fall just
        after a replacement and flatter the result. A window as long as that period sees a whole
        cycle of it.
        """
        after = [(done, kb) for done, kb in samples if done >= warmup] or samples
        if not after:
            return 0, 0, 0.0
        window = max(1, window)  # the first and the last sample are always in their windows
        first = [kb for done, kb in after if done < after[0][0] + window]
        last = [kb for done, kb in after if done > after[-1][0] - window]
        start, end = sum(first) // len(first), sum(last) // len(last)
        return start, end, (end - start) * 100.0 / start if start else 0.0

    @staticmethod
    def series(samples: list[tuple[int, int]], every: int = 25) -> str:
        """PSS in MB at about every ``every`` journeys, for the report."""
        out, mark = [], 0
        for done, kb in samples:
            if done >= mark:
                out.append(f"{done}: {kb / 1024:.0f}")
                mark = done + every
        return ", ".join(out)


def _get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""
    except OSError as exc:
        return 0, str(exc)


def _runs(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for m in re.finditer(r'^cxmon_journey_runs_total\{([^}]*)\} ([0-9.e+]+)$', text, re.M):
        result = re.search(r'result="(\w+)"', m.group(1))
        if result:
            out[result.group(1)] = out.get(result.group(1), 0.0) + float(m.group(2))
    return out


def _post_fault(shop_url: str, spec: str | None) -> None:
    if spec is None:
        request = urllib.request.Request(f"{shop_url}/__admin/faults", method="DELETE")
    else:
        request = urllib.request.Request(
            f"{shop_url}/__admin/faults", data=json.dumps({"fault": spec}).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
    with urllib.request.urlopen(request, timeout=5):
        pass


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def soak(journeys: int, workdir: Path, toggle_every: int = TOGGLE_EVERY, concurrency: int = 2,
         log: Callable[..., None] = print) -> SoakResult:
    """Runs the soak until ``journeys`` journeys finished; returns what was measured."""
    result = SoakResult()
    t0 = time.monotonic()
    with DemoShopThread() as shop:
        folder = workdir / "scenarios"
        folder.mkdir(parents=True, exist_ok=True)
        data = yaml.safe_load((ROOT / "scenarios" / "demo-shop" / "checkout.yml").read_text())
        data.update(schedule="1s", matrix={"payment_method": ["invoice", "card"]},
                    budgets={"step": "30s", "mode": "warn"}, timeouts={"step": "6s"})
        (folder / "soak.yml").write_text(yaml.safe_dump(data, sort_keys=False))
        env = {**os.environ, "DEMO_SHOP_URL": shop.url, "DEMO_PROVIDER_URL": shop.provider_url}
        log_path = workdir / "serve.log"
        with log_path.open("wb") as serve_log:
            process = subprocess.Popen(
                [CXMON, "serve", str(folder), "--listen", "127.0.0.1:0", "--concurrency", str(concurrency),
                 "--artifacts", str(workdir / "evidence"), "--keep-failures", "2", "--quiet"],
                stdout=serve_log, stderr=subprocess.STDOUT, env=env, cwd=workdir, start_new_session=True,
            )
            try:
                url = None
                deadline = time.monotonic() + 60
                while url is None and time.monotonic() < deadline:
                    m = re.search(r"listening on (http://127\.0\.0\.1:\d+)/metrics", log_path.read_text())
                    url = m.group(1) if m else None
                    if process.poll() is not None:
                        raise RuntimeError(f"cxmon serve exited:\n{log_path.read_text()}")
                    time.sleep(0.2)
                if url is None:
                    raise RuntimeError(f"cxmon serve did not start:\n{log_path.read_text()}")
                seen_tree: set[int] = set()
                next_toggle = toggle_every
                fault_on = False
                last_sample = -1
                while result.journeys < journeys:
                    if process.poll() is not None:
                        raise RuntimeError(f"cxmon serve died:\n{log_path.read_text()}")
                    started = time.monotonic()
                    status, text = _get(url + "/metrics")
                    took = time.monotonic() - started
                    result.scrapes += 1
                    result.max_scrape_seconds = max(result.max_scrape_seconds, took)
                    if status != 200:
                        result.failed_scrapes.append(f"{status}: {text[:200]}")
                        time.sleep(0.5)
                        continue
                    running = _get(url + "/")[1].count("running now")
                    result.scrapes_during_runs += 1 if running else 0
                    result.runs = _runs(text)
                    result.journeys = int(sum(result.runs.values()))
                    pids = tree(process.pid)
                    seen_tree |= set(pids)
                    if result.journeys != last_sample:
                        last_sample = result.journeys
                        result.cxmon_pss_kb.append((result.journeys, pss_kb(process.pid)))
                        result.browser_pss_kb.append(
                            (result.journeys, sum(pss_kb(p) for p in pids if p != process.pid))
                        )
                    if result.journeys >= next_toggle:
                        next_toggle += toggle_every
                        fault_on = not fault_on
                        spec = FAULTS[result.fault_toggles % len(FAULTS)] if fault_on else None
                        _post_fault(shop.url, spec)
                        result.fault_toggles += 1
                        log(f"{result.journeys} journeys; fault {spec or 'off'}; runs {result.runs}; PSS kB cxmon "
                            f"{result.cxmon_pss_kb[-1][1]}, browser tree {result.browser_pss_kb[-1][1]}", flush=True)
                    time.sleep(0.5)
                process.send_signal(signal.SIGTERM)
                result.exit_code = process.wait(60)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(p) for p in seen_tree):
            time.sleep(0.2)
        result.orphans = sorted(p for p in seen_tree if p != process.pid and _alive(p))
    result.seconds = time.monotonic() - t0
    return result


def report(result: SoakResult, warmup: int, max_growth: float, window: int) -> tuple[str, bool]:
    c0, c1, cg = result.growth(result.cxmon_pss_kb, warmup, window)
    b0, b1, bg = result.growth(result.browser_pss_kb, warmup, window)
    ok = (not result.orphans and not result.failed_scrapes and result.exit_code == 0
          and cg < max_growth and bg < max_growth)
    lines = [
        "# Soak: cxmon serve against the demo shop",
        "",
        f"- journeys: {result.journeys} ({', '.join(f'{k} {int(v)}' for k, v in sorted(result.runs.items()))}) "
        f"in {result.seconds:.0f} s, faults toggled {result.fault_toggles} times",
        f"- /metrics scrapes: {result.scrapes}, {result.scrapes_during_runs} while a journey ran, "
        f"{len(result.failed_scrapes)} failed, slowest {result.max_scrape_seconds * 1000:.0f} ms",
        f"- mean PSS over the first {window} journeys after a warm-up of {warmup} → over the last {window}:",
        f"  - cxmon (python): {c0 / 1024:.1f} MB → {c1 / 1024:.1f} MB ({cg:+.1f} %)",
        f"  - browser tree (driver + Chromium): {b0 / 1024:.1f} MB → {b1 / 1024:.1f} MB ({bg:+.1f} %)",
        f"- cxmon PSS (MB) by journeys done: {result.series(result.cxmon_pss_kb)}",
        f"- browser tree PSS (MB) by journeys done: {result.series(result.browser_pss_kb)}",
        f"- exit code on SIGTERM: {result.exit_code}; processes left behind: {len(result.orphans)}",
        f"- verdict (growth < {max_growth:g} %, no orphan, every scrape answered): {'PASS' if ok else 'FAIL'}",
    ]
    return "\n".join(lines) + "\n", ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=None, help="journeys before the first PSS sample that "
                        "counts (default: one whole cycle of the faults, at most a fifth of --journeys)")
    parser.add_argument("--window", type=int, default=None, help="journeys averaged at the start and at the "
                        "end (default: 100, the browser's replacement period, at most a third of --journeys)")
    parser.add_argument("--max-growth", type=float, default=5.0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if not Path(CXMON).is_file():
        parser.error(f"no cxmon next to {sys.executable}; run it with the venv's python (make soak)")
    # Every fault once on and off: each new kind of failure creates its series and code paths once.
    cycle = 2 * len(FAULTS) * TOGGLE_EVERY
    warmup = args.warmup if args.warmup is not None else min(cycle, args.journeys // 5)
    window = args.window if args.window is not None else max(1, min(100, args.journeys // 3))
    with tempfile.TemporaryDirectory(prefix="cxmon-soak-") as tmp:
        result = soak(args.journeys, Path(tmp))
    text, ok = report(result, warmup, args.max_growth, window)
    print(text)
    if args.out is not None:
        args.out.write_text(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
