"""A real ``cxmon serve`` subprocess for tests: start, wait, poll, signal, and find its children."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import CXMON, ROOT

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 30.0, every: float = 0.25,
             log: Callable[[], str] | None = None) -> T:
    """Polls ``probe`` until it returns something truthy; fails naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(every)
    extra = f"\n--- log ---\n{log()}" if log is not None else ""
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r}){extra}")


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def post_fault(shop_url: str, spec: str) -> None:
    """Switches a demo shop fault on through its admin endpoint."""
    request = urllib.request.Request(
        f"{shop_url}/__admin/faults", data=json.dumps({"fault": spec}).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status in (200, 201), response.status


def proc_children() -> dict[int, int]:
    """pid → parent pid of every process, from /proc."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
        fields = stat.rsplit(")", 1)[1].split()
        out[int(entry)] = int(fields[1])
    return out


def process_alive(pid: int) -> bool:
    """True if ``pid`` runs and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def descendants(root: int) -> set[int]:
    parents = proc_children()
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier and pid not in found}
        found |= frontier
    return found


def sample_values(text: str, name: str, **labels: str) -> list[float]:
    """Values of the samples called ``name`` whose labels include ``labels``."""
    return [
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    ]


@dataclass
class ServeProcess:
    process: subprocess.Popen[bytes]
    log_path: Path
    url: str = ""
    _log_file: Any = field(default=None, repr=False)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def get(self, path: str) -> tuple[int, bytes]:
        return http_get(self.url + path)

    def metrics(self) -> str:
        status, body = self.get("/metrics")
        assert status == 200, status
        return body.decode()

    def value(self, name: str, **labels: str) -> float | None:
        values = sample_values(self.metrics(), name, **labels)
        return sum(values) if values else None

    def wait_ready(self, timeout: float = 30.0) -> None:
        wait_for("/readyz 200", lambda: self.get("/readyz")[0] == 200, timeout, log=self.log)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 40.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
                raise AssertionError(f"cxmon serve did not exit within {timeout:.0f}s\n{self.log()}") from None
        if self._log_file is not None and not self._log_file.closed:
            self._log_file.close()
        return self.process.returncode

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        if self._log_file is not None and not self._log_file.closed:
            self._log_file.close()


def start_serve(tmp_path: Path, args: Sequence[str], env: dict[str, str], timeout: float = 30.0) -> ServeProcess:
    """Starts ``cxmon serve ARGS --listen 127.0.0.1:0`` and waits for its "listening" line."""
    log_path = tmp_path / "serve.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        [CXMON, "serve", *args, "--listen", "127.0.0.1:0"],
        stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=tmp_path,
        env={**os.environ, **env},
        # Its own session: a signal meant for the test runner never reaches it, and one sent to it
        # reaches only it (as from a service manager), not its browser.
        start_new_session=True,
    )
    serve = ServeProcess(process, log_path, _log_file=log_file)

    def listening() -> str | None:
        if process.poll() is not None:
            raise AssertionError(f"cxmon serve exited with {process.returncode}:\n{serve.log()}")
        m = re.search(r"cxmon serve: listening on (http://127\.0\.0\.1:\d+)/metrics", serve.log())
        return m.group(1) if m else None

    serve.url = wait_for("the 'listening' line", listening, timeout, log=serve.log)
    return serve


__all__ = ["ROOT", "ServeProcess", "descendants", "start_serve", "wait_for"]
