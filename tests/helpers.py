"""Shared test helpers: the demo scenario adapted to one test's needs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from cxmon.scenario import Journey, load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEMO_SCENARIO = ROOT / "scenarios" / "demo-shop" / "checkout.yml"


def venv_tool(name: str) -> str:
    """A console script installed with the Python that runs the tests (its venv's ``bin/``)."""
    # Not resolved: the venv's python is a symlink to the system one, whose folder has no tools.
    path = Path(sys.executable).parent / name
    if not path.is_file():
        pytest.fail(
            f"{name} is not installed next to {sys.executable}; install the dev extra: pip install -e '.[dev]'",
            pytrace=False,
        )
    return str(path)


CXMON = venv_tool("cxmon")


def demo_env(shop: Any) -> dict[str, str]:
    return {"DEMO_SHOP_URL": shop.url, "DEMO_PROVIDER_URL": shop.provider_url}


def write_demo_scenario(
    tmp_path: Path,
    methods: list[str] | None = None,
    devices: list[str] | None = None,
    name: str = "demo-checkout",
    uniform_budget: bool = False,
    **changes: Any,
) -> Path:
    """The shipped demo scenario with its matrix narrowed (one journey per test is the rule).

    ``uniform_budget`` drops per-step budgets, so every step has the scenario's step budget. Steps
    of the caller's own come without the shipped price rules.
    """
    data = yaml.safe_load(DEMO_SCENARIO.read_text())
    if uniform_budget:
        for step in data["steps"]:
            step.pop("budget", None)
    data["name"] = name
    data["matrix"] = {"payment_method": methods or ["invoice"]}
    if devices:
        data["matrix"]["device"] = devices
    if "steps" in changes and "prices" not in changes:
        # The shipped price rules name values that the shipped steps capture; other steps do not.
        data.pop("prices", None)
    data.update(changes)
    path = tmp_path / f"{name}.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def demo_journeys(shop: Any, tmp_path: Path, **kwargs: Any) -> list[Journey]:
    path = write_demo_scenario(tmp_path, **kwargs)
    return load_scenario(path, env=demo_env(shop)).journeys()


IMAP_SECRET = "IMAP_PASSWORD"


def after_purchase_scenario(
    tmp_path: Path,
    mail: Any,
    *,
    email: dict[str, Any] | None = None,
    prices: bool = True,
    name: str = "demo-checkout",
    password_variable: str = "IMAP_PASSWORD",
) -> Path:
    """The demo scenario with a per-run address, captured prices, price rules and an e-mail check."""
    path = write_demo_scenario(tmp_path, name=name, budgets={"step": "20s", "journey": "120s"})
    data = yaml.safe_load(path.read_text())
    steps = {s["name"]: s for s in data["steps"]}
    steps["product"]["capture"] = {"product_price": {"css": ".product-layout .price"}}
    steps["add-to-cart"]["capture"] = {"cart_price": {"css": ".line-price"}}
    steps["checkout"]["capture"] = {
        "subtotal": {"css": ".subtotal"},
        "shipping": {"css": ".shipping"},
        "order_total": {"css": ".order-total"},
    }
    steps["confirmation"]["capture"] = {"paid_total": {"css": ".order-total"}}
    steps["address"]["fill"]["Email"] = "synthetic+${run_id}@example.com"
    if prices:
        data["prices"] = {
            "currency": "EUR",
            "rules": [
                "cart_price == product_price",
                "order_total == subtotal + shipping",
                "paid_total == order_total",
            ],
        }
    data["secrets"] = [*data.get("secrets", []), password_variable]
    data["email"] = {
        "host": mail.imap_host,
        "port": mail.imap_port,
        "tls": False,
        "user": mail.user,
        "password": "${" + password_variable + "}",
        "match": {"order_number": True, "to": "synthetic+${run_id}@example.com"},
        "subject": "Your Demo Shop order",
        "text": ["Thank you for your order"],
        "total": "paid_total",
        "timeout": "20s",
        "poll": "200ms",
        **(email or {}),
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
