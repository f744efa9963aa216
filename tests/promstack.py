"""Start real Prometheus, Alertmanager and Pushgateway processes (Debian packages) for tests.

Each helper binds a free loopback port, starts the process with its state in a test's temporary
directory, and waits for ``/-/ready``; if the process dies or never gets ready, the error carries
its log. Always stop what you start (``.stop()``, or use the process as a context manager)::

    prom = start_prometheus(tmp_path, "global: {scrape_interval: 1s}", rule_files=[rules])
    try:
        assert prom.query("up")["status"] == "success"
    finally:
        prom.stop()

A missing binary is a test failure with the install command, never a skip.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0

# Binary names in Debian's packages, and the package that ships each.
_BINARIES = {
    "prometheus": (("prometheus",), "prometheus"),
    "promtool": (("promtool",), "prometheus"),
    "alertmanager": (("prometheus-alertmanager", "alertmanager"), "prometheus-alertmanager"),
    "pushgateway": (("prometheus-pushgateway", "pushgateway"), "prometheus-pushgateway"),
}


class PromStackError(RuntimeError):
    """A Prometheus-stack process is missing, died, or did not get ready."""


def find_binary(tool: str) -> str:
    """The path of ``tool`` (prometheus, promtool, alertmanager, pushgateway).

    Raises :class:`PromStackError` naming the Debian package to install when it is missing.
    """
    names, package = _BINARIES[tool]
    for name in names:
        path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
        if path:
            return path
    raise PromStackError(
        f"{tool} not found (looked for {', '.join(names)}): apt-get install -y --no-install-recommends {package}"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_request(
    url: str,
    *,
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, bytes]:
    """Status and body of one HTTP request; HTTP errors are returned, not raised."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass
class ServiceProcess:
    """A started process with its base URL and log file."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    workdir: Path
    _log_file: Any = field(default=None, repr=False)

    def log(self) -> str:
        """Everything the process wrote to stdout and stderr so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def running(self) -> bool:
        return self.process.poll() is None

    def get(self, path: str, params: dict[str, Any] | None = None) -> tuple[int, bytes]:
        query = f"?{urllib.parse.urlencode(params, doseq=True)}" if params else ""
        return http_request(f"{self.url}{path}{query}")

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        status, body = self.get(path, params)
        try:
            return json.loads(body)
        except json.JSONDecodeError as error:
            raise PromStackError(f"{self.name} {path}: HTTP {status}, not JSON: {body[:500]!r}") from error

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Poll ``/-/ready`` until it answers 200; fail with the process log if it dies or times out."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if not self.running():
                raise PromStackError(
                    f"{self.name} exited with code {self.process.returncode} before it was ready.\n"
                    f"Log ({self.log_path}):\n{self.log()}"
                )
            try:
                status, body = http_request(f"{self.url}/-/ready", timeout=2.0)
                if status == 200:
                    return
                last = f"HTTP {status}: {body[:200]!r}"
            except OSError as error:
                last = str(error)
            time.sleep(0.05)
        self.stop()
        raise PromStackError(
            f"{self.name} not ready at {self.url} after {timeout:.0f}s ({last}).\nLog ({self.log_path}):\n{self.log()}"
        )

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Terminate, wait, then kill if it does not exit. Safe to call twice."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        if self._log_file is not None and not self._log_file.closed:
            self._log_file.close()

    def __enter__(self) -> ServiceProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@dataclass
class PromProcess(ServiceProcess):
    """A running Prometheus."""

    def query(self, expr: str, at: float | None = None) -> dict[str, Any]:
        """The JSON answer of ``/api/v1/query`` (status ``success`` or ``error``, never raised)."""
        params: dict[str, Any] = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        return self.get_json("/api/v1/query", params)

    def query_range(self, expr: str, start: float, end: float, step: str = "15s") -> dict[str, Any]:
        """The JSON answer of ``/api/v1/query_range``."""
        params = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": step}
        return self.get_json("/api/v1/query_range", params)

    def rules(self) -> list[dict[str, Any]]:
        """The rule groups as ``/api/v1/rules`` reports them."""
        return self.get_json("/api/v1/rules")["data"]["groups"]

    def alerts(self) -> list[dict[str, Any]]:
        """Pending and firing alerts (``/api/v1/alerts``)."""
        return self.get_json("/api/v1/alerts")["data"]["alerts"]

    def targets(self) -> list[dict[str, Any]]:
        """Active scrape targets (``/api/v1/targets``)."""
        return self.get_json("/api/v1/targets")["data"]["activeTargets"]

    def reload(self) -> None:
        """Reload configuration and rules (``POST /-/reload``)."""
        status, body = http_request(f"{self.url}/-/reload", method="POST")
        if status != 200:
            raise PromStackError(f"prometheus reload failed: HTTP {status}: {body!r}\n{self.log()}")


@dataclass
class AlertmanagerProcess(ServiceProcess):
    """A running Alertmanager."""

    def alerts(self, active_only: bool = True) -> list[dict[str, Any]]:
        """Alerts it holds (``/api/v2/alerts``)."""
        params = {"active": "true", "silenced": "false", "inhibited": "false"} if active_only else None
        return self.get_json("/api/v2/alerts", params)

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        """Send alerts directly (``POST /api/v2/alerts``), as Prometheus would."""
        status, body = http_request(
            f"{self.url}/api/v2/alerts",
            method="POST",
            data=json.dumps(alerts).encode(),
            headers={"Content-Type": "application/json"},
        )
        if status != 200:
            raise PromStackError(f"alertmanager rejected alerts: HTTP {status}: {body!r}")


@dataclass
class PushgatewayProcess(ServiceProcess):
    """A running Pushgateway."""

    def metrics_text(self) -> str:
        """Its ``/metrics`` exposition."""
        status, body = self.get("/metrics")
        if status != 200:
            raise PromStackError(f"pushgateway /metrics: HTTP {status}")
        return body.decode()

    def delete_group(self, job: str, grouping: dict[str, str] | None = None) -> None:
        """Delete one group of pushed metrics."""
        path = "/metrics/job/" + urllib.parse.quote(job, safe="")
        for key, value in (grouping or {}).items():
            path += f"/{urllib.parse.quote(key, safe='')}/{urllib.parse.quote(value, safe='')}"
        http_request(f"{self.url}{path}", method="DELETE")


def _start(
    cls: type[ServiceProcess],
    name: str,
    tool: str,
    workdir: Path,
    build_args: Any,
    ready_timeout: float,
    attempts: int = 3,
) -> Any:
    """Start ``tool`` on a free port; retry on a port race (another process took it first)."""
    binary = find_binary(tool)
    workdir.mkdir(parents=True, exist_ok=True)
    error: PromStackError | None = None
    for attempt in range(attempts):
        port = free_port()
        log_path = workdir / f"{name}-{attempt}.log"
        log_file = log_path.open("wb")
        process = subprocess.Popen(
            [binary, *build_args(port)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=workdir,
        )
        service = cls(
            name=name,
            url=f"http://127.0.0.1:{port}",
            process=process,
            log_path=log_path,
            workdir=workdir,
            _log_file=log_file,
        )
        try:
            service.wait_ready(ready_timeout)
            return service
        except PromStackError as exc:
            service.stop()
            error = exc
            if "address already in use" not in service.log():
                break
    assert error is not None
    raise error


def start_prometheus(
    tmp_path: Path,
    config_yaml: str,
    rule_files: Sequence[Path] = (),
    extra_args: Iterable[str] = (),
    ready_timeout: float = READY_TIMEOUT_SECONDS,
    storage_path: Path | None = None,
) -> PromProcess:
    """Start Prometheus with ``config_yaml`` (plus ``rule_files``, by absolute path) under ``tmp_path``.

    ``storage_path`` may point to a TSDB prepared beforehand (for example with
    ``promtool tsdb create-blocks-from openmetrics``). ``--web.enable-lifecycle`` is on, so
    :meth:`PromProcess.reload` works.
    """
    workdir = tmp_path / "prometheus"
    workdir.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load(config_yaml) or {}
    if rule_files:
        config["rule_files"] = [*config.get("rule_files", []), *(str(Path(p).resolve()) for p in rule_files)]
    config_path = workdir / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    data_path = storage_path or workdir / "data"
    extra = list(extra_args)

    def args(port: int) -> list[str]:
        return [
            f"--config.file={config_path}",
            f"--storage.tsdb.path={data_path}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--web.enable-lifecycle",
            "--log.level=info",
            *extra,
        ]

    return _start(PromProcess, "prometheus", "prometheus", workdir, args, ready_timeout)


def start_alertmanager(
    tmp_path: Path,
    config_yaml: str,
    extra_args: Iterable[str] = (),
    ready_timeout: float = READY_TIMEOUT_SECONDS,
) -> AlertmanagerProcess:
    """Start Alertmanager with ``config_yaml``, clustering off (``--cluster.listen-address=``)."""
    workdir = tmp_path / "alertmanager"
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "alertmanager.yml"
    config_path.write_text(config_yaml, encoding="utf-8")
    extra = list(extra_args)

    def args(port: int) -> list[str]:
        return [
            f"--config.file={config_path}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            *extra,
        ]

    return _start(AlertmanagerProcess, "alertmanager", "alertmanager", workdir, args, ready_timeout)


def start_pushgateway(
    tmp_path: Path,
    extra_args: Iterable[str] = (),
    ready_timeout: float = READY_TIMEOUT_SECONDS,
) -> PushgatewayProcess:
    """Start a Pushgateway (no persistence)."""
    workdir = tmp_path / "pushgateway"
    workdir.mkdir(parents=True, exist_ok=True)
    extra = list(extra_args)

    def args(port: int) -> list[str]:
        return [f"--web.listen-address=127.0.0.1:{port}", *extra]

    return _start(PushgatewayProcess, "pushgateway", "pushgateway", workdir, args, ready_timeout)
