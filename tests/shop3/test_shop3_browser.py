"""The third shop in real Chromium: script-rendered pages, styled controls, alerts, the slow pixel."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.shop3.server import Shop3

pytestmark = pytest.mark.browser

DEMO_TEMPLATES = Path(__file__).resolve().parents[2] / "cxmon" / "demo" / "templates"
SHOP2_PAGES = Path(__file__).resolve().parents[1] / "shop2" / "pages"


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def walk_to_checkout(page: Page, shop: Shop3, lang: str = "pl") -> None:
    texts = {
        "pl": ("Plecak Tatra 30 l", "Dodaj do koszyka", "Przejdź do kasy"),
        "de": ("Rucksack Tatra 30 l", "In den Warenkorb", "Zur Kasse"),
    }[lang]
    await page.goto(f"{shop.url}/{lang}/")
    await page.get_by_role("link", name=texts[0]).click()
    await page.get_by_role("button", name=texts[1]).click()
    await page.wait_for_url(f"**/{lang}/cart")
    await page.get_by_role("button", name=texts[2]).click()
    await page.wait_for_url(f"**/{lang}/checkout")


async def fill_address(page: Page, lang: str = "pl") -> None:
    if lang == "pl":
        values = {
            "E-mail": "synthetic-order@example.com",
            "Imię i nazwisko": "Test Klient",
            "Ulica i numer": "Leśna 1",
            "Kod pocztowy": "00-950",
            "Miasto": "Warszawa",
        }
        choices = ("Kurier DPD", "Akceptuję regulamin sklepu")
    else:
        values = {
            "E-Mail": "synthetic-order@example.com",
            "Vor- und Nachname": "Test Kunde",
            "Straße und Hausnummer": "Waldweg 1",
            "Postleitzahl": "10115",
            "Ort": "Berlin",
        }
        choices = ("DHL Paket", "Ich akzeptiere die AGB")
    for label, value in values.items():
        await page.get_by_label(label, exact=True).fill(value)
    for text in choices:  # a customer clicks the styled stand-in, not the hidden native control
        await page.get_by_text(text, exact=True).click()


async def fill_card(page: Page, number: str = "4242424242424242", lang: str = "pl") -> None:
    labels = (
        ("Numer karty", "Data ważności (MM/RR)", "Kod CVC")
        if lang == "pl"
        else ("Kartennummer", "Gültig bis (MM/JJ)", "Prüfnummer (CVC)")
    )
    for label, value in zip(labels, (number, "12/34", "123"), strict=True):
        await page.get_by_label(label).fill(value)


@pytest.mark.parametrize(
    ("lang", "thanks", "number_label", "pay"),
    [
        ("pl", "Dziękujemy za zamówienie!", "Numer zamówienia:", "Zapłać"),
        ("de", "Vielen Dank für Ihre Bestellung!", "Bestellnummer:", "Bezahlen"),
    ],
)
async def test_a_customer_buys_in_each_language(
    page: Page, shop3: Shop3, lang: str, thanks: str, number_label: str, pay: str
) -> None:
    await walk_to_checkout(page, shop3, lang)
    assert await page.evaluate("document.documentElement.lang") == lang
    await fill_address(page, lang)
    await page.get_by_role("button", name="Dalej do płatności" if lang == "pl" else "Weiter zur Zahlung").click()
    await page.wait_for_url(f"**/{lang}/payment")
    # One method: no chooser, one card form and one pay button.
    assert await page.get_by_role("radio").count() == 0
    assert await page.locator("select").count() == 0
    await expect(page.get_by_role("button")).to_have_count(1)
    await fill_card(page, lang=lang)
    await page.get_by_role("button", name=pay).click()
    await page.wait_for_url(f"**/{lang}/order/**")
    await expect(page.get_by_role("heading", level=1)).to_have_text(thanks)
    await expect(page.get_by_text(number_label)).to_contain_text(re.compile(rf"{lang.upper()}-\d+"))


async def test_the_styled_radio_and_checkbox_are_covered_by_their_labels_and_clicking_the_cover_checks_them(
    page: Page, shop3: Shop3
) -> None:
    await walk_to_checkout(page, shop3)
    for input_id in ("shipping-courier", "shipping-locker", "terms-yes"):
        native = page.locator(f"#{input_id}")
        assert await native.evaluate("el => getComputedStyle(el).opacity") == "0"  # visually hidden
        box = await native.bounding_box()
        assert box is not None and box["width"] > 0
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        cover = await page.evaluate(
            """([x, y, id]) => {
                const top = document.elementFromPoint(x, y);
                const label = top.closest('label');
                const labelFor = label && label.control && label.control.id;
                return {isControl: top.id === id, cls: top.className, labelFor: labelFor};
            }""",
            [x, y, input_id],
        )
        # Another element is on top of the native control: its own label's styled stand-in.
        assert cover == {"isControl": False, "cls": "_ck_5d2c", "labelFor": input_id}
        assert not await native.is_checked()
        await page.mouse.click(x, y)  # the customer clicks what they see
        assert await native.is_checked()
    # Radios stay exclusive: the last one clicked is the chosen one.
    assert not await page.locator("#shipping-courier").is_checked()


async def test_validation_error_marks_fields_invalid_under_a_danger_alert(page: Page, shop3: Shop3) -> None:
    shop3.faults.add("validation_error")
    await walk_to_checkout(page, shop3)
    await fill_address(page)
    await page.get_by_role("button", name="Dalej do płatności").click()
    await expect(page.locator(".alert-danger")).to_have_text("Popraw zaznaczone pola.")
    street = page.get_by_label("Ulica i numer")
    await expect(street).to_have_attribute("aria-invalid", "true")
    described = await street.get_attribute("aria-describedby")
    await expect(page.locator(f"#{described}")).to_have_text("Tego adresu nie możemy obsłużyć.")
    assert page.url.endswith("/pl/checkout")


@pytest.mark.parametrize("fault", ["payment_rejected", "payment_rejected:http_402"])
async def test_a_decline_is_an_alert_on_the_payment_page_and_the_customer_stays(
    page: Page, shop3: Shop3, fault: str
) -> None:
    shop3.faults.add(fault)
    await walk_to_checkout(page, shop3)
    await fill_address(page)
    await page.get_by_role("button", name="Dalej do płatności").click()
    await page.wait_for_url("**/pl/payment")
    await fill_card(page)
    await page.get_by_role("button", name="Zapłać").click()
    await expect(page.get_by_role("alert")).to_have_text("Płatność odrzucona: bank nie autoryzował transakcji.")
    assert page.url.endswith("/pl/payment")
    await expect(page.get_by_role("button", name="Zapłać")).to_be_enabled()


async def test_adding_to_the_cart_shows_a_status_toast_in_a_live_region(page: Page, shop3: Shop3) -> None:
    await walk_to_checkout(page, shop3)
    await page.go_back()
    toast = page.locator("#toasts [role=status]")
    await page.goto(f"{shop3.url}/pl/p/kubek-bor")
    await page.get_by_role("button", name="Dodaj do koszyka").click()
    await page.wait_for_url("**/pl/cart")
    await expect(toast).to_have_text("Dodano do koszyka")
    assert await page.locator("#toasts").get_attribute("aria-live") == "polite"


async def test_api_error_shows_an_error_toast(page: Page, shop3: Shop3) -> None:
    shop3.faults.add("api_error@cart")
    await page.goto(f"{shop3.url}/pl/p/tatra-30")
    await page.get_by_role("button", name="Dodaj do koszyka").click()
    toast = page.locator("#toasts [role=status][data-tone=error]")
    await expect(toast).to_have_text("Wystąpił błąd serwera. Spróbuj ponownie.")
    assert page.url.endswith("/pl/p/tatra-30")


@pytest.mark.parametrize("variant", ["disabled", "absent"])
async def test_out_of_stock_product_in_the_browser(page: Page, shop3: Shop3, variant: str) -> None:
    shop3.faults.add(f"out_of_stock:{variant}")
    await page.goto(f"{shop3.url}/pl/p/tatra-30")
    await expect(page.locator("[data-availability=out-of-stock]")).to_have_text("Brak w magazynie")
    data = json.loads(await page.locator('script[type="application/ld+json"]').text_content() or "{}")
    assert data["offers"]["availability"] == "https://schema.org/OutOfStock"
    buy = page.get_by_role("button", name="Dodaj do koszyka")
    if variant == "disabled":
        await expect(buy).to_be_disabled()
    else:
        await expect(page.get_by_role("link", name="Powiadom o dostępności")).to_be_visible()
        assert await buy.count() == 0


async def test_the_challenge_page_shows_a_captcha_widget(page: Page, shop3: Shop3) -> None:
    shop3.faults.add("challenge")
    response = await page.goto(f"{shop3.url}/pl/")
    assert response is not None and response.status == 200
    await expect(page.get_by_role("heading")).to_have_text("Potwierdź, że jesteś człowiekiem")
    await expect(page.get_by_role("checkbox", name="Nie jestem robotem")).to_be_visible()
    await expect(page.get_by_role("img", name="captcha")).to_be_visible()
    assert await page.get_by_role("link").count() == 0


async def test_the_slow_pixel_delays_the_load_event_but_not_dom_content_loaded(page: Page, shop3: Shop3) -> None:
    shop3.settings.pixel_delay_ms = 3000
    await page.add_init_script(
        """document.addEventListener('DOMContentLoaded', () => {
            const pixel = document.querySelector('img[src*="/px.gif"]');
            window.__pixelDoneAtDcl = pixel ? pixel.complete : null;
        });"""
    )
    await page.goto(f"{shop3.url}/pl/", wait_until="domcontentloaded")
    # DOMContentLoaded came while the pixel was still loading, and the page is usable then.
    assert await page.evaluate("window.__pixelDoneAtDcl") is False
    await expect(page.get_by_role("link", name="Plecak Tatra 30 l")).to_be_visible()
    assert await page.evaluate("document.readyState") != "complete"
    await page.wait_for_load_state("load")
    timing = await page.evaluate(
        """(() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const pixel = performance.getEntriesByType('resource').find(e => e.name.includes('/px.gif'));
            return {dcl: nav.domContentLoadedEventEnd, load: nav.loadEventStart,
                    pixelStart: pixel.startTime, pixelEnd: pixel.responseEnd};
        })()"""
    )
    # Order, not speed: DOMContentLoaded ended before the pixel answered; the load event waited for it.
    assert timing["dcl"] < timing["pixelEnd"] <= timing["load"]
    assert timing["pixelEnd"] - timing["pixelStart"] >= 3000  # the server held the pixel that long


def _demo_classes() -> set[str]:
    classes: set[str] = set()
    for path in [*DEMO_TEMPLATES.glob("*.html"), *SHOP2_PAGES.glob("*.html")]:
        text = path.read_text(encoding="utf-8")
        for value in re.findall(r'class="([^"]*)"', text):
            classes.update(word for word in value.split() if re.fullmatch(r"[A-Za-z_][\w-]*", word))
        classes.update(re.findall(r"(?<![\w-])\.([A-Za-z_][\w-]*)\s*[,{:\[.>\s]", text))
    return classes


async def test_no_class_name_is_shared_with_the_other_test_shops(page: Page, shop3: Shop3) -> None:
    seen: set[str] = set()

    async def collect() -> None:
        seen.update(
            await page.evaluate(
                "[...new Set([...document.querySelectorAll('[class]')].flatMap(e => [...e.classList]))]"
            )
        )

    await walk_to_checkout(page, shop3)
    await collect()
    await fill_address(page)
    await page.get_by_role("button", name="Dalej do płatności").click()
    await page.wait_for_url("**/pl/payment")
    await collect()
    shop3.faults.add("challenge@payment")
    await page.reload()
    await collect()
    assert len(seen) > 20
    other = _demo_classes()
    assert len(other) > 20
    assert not seen & other, sorted(seen & other)
