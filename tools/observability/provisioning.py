"""Grafana provisioning (datasource, dashboard provider) and the example Prometheus configuration.

Together with the dashboards and the Grafana-managed alerts, ``grafana/provisioning/`` is a
drop-in for ``/etc/grafana/provisioning`` and ``grafana/dashboards/`` for the provider's path.
"""

from __future__ import annotations

from typing import Any

from tools.observability.alerts import DATASOURCE_UID, GRAFANA_FOLDER

DASHBOARDS_PATH = "/var/lib/grafana/dashboards/cxmon"
"""Where the provider reads the dashboards: mount or copy ``grafana/dashboards/`` there."""

PROMETHEUS_URL = "http://localhost:9090"
SCRAPE_JOB = "cxmon"
SCRAPE_TARGET = "127.0.0.1:9464"
RULES_FILE = "rules/cxmon.rules.yml"


def render_datasource() -> dict[str, Any]:
    """``grafana/provisioning/datasources/cxmon.yml``."""
    return {
        "apiVersion": 1,
        "datasources": [
            {
                "name": "cxmon Prometheus",
                "uid": DATASOURCE_UID,
                "type": "prometheus",
                "access": "proxy",
                "url": PROMETHEUS_URL,
                "isDefault": False,
                "editable": False,
                "jsonData": {"httpMethod": "POST", "timeInterval": "15s"},
            }
        ],
    }


def render_dashboard_provider() -> dict[str, Any]:
    """``grafana/provisioning/dashboards/cxmon.yml``."""
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": "cxmon",
                "orgId": 1,
                "folder": GRAFANA_FOLDER,
                "folderUid": GRAFANA_FOLDER,
                "type": "file",
                "disableDeletion": False,
                "allowUiUpdates": False,
                "updateIntervalSeconds": 60,
                "options": {"path": DASHBOARDS_PATH, "foldersFromFilesStructure": False},
            }
        ],
    }


def render_prometheus_config() -> dict[str, Any]:
    """``prometheus/prometheus.yml``: scrape one cxmon runner and load the alert rules."""
    return {
        "global": {"scrape_interval": "15s", "evaluation_interval": "30s"},
        "rule_files": [RULES_FILE],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": ["127.0.0.1:9093"]}]}]},
        "scrape_configs": [
            {
                "job_name": SCRAPE_JOB,
                "scrape_interval": "15s",
                "static_configs": [{"targets": [SCRAPE_TARGET], "labels": {}}],
            }
        ],
    }
