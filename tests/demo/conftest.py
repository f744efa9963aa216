"""Fixtures for the demo shop tests: real servers on free ports and HTTP customers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from demo_shop_client import Customer

from cxmon.demo import DemoShop, start_demo_shop


@pytest.fixture
async def start_shop() -> AsyncIterator[Callable[..., Awaitable[DemoShop]]]:
    """Start demo shops (``await start_shop(faults=[...])``); all are stopped after the test."""
    shops: list[DemoShop] = []

    async def start(faults: list[str] | None = None) -> DemoShop:
        shop = await start_demo_shop(faults=faults)
        shops.append(shop)
        return shop

    yield start
    for shop in shops:
        await shop.stop()


@pytest.fixture
async def shop(start_shop: Callable[..., Awaitable[DemoShop]]) -> DemoShop:
    return await start_shop()


@pytest.fixture
async def new_customer() -> AsyncIterator[Callable[[DemoShop], Customer]]:
    """Make customers with their own cookie jars; all are closed after the test."""
    customers: list[Customer] = []

    def make(shop: DemoShop) -> Customer:
        customer = Customer(shop)
        customers.append(customer)
        return customer

    yield make
    for customer in customers:
        await customer.close()


@pytest.fixture
async def customer(shop: DemoShop, new_customer: Callable[[DemoShop], Customer]) -> Customer:
    return new_customer(shop)
