"""The bundled demo shop: a small real web shop whose faults can be switched on per stage.

It stands apart from the rest of cxmon (imports nothing else from it), so cxmon can be tested
against it like against any other shop. See :mod:`cxmon.demo.faults` for the fault grammar and
:mod:`cxmon.demo.shop` for the pages.
"""

from __future__ import annotations

from cxmon.demo.faults import (
    FAULT_KINDS,
    PAYMENT_METHODS,
    STAGES,
    Fault,
    FaultSet,
    FaultSpecError,
    parse_fault,
)
from cxmon.demo.mailer import Mailer, parse_smtp_address
from cxmon.demo.markets import MARKETS, Market
from cxmon.demo.server import DemoShop, DemoShopThread, run_demo_shop, start_demo_shop

__all__ = [
    "FAULT_KINDS",
    "MARKETS",
    "PAYMENT_METHODS",
    "STAGES",
    "DemoShop",
    "DemoShopThread",
    "Fault",
    "FaultSet",
    "FaultSpecError",
    "Mailer",
    "Market",
    "parse_fault",
    "parse_smtp_address",
    "run_demo_shop",
    "start_demo_shop",
]
