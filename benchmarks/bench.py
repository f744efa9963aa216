"""Benchmark cxmon against a raw Playwright script on the same demo shop, in the same run.

    python benchmarks/bench.py [--runs 5] [--concurrency 1 4 8] [--soak 250] [--out benchmarks/RESULTS.md]

For each concurrency C: C journeys per run, the floor (benchmarks/floor.py) and cxmon
(benchmarks/cxmon_run.py) interleaved A B A B over --runs runs, since these machines are noisy.
Measured per run: wall time, CPU-seconds of the whole process tree (browser and driver included,
from the waited-for children's rusage), peak PSS of the tree (sampled every 50 ms). Then the cost
of the detectors (all on vs none, C=1), and PSS across --soak journeys in one cxmon process.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from pss import tree_pss_kb  # noqa: E402

PY = sys.executable
FINDINGS = "## Findings"


def start_shop() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [PY, "-m", "cxmon.demo", "--port", "0", "--provider-port", "0"], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    m = re.search(r"(http://127\.0\.0\.1:\d+)", line)
    if not m:
        proc.kill()
        raise SystemExit(f"the demo shop did not start: {line!r}")
    return proc, m.group(1)


def measure(cmd: list[str]) -> dict[str, float]:
    """Runs cmd; returns wall seconds, tree CPU-seconds and peak tree PSS (MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_pss_kb(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.monotonic() - t0
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "pss_mb": peak / 1024}


def med(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    ap.add_argument("--soak", type=int, default=250)
    ap.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = ap.parse_args()
    shop, url = start_shop()
    lines: list[str] = []
    try:
        floor = [PY, str(HERE / "floor.py"), url]
        cx = [PY, str(HERE / "cxmon_run.py"), url]
        table = []
        for c in args.concurrency:
            a_rows, b_rows = [], []
            for _ in range(args.runs):
                a_rows.append(measure([*floor, str(c), str(c)]))
                b_rows.append(measure([*cx, str(c), str(c)]))
            table.append((c, a_rows, b_rows))
            print(f"C={c}: floor {med(a_rows, 'wall'):.2f}s cxmon {med(b_rows, 'wall'):.2f}s", flush=True)
        on, off, bare, imports_cx, imports_pw = [], [], [], [], []
        for _ in range(args.runs):
            on.append(measure([*cx, "1", "1"]))
            off.append(measure([*cx, "1", "1", "--no-detectors"]))
            bare.append(measure([*cx, "1", "1", "--no-identify"]))
            imports_pw.append(measure([PY, "-c", "import playwright.async_api"]))
            imports_cx.append(measure([PY, "-c", "import cxmon.runner, cxmon.scenario"]))
        print(f"detectors: on {med(on, 'wall'):.2f}s off {med(off, 'wall'):.2f}s; no identify "
              f"{med(bare, 'wall'):.2f}s", flush=True)
        soak: list[tuple[int, int]] = []
        if args.soak:
            every = max(1, args.soak // 10)
            out = subprocess.run(
                [*cx, str(args.soak), "4", "--memory-every", str(every)], capture_output=True, text=True, check=True
            ).stdout
            soak = [(int(a), int(b)) for a, b in (line.split() for line in out.splitlines() if line.strip())]
    finally:
        shop.terminate()
        shop.wait(10)

    lines += [
        "# Benchmark results",
        "",
        f"Machine: {platform.node()}, {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
        f"Load average at the end: {os.getloadavg()[0]:.2f}.",
        "",
        f"Floor: `benchmarks/floor.py` (plain async Playwright). cxmon: `benchmarks/cxmon_run.py` (cxmon's "
        f"runner, all detectors, trace off). C journeys per run at concurrency C, medians of {args.runs} runs "
        "interleaved floor/cxmon. CPU = user+system seconds of the whole process tree; PSS = peak "
        "proportional set size of the tree (browser and driver included).",
        "",
        "| C | floor wall s | cxmon wall s | wall ratio | floor CPU s | cxmon CPU s | CPU ratio | floor PSS MB "
        "| cxmon PSS MB | PSS ratio | cxmon journeys/min |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c, a, b in table:
        lines.append(
            f"| {c} | {med(a, 'wall'):.2f} | {med(b, 'wall'):.2f} | {med(b, 'wall') / med(a, 'wall'):.2f} "
            f"| {med(a, 'cpu'):.2f} | {med(b, 'cpu'):.2f} | {med(b, 'cpu') / med(a, 'cpu'):.2f} "
            f"| {med(a, 'pss_mb'):.0f} | {med(b, 'pss_mb'):.0f} | {med(b, 'pss_mb') / med(a, 'pss_mb'):.2f} "
            f"| {60 * c / med(b, 'wall'):.1f} |"
        )
    lines += [
        "",
        f"Detectors (C=1, medians of {args.runs}): all on {med(on, 'wall'):.2f} s, none "
        f"{med(off, 'wall'):.2f} s: {100 * (med(on, 'wall') / med(off, 'wall') - 1):+.1f} % wall time; CPU "
        f"{med(on, 'cpu'):.2f} s vs {med(off, 'cpu'):.2f} s.",
        "",
        f"Identifying header and User-Agent suffix (C=1, medians of {args.runs}, interleaved with the "
        f"detector runs): without them {med(bare, 'wall'):.2f} s / {med(bare, 'cpu'):.2f} CPU-s, with them "
        f"{med(on, 'wall'):.2f} s / {med(on, 'cpu'):.2f} CPU-s. Start-up: importing cxmon's runner and scenario "
        f"schema takes {med(imports_cx, 'cpu'):.2f} CPU-s, importing Playwright alone "
        f"{med(imports_pw, 'cpu'):.2f} CPU-s.",
    ]
    if soak:
        first, last = soak[0][1], soak[-1][1]
        lines += [
            "",
            f"Memory over {soak[-1][0]} journeys in one cxmon process (concurrency 4, PSS of the tree after each "
            f"batch): first {first / 1024:.0f} MB after {soak[0][0]}, last {last / 1024:.0f} MB, growth "
            f"{100 * (last / first - 1):+.1f} %.",
            "",
            "| journeys | " + " | ".join(str(n) for n, _ in soak) + " |",
            "|---|" + "---|" * len(soak),
            "| PSS MB | " + " | ".join(f"{kb / 1024:.0f}" for _, kb in soak) + " |",
        ]
    text = "\n".join(lines) + "\n"
    # What profiling found is written by hand below this heading; a new run keeps it.
    if args.out.exists() and FINDINGS in (old := args.out.read_text()):
        text += "\n" + old[old.index(FINDINGS):]
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
