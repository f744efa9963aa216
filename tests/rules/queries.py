"""Read the generated dashboards' queries and the names they use (shared by the rule tests)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS_DIR = REPO_ROOT / "grafana" / "dashboards"

# What Grafana puts in place of its variables, for running a query outside Grafana.
GRAFANA_MACROS = {"$__rate_interval": "1m", "$__range": "1h", "$__interval": "1m"}
TEMPLATE_VALUES = {"job": "cxmon.*"}  # every other template variable: ".*" (All)

PROMQL_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
    "and", "or", "unless", "inf", "nan",
}  # fmt: skip


@dataclass(frozen=True)
class Target:
    """One query of one panel."""

    dashboard: str
    panel: str
    ref_id: str
    expr: str
    instant: bool


def load_dashboard(name: str) -> dict[str, Any]:
    return json.loads((DASHBOARDS_DIR / name).read_text(encoding="utf-8"))


def dashboard_names() -> list[str]:
    return sorted(path.name for path in DASHBOARDS_DIR.glob("*.json"))


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, rows' nested panels included."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def targets() -> list[Target]:
    found = []
    for name in dashboard_names():
        for panel in panels(load_dashboard(name)):
            for target in panel.get("targets", []):
                found.append(
                    Target(
                        dashboard=name,
                        panel=panel.get("title", ""),
                        ref_id=target.get("refId", ""),
                        expr=target.get("expr", ""),
                        instant=bool(target.get("instant")),
                    )
                )
    return found


def substitute(expr: str) -> str:
    """The query as Grafana would send it with every variable at All."""
    for macro, value in GRAFANA_MACROS.items():
        expr = expr.replace(macro, value)

    def variable(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return TEMPLATE_VALUES.get(name, ".*")

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", variable, expr)


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_SELECTOR = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}")
_IDENTIFIER = re.compile(r"(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()")
_MATCHER_LABEL = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")


def grouping_labels(expr: str) -> set[str]:
    """Labels named in ``by (...)``, ``on (...)`` and the like."""
    labels: set[str] = set()
    for _, names in _GROUPING.findall(_STRINGS.sub('""', expr)):
        labels.update(name.strip() for name in names.split(",") if name.strip())
    return labels


def selector_labels(expr: str) -> dict[str, set[str]]:
    """Series name → labels its selectors match on."""
    found: dict[str, set[str]] = {}
    for name, body in _SELECTOR.findall(expr):
        found.setdefault(name, set()).update(_MATCHER_LABEL.findall(_STRINGS.sub('""', body)))
    return found


def series_names(expr: str) -> set[str]:
    """Every series name the query selects (identifiers that are not functions, labels or keywords)."""
    text = _STRINGS.sub('""', expr)
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges and subqueries
    text = _GROUPING.sub("", text)  # by (...), on (...)
    text = re.sub(r"\b\d+(\.\d+)?(e[+-]?\d+)?\b", "", text)
    return {name for name in _IDENTIFIER.findall(text) if name.lower() not in PROMQL_KEYWORDS}
