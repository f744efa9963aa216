"""An HTTP customer of the demo shop for the tests (a module of its own: conftest is not importable)."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
from yarl import URL

from cxmon.demo import DemoShop

GOOD_CARD = "4242424242424242"
CHECKOUT_FORM = {"email": "synthetic@example.com", "name": "Test Customer", "address": "Testikatu 1"}
ORDER_PATH_RE = re.compile(r"^/order/(DS-[A-Z0-9]{6})$")
CARD_FORM_RE = re.compile(r'<iframe id="card-frame" title="Card details" src="([^"]+)"')


class Customer:
    """One browser-like HTTP client (own cookie jar) walking the demo shop's purchase path."""

    def __init__(self, shop: DemoShop) -> None:
        self.shop = shop
        # unsafe=True: the default jar refuses cookies from IP-address hosts such as 127.0.0.1.
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def close(self) -> None:
        await self.http.close()

    async def get(self, path: str, **kwargs: Any) -> tuple[aiohttp.ClientResponse, str]:
        url = path if path.startswith("http") else self.shop.url + path
        async with self.http.get(url, **kwargs) as response:
            return response, await response.text()

    async def post(self, path: str, **kwargs: Any) -> tuple[aiohttp.ClientResponse, str]:
        url = path if path.startswith("http") else self.shop.url + path
        async with self.http.post(url, **kwargs) as response:
            return response, await response.text()

    async def add_to_cart(self, slug: str = "trail-runner", quantity: int = 1) -> None:
        response, _ = await self.post(
            "/cart/add", data={"product": slug, "quantity": str(quantity)}, allow_redirects=False
        )
        assert response.status == 303, response.status
        assert response.headers["Location"] == "/cart"

    async def enter_details(self) -> None:
        response, _ = await self.post("/checkout", data=CHECKOUT_FORM, allow_redirects=False)
        assert response.status == 303, response.status
        assert response.headers["Location"] == "/payment"

    async def ready_to_pay(self) -> None:
        await self.add_to_cart()
        await self.enter_details()

    async def payment_session(self) -> str:
        """Open the payment page and return the provider session of its card iframe."""
        response, html = await self.get("/payment")
        assert response.status == 200, html
        match = CARD_FORM_RE.search(html)
        assert match, "payment page has no card iframe"
        src = URL(match.group(1).replace("&amp;", "&"))
        assert str(src.origin()) == self.shop.provider_url
        return src.query["session"]

    async def card_token(self, number: str = GOOD_CARD) -> str:
        session = await self.payment_session()
        async with self.http.post(
            f"{self.shop.provider_url}/api/tokens", json={"session": session, "number": number}
        ) as response:
            body = await response.json()
            assert response.status == 200, body
            return body["token"]

    async def pay_card_request(self, number: str = GOOD_CARD) -> tuple[aiohttp.ClientResponse, str]:
        token = await self.card_token(number)
        return await self.post("/payment", data={"method": "card", "token": token}, allow_redirects=False)

    async def place_order(self, method: str = "card") -> str:
        """Pay with ``method`` and return the order page path, without opening it."""
        if method == "card":
            response, html = await self.pay_card_request()
            assert response.status == 303, html
            location = response.headers["Location"]
        else:
            location = "/payment"
            data: dict[str, str] | None = {"method": method}
            # Follow the redirects by hand up to the order page, so a test can switch a fault
            # on before the confirmation page is requested.
            while not location.startswith("/order/"):
                if data is not None:
                    response, html = await self.post(location, data=data, allow_redirects=False)
                    data = None
                else:
                    response, html = await self.get(location, allow_redirects=False)
                assert response.status == 303, (location, response.status, html)
                location = response.headers["Location"].removeprefix(self.shop.url)
        assert ORDER_PATH_RE.match(location), location
        return location
