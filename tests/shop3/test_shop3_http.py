"""The third shop over plain HTTP: each fault does what it says (status, language, structured data)."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from typing import Any

import aiohttp
import pytest

from tests.shop3.server import Shop3

ADDRESS = {
    "email": "synthetic-order@example.com",
    "name": "Test Klient",
    "street": "Leśna 1",
    "zip": "00-950",
    "city": "Warszawa",
    "shipping": "courier",
    "terms": True,
}
CARD = {"number": "4242 4242 4242 4242", "expiry": "12/34", "cvc": "123"}


async def get(customer: aiohttp.ClientSession, url: str) -> tuple[int, str, dict[str, str]]:
    async with customer.get(url, allow_redirects=False) as response:
        return response.status, await response.text(), dict(response.headers)


async def call(customer: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> tuple[int, Any]:
    async with customer.request(method, url, json=body) as response:
        return response.status, await response.json()


def lang_of(page: str) -> str:
    found = re.search(r'<html lang="([a-z]+)"', page)
    assert found, page[:200]
    return found.group(1)


def jsonld(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert found, page[:300]
    return json.loads(found.group(1))


async def to_payment(shop: Shop3, customer: aiohttp.ClientSession, lang: str = "pl") -> None:
    """Put a backpack in the cart and give the address, as the pages' scripts do."""
    assert (await call(customer, "POST", f"{shop.url}/api/{lang}/cart", {"slug": "tatra-30"}))[0] == 200
    address = ADDRESS if lang == "pl" else {**ADDRESS, "zip": "10115", "city": "Berlin"}
    assert await call(customer, "POST", f"{shop.url}/api/{lang}/checkout", address) == (
        200,
        {"next": f"/{lang}/payment"},
    )


async def test_clean_shop_is_a_script_rendered_shell_in_two_languages(shop3: Shop3, customer) -> None:
    status, page, headers = await get(customer, f"{shop3.url}/")
    assert (status, headers["Location"]) == (302, "/pl/")
    for lang in ("pl", "de"):
        status, page, _ = await get(customer, f"{shop3.url}/{lang}/")
        assert status == 200 and lang_of(page) == lang
        assert '<div id="root"' in page and "/static/app.js" in page
        assert f'src="{shop3.pixel_url}/px.gif"' in page  # every page loads the third-party pixel
    assert shop3.pixel_url != shop3.url
    status, products = await call(customer, "GET", f"{shop3.url}/api/de/products")
    assert status == 200 and products["products"][0] == {
        "slug": "tatra-30",
        "name": "Rucksack Tatra 30 l",
        "text": "Leichter Rucksack für Tagestouren.",
        "price": "79,00 €",
    }


async def test_product_page_carries_schema_org_product_in_stock(shop3: Shop3, customer) -> None:
    status, page, _ = await get(customer, f"{shop3.url}/pl/p/tatra-30")
    data = jsonld(page)
    assert status == 200 and data["@type"] == "Product"
    assert data["offers"]["availability"] == "https://schema.org/InStock"
    assert (data["offers"]["price"], data["offers"]["priceCurrency"]) == ("349.00", "PLN")
    status, product = await call(customer, "GET", f"{shop3.url}/api/pl/products/tatra-30")
    assert (status, product["in_stock"], product["buy_button"]) == (200, True, None)


@pytest.mark.parametrize("variant", ["disabled", "absent"])
async def test_out_of_stock_says_so_in_json_ld_and_refuses_the_cart(shop3: Shop3, customer, variant: str) -> None:
    shop3.faults.add(f"out_of_stock:{variant}")
    status, page, _ = await get(customer, f"{shop3.url}/pl/p/tatra-30")
    assert status == 200
    assert jsonld(page)["offers"]["availability"] == "https://schema.org/OutOfStock"
    status, product = await call(customer, "GET", f"{shop3.url}/api/pl/products/tatra-30")
    assert (status, product["in_stock"], product["buy_button"]) == (200, False, variant)
    assert (await call(customer, "POST", f"{shop3.url}/api/pl/cart", {"slug": "tatra-30"}))[0] == 409


async def test_a_clean_purchase_gets_an_order_number(shop3: Shop3, customer) -> None:
    await to_payment(shop3, customer)
    status, paid = await call(customer, "POST", f"{shop3.url}/api/pl/pay", CARD)
    assert status == 200 and paid["status"] == "paid"
    number = paid["next"].rsplit("/", 1)[1]
    assert re.fullmatch(r"PL-\d+", number)
    status, order = await call(customer, "GET", f"{shop3.url}/api/pl/orders/{number}")
    assert (status, order["number"], order["total"]) == (200, number, "349,00 zł")


@pytest.mark.parametrize(
    ("fault", "path", "status", "lang", "text"),
    [
        ("error_page@browse", "/pl/", 500, "pl", "Wewnętrzny błąd serwera"),
        ("error_text", "/pl/checkout", 200, "pl", "Ups! Coś poszło nie tak"),
        ("error_text:et@payment", "/pl/payment", 200, "et", "Midagi läks valesti"),
        ("error_text:de@confirmation", "/pl/order/PL-1", 200, "de", "Leider ist ein Fehler aufgetreten"),
        ("maintenance", "/pl/", 200, "pl", "Serwis tymczasowo niedostępny"),
        ("maintenance@cart", "/de/cart", 200, "de", "Service vorübergehend nicht verfügbar"),
        ("challenge", "/pl/", 200, "pl", "Potwierdź, że jesteś człowiekiem"),
        ("challenge:http_429@cart", "/pl/cart", 429, "pl", "Zbyt wiele żądań"),
    ],
)
async def test_page_faults_replace_the_stage_document(
    shop3: Shop3, customer, fault: str, path: str, status: int, lang: str, text: str
) -> None:
    shop3.faults.add(fault)
    got_status, page, headers = await get(customer, shop3.url + path)
    assert (got_status, lang_of(page)) == (status, lang)
    assert text in page
    assert "/static/app.js" not in page  # the platform's page, not the storefront
    assert f"{shop3.pixel_url}/px.gif" in page
    if fault.startswith("challenge:http_429"):
        assert headers["Retry-After"] == "30"
    elif fault.startswith("challenge"):
        assert 'data-widget="challenge"' in page and 'type="checkbox"' in page
    # Other stages are untouched.
    other = "/pl/cart" if "/cart" not in path else "/pl/"
    assert (await get(customer, shop3.url + other))[0] == 200


async def test_a_limited_fault_hits_only_its_first_requests(shop3: Shop3, customer) -> None:
    shop3.faults.add("error_page@browse*1")
    assert [(await get(customer, f"{shop3.url}/pl/"))[0] for _ in range(2)] == [500, 200]


async def test_slow_delays_only_its_stage_document(shop3: Shop3, customer) -> None:
    shop3.faults.add("slow:1200@checkout")
    started = time.monotonic()
    assert (await get(customer, f"{shop3.url}/pl/checkout"))[0] == 200
    assert time.monotonic() - started >= 1.2  # a lower bound the server guarantees


async def test_api_error_answers_500_with_a_message(shop3: Shop3, customer) -> None:
    shop3.faults.add("api_error@cart")
    assert await call(customer, "POST", f"{shop3.url}/api/pl/cart", {"slug": "tatra-30"}) == (
        500,
        {"error": "Wystąpił błąd serwera. Spróbuj ponownie."},
    )
    # Reading (the cart count every page shows) still works: only the stage's action fails.
    assert (await call(customer, "GET", f"{shop3.url}/api/pl/cart"))[0] == 200
    assert (await call(customer, "GET", f"{shop3.url}/api/pl/products"))[0] == 200


async def test_checkout_validates_and_the_fault_rejects_correct_data(shop3: Shop3, customer) -> None:
    await call(customer, "POST", f"{shop3.url}/api/pl/cart", {"slug": "tatra-30"})
    status, answer = await call(
        customer, "POST", f"{shop3.url}/api/pl/checkout", {**ADDRESS, "terms": False, "zip": "1"}
    )
    assert status == 422 and set(answer["fields"]) == {"terms", "zip"}
    shop3.faults.add("validation_error")
    status, answer = await call(customer, "POST", f"{shop3.url}/api/pl/checkout", ADDRESS)
    assert (status, answer) == (
        422,
        {"error": "Popraw zaznaczone pola.", "fields": {"street": "Tego adresu nie możemy obsłużyć."}},
    )


@pytest.mark.parametrize(
    ("fault", "card", "status"),
    [
        ("payment_rejected", CARD, 200),
        ("payment_rejected:http_402", CARD, 402),
        (None, {**CARD, "number": "4000000000000002"}, 200),
    ],
)
async def test_a_decline_keeps_the_customer_on_the_payment_page(
    shop3: Shop3, customer, fault: str | None, card: dict[str, str], status: int
) -> None:
    if fault:
        shop3.faults.add(fault)
    await to_payment(shop3, customer)
    assert await call(customer, "POST", f"{shop3.url}/api/pl/pay", card) == (
        status,
        {"status": "declined", "message": "Płatność odrzucona: bank nie autoryzował transakcji."},
    )
    # Nothing was ordered; paying again with a good card works.
    shop3.faults.clear()
    status, paid = await call(customer, "POST", f"{shop3.url}/api/pl/pay", CARD)
    assert status == 200 and paid["status"] == "paid"


async def test_confirmation_missing_thanks_without_a_number(shop3: Shop3, customer) -> None:
    shop3.faults.add("confirmation_missing")
    await to_payment(shop3, customer, "de")
    _, paid = await call(customer, "POST", f"{shop3.url}/api/de/pay", CARD)
    number = paid["next"].rsplit("/", 1)[1]
    status, order = await call(customer, "GET", f"{shop3.url}/api/de/orders/{number}")
    assert (status, order["number"], order["total"]) == (200, None, "79,00 €")


async def test_the_pixel_answers_after_its_delay(shop3: Shop3, customer) -> None:
    assert await call(customer, "POST", f"{shop3.url}/__admin/settings", {"pixel_delay_ms": 800}) == (
        200,
        {"pixel_delay_ms": 800, "noise": False},
    )
    started = time.monotonic()
    async with customer.get(f"{shop3.pixel_url}/px.gif") as response:
        assert (response.status, response.content_type) == (200, "image/gif")
        await response.read()
    assert time.monotonic() - started >= 0.8  # a lower bound the server guarantees


async def test_noise_adds_a_failing_third_party_tag(shop3: Shop3, customer) -> None:
    assert f"{shop3.pixel_url}/tag.js" not in (await get(customer, f"{shop3.url}/pl/"))[1]
    await call(customer, "POST", f"{shop3.url}/__admin/settings", {"noise": True})
    assert f"{shop3.pixel_url}/tag.js" in (await get(customer, f"{shop3.url}/pl/"))[1]
    status, script, _ = await get(customer, f"{shop3.pixel_url}/tag.js")
    assert status == 200 and "console.error" in script and "/collect" in script
    assert (await get(customer, f"{shop3.pixel_url}/collect"))[0] == 503


async def test_admin_endpoint_switches_faults_at_run_time(shop3: Shop3, customer) -> None:
    admin = f"{shop3.url}/__admin/faults"
    status, added = await call(customer, "POST", admin, {"fault": "maintenance@cart*3"})
    assert (status, added["added"]) == (200, "maintenance@cart*3")
    assert (await get(customer, f"{shop3.url}/pl/cart"))[0] == 200
    assert "Przerwa techniczna" in (await get(customer, f"{shop3.url}/pl/cart"))[1]
    assert await call(customer, "GET", admin) == (200, {"faults": [{"spec": "maintenance@cart*3", "hits": 2}]})
    status, refused = await call(customer, "POST", admin, {"fault": "maintenance:x"})
    assert status == 400 and "unknown variant 'x'" in refused["error"]
    assert await call(customer, "DELETE", admin) == (200, {"faults": []})
    assert "/static/app.js" in (await get(customer, f"{shop3.url}/pl/cart"))[1]
    assert (await call(customer, "POST", f"{shop3.url}/__admin/settings", {"pixel_delay_ms": -1}))[0] == 400


def test_runnable_by_hand_and_a_bad_fault_is_a_usage_error() -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "tests.shop3.server", "--fault", "boom"], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2 and "unknown fault 'boom'" in bad.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.shop3.server", "--port", "0", "--fault", "maintenance"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert url, line

        async def fetch() -> tuple[int, str]:
            async with aiohttp.ClientSession() as session, session.get(f"{url.group(0)}/pl/") as response:
                return response.status, await response.text()

        status, page = asyncio.run(fetch())
        assert status == 200 and "Serwis tymczasowo niedostępny" in page
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0
