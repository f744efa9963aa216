"""Fixtures shared by the whole suite: the demo shop on a free loopback port, a mail stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cxmon.demo import DemoShop, DemoShopThread
from tests.mailstack import MailStack


@pytest.fixture(scope="session")
def demo_shop_session() -> Iterator[DemoShop]:
    with DemoShopThread() as shop:
        yield shop


@pytest.fixture
def demo_shop(demo_shop_session: DemoShop) -> Iterator[DemoShop]:
    """The session's demo shop, with no faults before and after the test."""
    demo_shop_session.faults.clear()
    yield demo_shop_session
    demo_shop_session.faults.clear()


@pytest.fixture
def mail_stack() -> Iterator[MailStack]:
    """A real SMTP server delivering into a maildir that a real dovecot serves over IMAP."""
    with MailStack.start() as stack:
        yield stack
