"""The third test shop, "Borówka": a script-rendered outdoor shop in Polish and German.

Built unlike the demo shop (server-rendered English) and the second shop (static Finnish pages):
every page is the same small HTML shell that a vanilla-JS app (``static/app.js``, no build step)
fills from a JSON API on the same origin; class names are hashed or utility classes; messages are
toasts (``role="status"`` in an ``aria-live`` region), a Bootstrap-like ``.alert-danger`` summary,
``aria-invalid`` fields and a ``role="alert"`` payment decline. Shipping is chosen with styled
radios drawn over visually hidden native ones, the terms with a styled checkbox; payment is one
method (a card form and one "Zapłać"/"Bezahlen" button). Every page loads a tracking pixel from a
second loopback origin that answers after ``pixel_delay_ms``.

Pages (``{lang}`` is ``pl`` or ``de``; ``<html lang>`` says which)::

    /{lang}/                 browse        product list
    /{lang}/p/{slug}         browse        product, JSON-LD Product with availability
    /{lang}/cart             cart
    /{lang}/checkout         checkout      address, shipping radios, terms checkbox
    /{lang}/payment          payment       card form, one pay button
    /{lang}/order/{number}   confirmation

Faults: see :mod:`tests.shop3.faults`; switch them with ``--fault SPEC`` or the admin endpoint
``/__admin/faults`` (GET lists, POST ``{"fault": SPEC}`` adds, DELETE clears). The controls —
``pixel_delay_ms`` and ``noise`` (a third-party tag that logs errors and fires failing beacons) —
are set with ``--pixel-delay-ms``/``--noise`` or ``POST /__admin/settings``.

Run by hand: ``python -m tests.shop3.server --port 8500 --pixel-delay-ms 3000``.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import re
import secrets
import signal
import sys
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.shop3.faults import SPEC_FORMAT, Fault, FaultSet, FaultSpecError

STATIC = Path(__file__).parent / "static"
LANGS = ("pl", "de")
CURRENCY = {"pl": "PLN", "de": "EUR"}
COOKIE = "b3sid"
DECLINED_CARD = "4000000000000002"
_GIF = bytes.fromhex("47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b")


@dataclass(frozen=True)
class Product:
    """A catalogue item; names, texts and prices per storefront language."""

    slug: str
    name: dict[str, str]
    text: dict[str, str]
    price: dict[str, Decimal]


CATALOGUE = {
    p.slug: p
    for p in (
        Product(
            "tatra-30",
            {"pl": "Plecak Tatra 30 l", "de": "Rucksack Tatra 30 l"},
            {"pl": "Lekki plecak na jednodniowe wyjścia w góry.", "de": "Leichter Rucksack für Tagestouren."},
            {"pl": Decimal("349.00"), "de": Decimal("79.00")},
        ),
        Product(
            "kubek-bor",
            {"pl": "Kubek termiczny Bór", "de": "Thermobecher Bór"},
            {"pl": "Utrzymuje ciepło przez sześć godzin.", "de": "Hält sechs Stunden warm."},
            {"pl": Decimal("89.00"), "de": Decimal("19.90")},
        ),
        Product(
            "iskra",
            {"pl": "Latarka czołowa Iskra", "de": "Stirnlampe Iskra"},
            {"pl": "300 lumenów, ładowana przez USB-C.", "de": "300 Lumen, über USB-C aufladbar."},
            {"pl": Decimal("129.00"), "de": Decimal("29.90")},
        ),
    )
}

# Pages the shop's platform serves instead of the app when a fault hits: (title, heading, body).
ERROR_TEXT = {
    "pl": ("Błąd", "Ups! Coś poszło nie tak", "Przepraszamy, spróbuj ponownie za kilka minut."),
    "de": ("Fehler", "Leider ist ein Fehler aufgetreten", "Bitte versuchen Sie es in einigen Minuten erneut."),
    "et": ("Viga", "Midagi läks valesti", "Vabandame! Palun proovige mõne minuti pärast uuesti."),
}
SERVER_ERROR = {
    "pl": ("500", "Wewnętrzny błąd serwera", "Serwer nie mógł obsłużyć żądania."),
    "de": ("500", "Interner Serverfehler", "Der Server konnte die Anfrage nicht bearbeiten."),
}
MAINTENANCE = {
    "pl": ("Przerwa techniczna", "Serwis tymczasowo niedostępny", "Trwają prace techniczne. Wkrótce wracamy!"),
    "de": ("Wartungsarbeiten", "Service vorübergehend nicht verfügbar", "Wir sind bald wieder da."),
}
CHALLENGE = {
    "pl": ("Weryfikacja", "Potwierdź, że jesteś człowiekiem", "Nie jestem robotem"),
    "de": ("Überprüfung", "Bitte bestätigen Sie, dass Sie ein Mensch sind", "Ich bin kein Roboter"),
}
TOO_MANY = {
    "pl": "Zbyt wiele żądań. Spróbuj ponownie za chwilę.",
    "de": "Zu viele Anfragen. Bitte versuchen Sie es gleich noch einmal.",
}
API_MESSAGES = {
    "pl": {
        "invalid": "Popraw zaznaczone pola.",
        "email": "Podaj poprawny adres e-mail.",
        "required": "To pole jest wymagane.",
        "zip": "Kod pocztowy ma format 00-000.",
        "shipping": "Wybierz sposób dostawy.",
        "terms": "Zaakceptuj regulamin.",
        "rejected": "Tego adresu nie możemy obsłużyć.",
        "card": "Sprawdź dane karty.",
        "declined": "Płatność odrzucona: bank nie autoryzował transakcji.",
        "server": "Wystąpił błąd serwera. Spróbuj ponownie.",
        "empty": "Koszyk jest pusty.",
    },
    "de": {
        "invalid": "Bitte prüfen Sie die markierten Felder.",
        "email": "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
        "required": "Pflichtfeld.",
        "zip": "Die Postleitzahl hat fünf Ziffern.",
        "shipping": "Bitte wählen Sie eine Versandart.",
        "terms": "Bitte akzeptieren Sie die AGB.",
        "rejected": "Diese Adresse können wir nicht beliefern.",
        "card": "Bitte prüfen Sie die Kartendaten.",
        "declined": "Zahlung abgelehnt: Ihre Bank hat die Transaktion nicht autorisiert.",
        "server": "Ein Serverfehler ist aufgetreten. Bitte erneut versuchen.",
        "empty": "Der Warenkorb ist leer.",
    },
}
_ZIP = {"pl": re.compile(r"\d{2}-\d{3}"), "de": re.compile(r"\d{5}")}


@dataclass
class Customer:
    """One browser's cart, address, out-of-stock view and orders."""

    cart: dict[str, int] = field(default_factory=dict)
    address: dict[str, str] | None = None
    out_of_stock: str | None = None
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)


CUSTOMER = web.RequestKey("customer", Customer)


@dataclass
class Settings:
    """The controls: a slow third-party pixel and third-party noise; neither is a shop fault."""

    pixel_delay_ms: int = 0
    noise: bool = False


def money(amount: Decimal, lang: str) -> str:
    """349,00 zł / 79,00 €."""
    text = f"{amount:.2f}".replace(".", ",")
    return f"{text} zł" if lang == "pl" else f"{text} €"


def stage_of(tail: str) -> str:
    """The purchase-path stage of a storefront path below ``/{lang}/``."""
    head = tail.split("/", 1)[0]
    return {"cart": "cart", "checkout": "checkout", "payment": "payment", "order": "confirmation"}.get(head, "browse")


class Shop3:
    """The shop and its third-party pixel origin, served from one event loop."""

    def __init__(self, faults: FaultSet | None = None, settings: Settings | None = None) -> None:
        self.faults = faults or FaultSet()
        self.settings = settings or Settings()
        self.customers: dict[str, Customer] = {}
        self.url = ""
        self.pixel_url = ""
        self._runners: list[web.AppRunner] = []
        self._order_seq = 48210

    # --- apps -------------------------------------------------------------------------------

    def shop_app(self) -> web.Application:
        app = web.Application(middlewares=[self._session])
        app.router.add_get("/", self._root)
        app.router.add_static("/static/", STATIC)
        app.router.add_get("/__admin/faults", self._faults_get)
        app.router.add_post("/__admin/faults", self._faults_post)
        app.router.add_delete("/__admin/faults", self._faults_delete)
        app.router.add_get("/__admin/settings", self._settings_get)
        app.router.add_post("/__admin/settings", self._settings_post)
        app.router.add_get("/api/{lang}/products", self._api_products)
        app.router.add_get("/api/{lang}/products/{slug}", self._api_product)
        app.router.add_get("/api/{lang}/cart", self._api_cart)
        app.router.add_post("/api/{lang}/cart", self._api_cart_add)
        app.router.add_post("/api/{lang}/checkout", self._api_checkout)
        app.router.add_get("/api/{lang}/payment", self._api_payment)
        app.router.add_post("/api/{lang}/pay", self._api_pay)
        app.router.add_get("/api/{lang}/orders/{number}", self._api_order)
        app.router.add_get("/{lang}", self._lang_root)
        app.router.add_get("/{lang}/{tail:.*}", self._document)
        return app

    def pixel_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/px.gif", self._pixel)
        app.router.add_get("/tag.js", self._tag)
        app.router.add_get("/collect", self._collect)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0, pixel_port: int = 0) -> None:
        """Listen on ``host``; port 0 picks a free port."""
        for app, wanted, attr in ((self.pixel_app(), pixel_port, "pixel_url"), (self.shop_app(), port, "url")):
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
            await runner.setup()
            await web.TCPSite(runner, host, wanted).start()
            self._runners.append(runner)
            setattr(self, attr, f"http://127.0.0.1:{runner.addresses[0][1]}")

    async def stop(self) -> None:
        runners, self._runners = self._runners, []
        for runner in reversed(runners):
            await runner.cleanup()

    # --- sessions ---------------------------------------------------------------------------

    @web.middleware
    async def _session(self, request: web.Request, handler: Any) -> web.StreamResponse:
        sid = request.cookies.get(COOKIE, "")
        fresh = sid not in self.customers
        if fresh:
            sid = secrets.token_urlsafe(12)
            self.customers[sid] = Customer()
        request[CUSTOMER] = self.customers[sid]
        response = await handler(request)
        if fresh and not request.path.startswith(("/static/", "/__admin/")):
            response.set_cookie(COOKIE, sid, httponly=True, samesite="Lax", path="/")
        return response

    # --- documents --------------------------------------------------------------------------

    async def _root(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/pl/")

    async def _lang_root(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["lang"] not in LANGS:
            raise web.HTTPNotFound()
        raise web.HTTPFound(f"/{request.match_info['lang']}/")

    async def _document(self, request: web.Request) -> web.StreamResponse:
        lang, tail = request.match_info["lang"], request.match_info["tail"]
        if lang not in LANGS:
            raise web.HTTPNotFound()
        stage = stage_of(tail)
        slow = self.faults.hit("slow", stage)
        if slow is not None:
            await asyncio.sleep(int(slow.variant or 0) / 1000)
        page = self._fault_page(lang, stage)
        if page is not None:
            return page
        customer: Customer = request[CUSTOMER]
        jsonld = ""
        if tail.startswith("p/"):
            product = CATALOGUE.get(tail[2:])
            if product is None:
                raise web.HTTPNotFound()
            oos = self.faults.hit("out_of_stock", "browse")
            customer.out_of_stock = oos.variant if oos else None
            jsonld = self._product_jsonld(product, lang, request, in_stock=oos is None)
        return web.Response(text=self._shell(lang, jsonld), content_type="text/html")

    def _fault_page(self, lang: str, stage: str) -> web.Response | None:
        hit = self.faults.hit
        if (fault := hit("challenge", stage)) is not None:
            if fault.variant == "http_429":
                body = f'<main class="_c0_k2l9"><h1 class="text-xl">429</h1><p>{TOO_MANY[lang]}</p></main>'
                return self._platform_page(lang, "429", body, 429, {"Retry-After": "30"})
            title, heading, box = CHALLENGE[lang]
            body = (
                f'<main class="_c0_k2l9"><h1 class="text-xl">{heading}</h1>'
                '<div class="_cx_77aa" data-widget="challenge">'
                f'<label class="_cx_row_1b3f"><input type="checkbox" name="human"> {box}</label>'
                '<svg class="_cx_img_0c9d" width="160" height="48" role="img" aria-label="captcha">'
                '<text x="10" y="32" font-size="24" transform="skewX(-12)">k7 Qm2</text></svg>'
                "</div></main>"
            )
            return self._platform_page(lang, title, body)
        if hit("maintenance", stage) is not None:
            title, heading, text = MAINTENANCE[lang]
            body = f'<main class="_c0_k2l9"><h1 class="text-xl">{heading}</h1><p>{text}</p></main>'
            return self._platform_page(lang, title, body)
        if (fault := hit("error_text", stage)) is not None:
            page_lang = lang if fault.variant in (None, "page") else str(fault.variant)
            title, heading, text = ERROR_TEXT[page_lang]
            body = f'<main class="_c0_k2l9"><h2 class="text-xl">{heading}</h2><p>{text}</p></main>'
            return self._platform_page(page_lang, title, body)
        if hit("error_page", stage) is not None:
            code, heading, text = SERVER_ERROR[lang]
            body = f'<main class="_c0_k2l9"><h1 class="text-xl">{code} – {heading}</h1><p>{text}</p></main>'
            return self._platform_page(lang, heading, body, 500)
        return None

    def _platform_page(
        self, lang: str, title: str, body: str, status: int = 200, headers: dict[str, str] | None = None
    ) -> web.Response:
        page = (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            '<link rel="stylesheet" href="/static/app.css"></head>'
            f'<body class="bg-paper text-ink">{body}{self._third_party()}</body></html>'
        )
        return web.Response(text=page, status=status, content_type="text/html", headers=headers)

    def _third_party(self) -> str:
        tags = f'<img class="_px_0b7d" alt="" width="1" height="1" src="{self.pixel_url}/px.gif">'
        if self.settings.noise:
            tags += f'<script async src="{self.pixel_url}/tag.js"></script>'
        return tags

    def _shell(self, lang: str, jsonld: str) -> str:
        return (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Borówka</title>"
            '<link rel="stylesheet" href="/static/app.css">'
            f"{jsonld}"
            '<script defer src="/static/app.js"></script></head>'
            '<body class="bg-paper text-ink">'
            '<div id="root" class="min-h-screen"></div>'
            '<div class="_tz_4e2a" id="toasts" aria-live="polite"></div>'
            f"{self._third_party()}</body></html>"
        )

    def _product_jsonld(self, product: Product, lang: str, request: web.Request, in_stock: bool) -> str:
        data = {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": product.name[lang],
            "sku": product.slug,
            "description": product.text[lang],
            "offers": {
                "@type": "Offer",
                "url": str(request.url),
                "price": f"{product.price[lang]:.2f}",
                "priceCurrency": CURRENCY[lang],
                "availability": "https://schema.org/InStock" if in_stock else "https://schema.org/OutOfStock",
            },
        }
        return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'

    # --- API --------------------------------------------------------------------------------

    def _lang(self, request: web.Request) -> str:
        lang = request.match_info["lang"]
        if lang not in LANGS:
            raise web.HTTPNotFound()
        return lang

    def _api_fault(self, stage: str, lang: str) -> web.Response | None:
        if self.faults.hit("api_error", stage) is not None:
            return web.json_response({"error": API_MESSAGES[lang]["server"]}, status=500)
        return None

    def _product_json(self, product: Product, lang: str) -> dict[str, Any]:
        return {
            "slug": product.slug,
            "name": product.name[lang],
            "text": product.text[lang],
            "price": money(product.price[lang], lang),
        }

    async def _api_products(self, request: web.Request) -> web.StreamResponse:
        lang = self._lang(request)
        return web.json_response({"products": [self._product_json(p, lang) for p in CATALOGUE.values()]})

    async def _api_product(self, request: web.Request) -> web.StreamResponse:
        lang = self._lang(request)
        product = CATALOGUE.get(request.match_info["slug"])
        if product is None:
            return web.json_response({"error": "not found"}, status=404)
        oos = request[CUSTOMER].out_of_stock
        return web.json_response({**self._product_json(product, lang), "in_stock": oos is None, "buy_button": oos})

    def _cart_json(self, customer: Customer, lang: str) -> dict[str, Any]:
        lines = [(CATALOGUE[slug], qty) for slug, qty in customer.cart.items()]
        total = sum((p.price[lang] * q for p, q in lines), Decimal("0"))
        return {
            "lines": [{"name": p.name[lang], "quantity": q, "total": money(p.price[lang] * q, lang)} for p, q in lines],
            "count": sum(customer.cart.values()),
            "total": money(total, lang),
        }

    async def _api_cart(self, request: web.Request) -> web.StreamResponse:
        lang = self._lang(request)
        return web.json_response(self._cart_json(request[CUSTOMER], lang))

    async def _api_cart_add(self, request: web.Request) -> web.StreamResponse:
        lang = self._lang(request)
        if (failed := self._api_fault("cart", lang)) is not None:
            return failed
        body = await request.json()
        customer: Customer = request[CUSTOMER]
        if body.get("slug") not in CATALOGUE or customer.out_of_stock:
            return web.json_response({"error": "not available"}, status=409)
        customer.cart[body["slug"]] = customer.cart.get(body["slug"], 0) + 1
        return web.json_response(self._cart_json(customer, lang))

    async def _api_checkout(self, request: web.Request) -> web.StreamResponse:
        lang = self._lang(request)
        if (failed := self._api_fault("checkout", lang)) is not None:
            return failed
        text = API_MESSAGES[lang]
        form = await request.json()
        customer: Customer = request[CUSTOMER]
        if not customer.cart:
            return web.json_response({"error": text["empty"]}, status=409)
        errors: dict[str, str] = {}
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", str(form.get("email", ""))):
            errors["email"] = text["email"]
        for name in ("name", "street", "city"):
            if not str(form.get(name, "")).strip():
                errors[name] = text["required"]
        if not _ZIP[lang].fullmatch(str(form.get("zip", "")).strip()):
            errors["zip"] = text["zip"]
        if form.get("shipping") not in ("courier", "locker"):
            errors["shipping"] = text["shipping"]
        if form.get("terms") is not True:
            errors["terms"] = text["terms"]
        if not errors and self.faults.hit("validation_error", "checkout") is not None:
            errors["street"] = text["rejected"]
        if errors:
            return web.json_response({"error": text["invalid"], "fields": errors}, status=422)
        customer.address = {k: str(form[k]) for k in ("email", "name", "street", "zip", "city", "shipping")}
        return web.json_response({"next": f"/{lang}/payment"})

    async def _api_payment(self, request: web.Request) -> web.StreamResponse:
        lang = self._lang(request)
        customer: Customer = request[CUSTOMER]
        return web.json_response({**self._cart_json(customer, lang), "address": customer.address})

    async def _api_pay(self, request: web.Request) -> web.StreamResponse:
        lang = self._lang(request)
        if (failed := self._api_fault("payment", lang)) is not None:
            return failed
        text = API_MESSAGES[lang]
        card = await request.json()
        customer: Customer = request[CUSTOMER]
        if not customer.cart or customer.address is None:
            return web.json_response({"error": text["empty"]}, status=409)
        number = re.sub(r"\D", "", str(card.get("number", "")))
        fields = {}
        if not 13 <= len(number) <= 19:
            fields["number"] = text["card"]
        if not re.fullmatch(r"(0[1-9]|1[0-2])/\d{2}", str(card.get("expiry", "")).strip()):
            fields["expiry"] = text["card"]
        if not re.fullmatch(r"\d{3,4}", str(card.get("cvc", "")).strip()):
            fields["cvc"] = text["card"]
        if fields:
            return web.json_response({"error": text["card"], "fields": fields}, status=422)
        declined = self.faults.hit("payment_rejected", "payment")
        if declined is not None or number == DECLINED_CARD:
            status = 402 if declined is not None and declined.variant == "http_402" else 200
            return web.json_response({"status": "declined", "message": text["declined"]}, status=status)
        self._order_seq += 1
        number_text = f"{lang.upper()}-{self._order_seq}"
        customer.orders[number_text] = {**self._cart_json(customer, lang), "address": customer.address}
        customer.cart = {}
        return web.json_response({"status": "paid", "next": f"/{lang}/order/{number_text}"})

    async def _api_order(self, request: web.Request) -> web.StreamResponse:
        self._lang(request)  # 404 for an unknown storefront
        number = request.match_info["number"]
        order = request[CUSTOMER].orders.get(number)
        if order is None:
            return web.json_response({"error": "not found"}, status=404)
        shown = None if self.faults.hit("confirmation_missing", "confirmation") else number
        return web.json_response({**order, "number": shown})

    # --- third party ------------------------------------------------------------------------

    async def _pixel(self, request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(self.settings.pixel_delay_ms / 1000)
        return web.Response(body=_GIF, content_type="image/gif", headers={"Cache-Control": "no-store"})

    async def _tag(self, request: web.Request) -> web.StreamResponse:
        script = (
            'console.error("[t3] consent string missing, tracking limited");'
            f'new Image().src = "{self.pixel_url}/collect?e=pageview&t=" + Date.now();'
        )
        return web.Response(text=script, content_type="application/javascript")

    async def _collect(self, request: web.Request) -> web.StreamResponse:
        return web.Response(status=503, text="collector overloaded")

    # --- admin ------------------------------------------------------------------------------

    async def _faults_get(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"faults": self.faults.list()})

    async def _faults_post(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
            fault: Fault = self.faults.add(str(body["fault"]))
        except (ValueError, KeyError, TypeError) as error:
            return web.json_response({"error": str(error)}, status=400)
        return web.json_response({"added": str(fault), "faults": self.faults.list()})

    async def _faults_delete(self, request: web.Request) -> web.StreamResponse:
        self.faults.clear()
        return web.json_response({"faults": []})

    async def _settings_get(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(vars(self.settings))

    async def _settings_post(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if "pixel_delay_ms" in body:
            delay = body["pixel_delay_ms"]
            if not isinstance(delay, int) or not 0 <= delay <= 600_000:
                return web.json_response({"error": "pixel_delay_ms: 0 to 600000"}, status=400)
            self.settings.pixel_delay_ms = delay
        if "noise" in body:
            self.settings.noise = bool(body["noise"])
        return web.json_response(vars(self.settings))


class Shop3Thread:
    """Run the shop in a background thread: ``with Shop3Thread(pixel_delay_ms=3000) as shop:``."""

    def __init__(self, faults: list[str] | None = None, pixel_delay_ms: int = 0, noise: bool = False) -> None:
        self.shop = Shop3(FaultSet(faults or ()), Settings(pixel_delay_ms, noise))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="shop3", daemon=True)

    def __enter__(self) -> Shop3:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.shop.start(), self._loop).result(10)
        return self.shop

    def __exit__(self, *exc: object) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.shop.stop(), self._loop).result(10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


def main(argv: list[str] | None = None) -> int:
    """Serve the shop until SIGINT/SIGTERM; exit 2 for a bad fault spec."""
    parser = argparse.ArgumentParser(prog="python -m tests.shop3.server", description="Serve the third test shop.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8500, help="shop port, 0 for any (default: %(default)s)")
    parser.add_argument("--pixel-port", type=int, default=0, help="third-party pixel port (default: any free)")
    parser.add_argument("--pixel-delay-ms", type=int, default=0, help="the pixel answers after this long")
    parser.add_argument("--noise", action="store_true", help="add a third-party tag that logs errors")
    parser.add_argument("--fault", action="append", default=[], metavar="SPEC", help=f"{SPEC_FORMAT}, repeatable")
    args = parser.parse_args(argv)
    try:
        faults = FaultSet(args.fault)
    except FaultSpecError as error:
        parser.error(str(error))

    async def serve() -> None:
        shop = Shop3(faults, Settings(args.pixel_delay_ms, args.noise))
        await shop.start(args.host, args.port, args.pixel_port)
        print(f"shop3: {shop.url}/pl/ and {shop.url}/de/ (pixel {shop.pixel_url})", flush=True)
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        await stop.wait()
        await shop.stop()

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
