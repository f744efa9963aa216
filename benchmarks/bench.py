"""Benchmark cxmon against a raw Playwright script on the same shop, in the same run.

    python benchmarks/bench.py [--runs 5] [--concurrency 1 4 8] [--sequential 10] [--shops static demo]
        [--ab-journeys 5] [--soak 0] [--out benchmarks/RESULTS.md]

Per shop (the static shop of benchmarks/static_shop.py, then the demo shop) and per plan (C
journeys at concurrency C, then --sequential journeys one at a time): the floor
(benchmarks/floor.py) and cxmon with every default on (benchmarks/cxmon_run.py) interleaved A B A B
over --runs runs, since these machines are noisy. Measured per run: wall time, CPU-seconds of the
whole process tree (browser, renderers and driver included, from a cgroup of its own: see
TreeCpu), peak PSS
of the tree (sampled every 50 ms). Then, on the static shop, the A/B of each default (detectors,
identification, trace) and the start-up of fresh processes; on the demo shop, PSS across --soak
journeys in one cxmon process.
"""

from __future__ import annotations

import argparse
import contextlib
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


def start_shop(static: bool = False) -> tuple[subprocess.Popen[str], str]:
    cmd = [PY, str(HERE / "static_shop.py"), "0"] if static else [
        PY, "-m", "cxmon.demo", "--port", "0", "--provider-port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    m = re.search(r"(http://127\.0\.0\.1:\d+)", line)
    if not m:
        proc.kill()
        raise SystemExit(f"the shop did not start: {line!r}")
    return proc, m.group(1)


class TreeCpu:
    """CPU seconds of a command's whole process tree, from a cgroup of its own.

    The resource usage of waited-for children misses processes that their parent does not reap:
    Chromium's renderers (about half the browser's CPU on a shop page) are not counted there. A
    cgroup counts every process started inside it. Made in the cgroup v2 hierarchy (or v1's
    cpuacct) where this user may; otherwise the children's resource usage, with that caveat in
    RESULTS.md.
    """

    def __init__(self) -> None:
        self.path: Path | None = None
        self.usage_file = ""
        for root, usage in (("/sys/fs/cgroup", "cpu.stat"), ("/sys/fs/cgroup/unified", "cpu.stat"),
                            ("/sys/fs/cgroup/cpuacct", "cpuacct.usage")):
            folder = Path(root) / f"cxmon-bench-{os.getpid()}"
            try:
                folder.mkdir(exist_ok=True)
                if not (folder / usage).exists():
                    folder.rmdir()
                    continue
            except OSError:
                continue
            self.path, self.usage_file = folder, usage
            break

    @property
    def method(self) -> str:
        if self.path is None:
            return "the resource usage of reaped children (no cgroup could be made: renderer processes are missing)"
        return f"a cgroup of its own ({self.path.parent}: every process of the tree, renderers included)"

    def enter(self) -> None:
        """In the child, before exec: joins the cgroup."""
        if self.path is not None:
            (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def seconds(self) -> float:
        if self.path is None:
            r = resource.getrusage(resource.RUSAGE_CHILDREN)
            return r.ru_utime + r.ru_stime
        text = (self.path / self.usage_file).read_text()
        if self.usage_file == "cpu.stat":
            return int(text.split("usage_usec")[1].split()[0]) / 1e6
        return int(text) / 1e9

    def remove(self) -> None:
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.rmdir()


CPU = TreeCpu()


def measure(cmd: list[str]) -> dict[str, float]:
    """Runs cmd; returns wall seconds, tree CPU-seconds and peak tree PSS (MB)."""
    before = CPU.seconds()
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, preexec_fn=CPU.enter)
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
    # Processes the command left behind (a renderer still exiting) finish inside the cgroup.
    time.sleep(0.2)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    return {"wall": wall, "cpu": CPU.seconds() - before, "pss_mb": peak / 1024}


def med(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rows)


# The A/B of each default, on the static shop, journeys one at a time: cxmon as shipped against
# cxmon with one default changed (what that default costs), and the previous defaults.
AB = [
    ("defaults", []),
    ("no detectors", ["--no-detectors"]),
    ("no identification", ["--no-identify"]),
    ("Playwright's own click (previous: no click at the probed point)", ["--playwright-click"]),
    ("+ identifying header (opt-in)", ["--header"]),
    ("light trace of every journey (retain-on-failure, previous default)", ["--trace", "retain-on-failure"]),
    ("trace with DOM snapshots (full-on-failure)", ["--trace", "full-on-failure"]),
]


def compare(label: str, url: str, static: bool, runs: int, plans: list[tuple[str, int, int]]) -> list[str]:
    """Floor and cxmon interleaved per plan (name, journeys, concurrency); the table's rows."""
    extra = ["--static"] if static else []
    rows = []
    for name, journeys, c in plans:
        a_rows, b_rows = [], []
        for _ in range(runs):
            a_rows.append(measure([PY, str(HERE / "floor.py"), url, str(journeys), str(c), *extra]))
            b_rows.append(measure([PY, str(HERE / "cxmon_run.py"), url, str(journeys), str(c), *extra]))
        print(f"{label} {name}: floor {med(a_rows, 'wall'):.2f}s cxmon {med(b_rows, 'wall'):.2f}s; CPU "
              f"{med(a_rows, 'cpu'):.2f} / {med(b_rows, 'cpu'):.2f}", flush=True)
        a, b = a_rows, b_rows
        rows.append(
            f"| {label} | {name} | {med(a, 'wall'):.2f} | {med(b, 'wall'):.2f} | {med(b, 'wall') / med(a, 'wall'):.2f} "
            f"| {med(a, 'cpu'):.2f} | {med(b, 'cpu'):.2f} | {med(b, 'cpu') / med(a, 'cpu'):.2f} "
            f"| {med(a, 'pss_mb'):.0f} | {med(b, 'pss_mb'):.0f} | {med(b, 'pss_mb') / med(a, 'pss_mb'):.2f} "
            f"| {60 * journeys / med(b, 'wall'):.1f} |"
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    ap.add_argument("--sequential", type=int, default=10, help="journeys one at a time (0: none)")
    ap.add_argument("--shops", nargs="+", choices=["static", "demo"], default=["static", "demo"])
    ap.add_argument("--ab-journeys", type=int, default=5, help="journeys per run of the A/B (0: no A/B)")
    ap.add_argument("--soak", type=int, default=0, help="journeys of the memory check (make soak does the long one)")
    ap.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = ap.parse_args()
    # Bytecode as an installed package has it: without it (PYTHONDONTWRITEBYTECODE, an editable
    # install) every cxmon process would compile its modules first, a cost no user pays.
    subprocess.run([PY, "-m", "compileall", "-q", str(HERE.parent / "cxmon")], check=True)
    plans = [(f"C={c}", c, c) for c in args.concurrency]
    if args.sequential:
        plans.append((f"{args.sequential} one at a time", args.sequential, 1))
    table: list[str] = []
    ab: dict[str, list[dict[str, float]]] = {name: [] for name, _ in AB}
    imports: dict[str, list[dict[str, float]]] = {k: [] for k in ("python", "playwright", "floor_start", "run",
                                                                    "version", "validate")}
    soak: list[tuple[int, int]] = []
    scenario = str(HERE / "scenario.yml")
    for shop_name in args.shops:
        shop, url = start_shop(static=shop_name == "static")
        try:
            table += compare(shop_name, url, shop_name == "static", args.runs, plans)
            if shop_name == "static" and args.ab_journeys:
                for _ in range(args.runs):
                    for name, extra in AB:
                        ab[name].append(measure([PY, str(HERE / "cxmon_run.py"), url, str(args.ab_journeys), "1",
                                                 "--static", *extra]))
                    imports["python"].append(measure([PY, "-c", "pass"]))
                    imports["playwright"].append(measure([PY, "-c", "import playwright.async_api"]))
                    imports["floor_start"].append(self_cpu([PY, "-c", FLOOR_STARTUP]))
                    imports["run"].append(self_cpu([PY, "-c", RUN_STARTUP, "run", scenario, "--base-url", url, "-q"]))
                    imports["version"].append(measure([PY, "-c", CLI, "--version"]))
                    imports["validate"].append(measure([PY, "-c", CLI, "validate", scenario]))
                for name, _ in AB:
                    print(f"A/B {name}: {med(ab[name], 'wall'):.2f}s {med(ab[name], 'cpu'):.2f} CPU-s", flush=True)
            if shop_name == "demo" and args.soak:
                every = max(1, args.soak // 10)
                out = subprocess.run(
                    [PY, str(HERE / "cxmon_run.py"), url, str(args.soak), "4", "--memory-every", str(every)],
                    capture_output=True, text=True, check=True,
                ).stdout
                soak = [(int(a), int(b)) for a, b in (line.split() for line in out.splitlines() if line.strip())]
        finally:
            shop.terminate()
            shop.wait(10)
    write(args, table, ab, imports, soak)
    CPU.remove()


# The `cxmon` console script's own code.
CLI = "import sys; from cxmon.cli import main; sys.exit(main(sys.argv[1:]))"
# Start-up as the Python process's own CPU time when its browser is up (the browser's CPU is the
# same in both and in the tables above): the floor's, importing and starting Playwright and
# launching the browser as floor.py does; cxmon run's, with the demo scenario read and checked.
_SELF_CPU = "import resource; r = resource.getrusage(resource.RUSAGE_SELF); print(r.ru_utime + r.ru_stime, flush=True)"
FLOOR_STARTUP = f"""
import asyncio, os, shutil, sys
sys.path.insert(0, {str(HERE)!r})
from floor import FLAGS
from playwright.async_api import async_playwright
async def main():
    async with async_playwright() as p:
        executable = os.environ.get("CXMON_BROWSER") or shutil.which("chromium") or "/usr/bin/chromium"
        args = [*FLAGS, "--no-sandbox"] if os.geteuid() == 0 else FLAGS
        await p.chromium.launch(executable_path=executable, headless=True, args=args)
        {_SELF_CPU}
        os._exit(0)
asyncio.run(main())
"""
RUN_STARTUP = f"""
import os, sys
import cxmon.runner.engine as engine
async def up(self, early=None):
    await started(self, early)
    {_SELF_CPU}
    os._exit(0)
started, engine.Runner.start = engine.Runner.start, up
from cxmon.cli import main
sys.exit(main(sys.argv[1:]))
"""


def self_cpu(cmd: list[str]) -> dict[str, float]:
    """The CPU seconds a start-up snippet prints for its own process."""
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120).stdout
    return {"cpu": float(out.split()[-1]), "wall": 0.0}


def write(args: argparse.Namespace, table: list[str], ab: dict[str, list[dict[str, float]]],
          imports: dict[str, list[dict[str, float]]], soak: list[tuple[int, int]]) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {platform.node()}, {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
        f"Load average at the end: {os.getloadavg()[0]:.2f} (other work shares the machine: ratios of runs "
        "interleaved in the same minutes are what count, not absolute times).",
        "",
        "Floor: `benchmarks/floor.py` (plain async Playwright, the same path written by hand). cxmon: "
        "`benchmarks/cxmon_run.py`, cxmon's runner with **every default on**: all detectors, identification "
        "(User-Agent suffix), the default trace mode (on-retry: none on a first attempt) and evidence of "
        "failed journeys. "
        "Shops: `static` is `benchmarks/static_shop.py` (six plain pages, no shop logic: cxmon's own "
        "overhead), `demo` the demo shop (seven steps). Per row: J journeys per process at concurrency C, "
        f"medians of {args.runs} runs interleaved floor/cxmon, each a fresh process. CPU = user+system "
        f"seconds of the whole process tree (browser, renderers and driver included), counted by {CPU.method}; "
        "PSS = peak proportional set size of the tree.",
        "",
        "| shop | journeys | floor wall s | cxmon wall s | wall ratio | floor CPU s | cxmon CPU s | CPU ratio "
        "| floor PSS MB | cxmon PSS MB | PSS ratio | cxmon journeys/min |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        *table,
    ]
    if any(ab.values()):
        base = ab["defaults"]
        lines += [
            "",
            f"What each default costs (static shop, {args.ab_journeys} journeys one at a time per process, medians "
            f"of {args.runs} interleaved runs; difference to cxmon as shipped, per journey):",
            "",
            "| configuration | wall s | CPU s | Δ wall s / journey | Δ CPU s / journey |",
            "|---|---|---|---|---|",
        ]
        for name, rows in ab.items():
            dw = (med(rows, "wall") - med(base, "wall")) / args.ab_journeys
            dc = (med(rows, "cpu") - med(base, "cpu")) / args.ab_journeys
            lines.append(f"| {name} | {med(rows, 'wall'):.2f} | {med(rows, 'cpu'):.2f} | {dw:+.3f} | {dc:+.3f} |")
        lines += [
            "",
            f"Start-up, CPU-s of a fresh process (medians of {args.runs}): Python alone "
            f"{med(imports['python'], 'cpu'):.2f}; importing Playwright {med(imports['playwright'], 'cpu'):.2f}; "
            "until the browser is up, the Python process's own CPU: the floor's "
            f"{med(imports['floor_start'], 'cpu'):.2f}, "
            f"`cxmon run`'s (the demo scenario read and checked) {med(imports['run'], 'cpu'):.2f} "
            f"({med(imports['run'], 'cpu') - med(imports['floor_start'], 'cpu'):+.2f}); "
            f"`cxmon --version` {med(imports['version'], 'cpu'):.2f}; `cxmon validate` (the demo scenario) "
            f"{med(imports['validate'], 'cpu'):.2f}.",
        ]
    if soak:
        first, last = soak[0][1], soak[-1][1]
        lines += [
            "",
            f"Memory over {soak[-1][0]} journeys in one cxmon process (demo shop, concurrency 4, PSS of the tree "
            f"after each batch): first {first / 1024:.0f} MB after {soak[0][0]}, last {last / 1024:.0f} MB, growth "
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
