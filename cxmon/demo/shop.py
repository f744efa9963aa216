"""The demo shop: a small server-rendered web shop whose faults can be switched on per stage.

Pages and the purchase-path stage they belong to::

    GET  /                      browse        product list
    GET  /product/{slug}        browse        "Add to cart" (POST /cart/add -> 303 /cart)
    GET  /cart                  cart          "Go to checkout" (GET /checkout)
    GET  /checkout              checkout      "Continue to payment" (POST /checkout -> 303 /payment)
    GET  /payment               payment       "Pay now" (POST /payment)
    GET  /payment/failed        payment       a declined redirect payment (HTTP 402)
    GET  /order/{number}        confirmation  "Continue shopping" (GET /)

Each stage's action button is ``#action-button`` inside the form ``#action-form``; ``<body>``
carries ``data-stage``. No payment method is pre-selected on the payment page: the customer has
to choose one, and paying without a choice answers 422 "Choose a payment method.".

Page faults (``error_page``, ``error_text``, ``slow``, ``js_error``, ``hidden_action``) count one
hit per GET of a page of their stage; a page re-rendered by a form post (validation errors,
declines) shows the faults still active without counting another hit.

Every page also exists under ``/fi/`` and ``/sv/``: the Finnish and Swedish markets, in their
language and currency, with their own payment methods (see :mod:`cxmon.demo.markets`); redirects
and links stay in the market. Faults with ``#MARKET`` hit that market's pages only.

Customers are told apart by the ``demo_sid`` cookie (``demo_sid_fi``, ``demo_sid_sv`` in the other
markets, so each keeps its own cart). Carts and orders live in memory and are only touched from the
event loop that serves the shop, so they need no lock.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import string
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from aiohttp import web
from yarl import URL

from cxmon.demo.faults import FaultSet, FaultSpecError, MarketFaults
from cxmon.demo.mailer import Confirmation, Mailer
from cxmon.demo.markets import MARKETS, Market
from cxmon.demo.provider import PaymentDecision, PaymentProvider
from cxmon.demo.templates import environment

__all__ = ["CATALOGUE", "SESSION_COOKIE", "Product", "create_shop_app"]

SESSION_COOKIE = "demo_sid"
CURRENCY = "EUR"
SHIPPING = Decimal("0.00")
# What the price faults change on the pages of their stage.
PRICE_FAULT_DELTA = Decimal("10.00")
TOTAL_FAULT_DELTA = Decimal("5.00")
FAULT_CURRENCY = "GBP"
MAX_QUANTITY = 99
# Bounds memory under long benchmark runs; the least recently seen customers are forgotten first.
MAX_SESSIONS = 50_000

_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ORDER_ALPHABET = string.ascii_uppercase + string.digits
_FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#12355b"/>'
    '<text x="16" y="22" font-family="sans-serif" font-size="16" font-weight="700" fill="#fff" '
    'text-anchor="middle">D</text></svg>'
)


@dataclass(frozen=True)
class Product:
    """A catalogue item."""

    slug: str
    name: str
    price: Decimal
    description: str
    colour: str


CATALOGUE: dict[str, Product] = {
    product.slug: product
    for product in (
        Product(
            "trail-runner",
            "Trail Runner",
            Decimal("89.00"),
            "A light running shoe for rough paths.",
            "#2f7d4f",
        ),
        Product("city-sneaker", "City Sneaker", Decimal("69.00"), "A comfortable everyday sneaker.", "#3a5ba0"),
        Product(
            "rain-jacket",
            "Rain Jacket",
            Decimal("119.00"),
            "A breathable jacket that keeps rain out.",
            "#b4572e",
        ),
    )
}


@dataclass(frozen=True)
class CartLine:
    """One product and its quantity in a cart or an order."""

    product: Product
    quantity: int

    @property
    def total(self) -> Decimal:
        return self.product.price * self.quantity


@dataclass
class CheckoutDetails:
    """What the customer entered at checkout."""

    email: str = ""
    name: str = ""
    address: str = ""
    city: str = ""


@dataclass(frozen=True)
class Order:
    """A placed (paid) order."""

    number: str
    lines: tuple[CartLine, ...]
    total: Decimal
    method: str
    details: CheckoutDetails
    method_label: str
    currency: str = "EUR"


@dataclass
class Customer:
    """One browser's state: cart, checkout details, payment in progress and placed orders."""

    cart: dict[str, int] = field(default_factory=dict)
    details: CheckoutDetails | None = None
    payment_session: str | None = None
    orders: dict[str, Order] = field(default_factory=dict)
    # Provider payment session id -> order number, so a repeated return from the provider
    # shows the order instead of placing it twice.
    paid: dict[str, str] = field(default_factory=dict)
    catalogue: dict[str, Product] = field(default_factory=lambda: CATALOGUE)
    """The products at the prices of the customer's market."""

    def lines(self) -> list[CartLine]:
        return [CartLine(self.catalogue[slug], quantity) for slug, quantity in self.cart.items()]

    def total(self) -> Decimal:
        return sum((line.total for line in self.lines()), Decimal("0"))

    def item_count(self) -> int:
        return sum(self.cart.values())


@dataclass(frozen=True)
class PriceView:
    """The prices one page shows: the true ones unless a price fault hits the page's stage."""

    lines: list[CartLine]
    shipping: Decimal
    total: Decimal
    currency: str

    @property
    def subtotal(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0"))


def _money(amount: Decimal, currency: str = CURRENCY) -> str:
    return f"{amount:.2f} {currency}"


@dataclass
class PageEffects:
    """How the faults active for one page change its rendering."""

    js_error: bool = False
    hidden_action: str | None = None


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CUSTOMER_KEY = web.RequestKey("customer", Customer)


class _Shop:
    """The shop's handlers and state; one instance per app."""

    def __init__(
        self,
        faults: FaultSet,
        provider: PaymentProvider,
        provider_port: int,
        mailer: Mailer | None = None,
        market: Market = MARKETS["en"],
    ) -> None:
        self.all_faults = faults
        self.market = market
        self.faults = MarketFaults(faults, market.code)
        self.texts = market.texts
        self.catalogue = {
            slug: replace(product, price=market.prices.get(slug, product.price)) for slug, product in CATALOGUE.items()
        }
        self.provider = provider
        self.provider_port = provider_port
        self.mailer = mailer
        self.customers: OrderedDict[str, Customer] = OrderedDict()
        self.templates = environment()

    def redirect(self, path: str) -> web.Response:
        """A 303 to a page of this market."""
        return _redirect(self.market.url(path))

    def decline_message(self, decision: PaymentDecision) -> str:
        if decision.reason == "insufficient_funds":
            return self.texts["declined_funds"]
        if decision.method == "card":
            return self.texts["declined_card"]
        return self.texts["declined_method"].format(method=self.market.method_label(decision.method))

    # --- sessions -------------------------------------------------------------------------

    async def with_customer(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Attach the customer of this market's session cookie, creating one on the first visit."""
        cookie = self.market.cookie
        sid = request.cookies.get(cookie, "")
        customer = self.customers.get(sid)
        new_sid = None
        if customer is None:
            # An unknown id gets a fresh one instead of being adopted (no session fixation).
            new_sid, customer = secrets.token_urlsafe(18), Customer(catalogue=self.catalogue)
            self.customers[new_sid] = customer
            while len(self.customers) > MAX_SESSIONS:
                self.customers.popitem(last=False)
        else:
            self.customers.move_to_end(sid)
        request[CUSTOMER_KEY] = customer
        try:
            response = await handler(request)
        except web.HTTPNotFound:
            response = self.not_found(request)
        if new_sid is not None:
            response.set_cookie(cookie, new_sid, httponly=True, samesite="Lax", path="/")
        return response

    # --- rendering ------------------------------------------------------------------------

    def render(
        self,
        request: web.Request,
        template: str,
        *,
        stage: str,
        status: int = 200,
        effects: PageEffects | None = None,
        **context: Any,
    ) -> web.Response:
        customer = request[CUSTOMER_KEY]
        html = self.templates.get_template(template).render(
            stage=stage,
            cart_count=customer.item_count(),
            effects=effects or PageEffects(),
            t=self.texts,
            base=self.market.path,
            lang=self.market.lang,
            currency=self.market.currency,
            **context,
        )
        return web.Response(text=html, status=status, content_type="text/html", headers={"Cache-Control": "no-store"})

    def error_page(self, request: web.Request, stage: str) -> web.Response:
        return self.render(
            request,
            "error.html",
            stage=stage,
            status=500,
            title=self.texts["error_500_title"],
            heading=self.texts["error_500_title"],
            message=self.texts["error_500_message"],
        )

    def error_text(self, request: web.Request, stage: str) -> web.Response:
        return self.render(
            request,
            "error.html",
            stage=stage,
            title="Demo Shop",
            heading=self.texts["error_text_heading"],
            message=self.texts["error_text_message"],
        )

    def not_found(self, request: web.Request, stage: str = "browse") -> web.Response:
        return self.render(
            request,
            "error.html",
            stage=stage,
            status=404,
            title=f"{self.texts['not_found']} – Demo Shop",
            heading=self.texts["not_found"],
            message=self.texts["not_found_message"],
        )

    async def page_faults(
        self, request: web.Request, stage: str, *, has_action: bool, count: bool = True
    ) -> web.Response | PageEffects:
        """Apply the page faults of ``stage``: a finished error response, or how to render."""
        take = self.faults.hit if count else self.faults.active
        slow = take("slow", stage)
        if slow is not None:
            await asyncio.sleep(slow.delay_ms / 1000)
        if take("error_page", stage) is not None:
            return self.error_page(request, stage)
        if take("error_text", stage) is not None:
            return self.error_text(request, stage)
        effects = PageEffects()
        # A page without the stage's action (the home page, an empty cart) has nothing to break.
        if has_action:
            effects.js_error = take("js_error", stage) is not None
            hidden = take("hidden_action", stage)
            effects.hidden_action = hidden.variant if hidden is not None else None
        return effects

    def price_view(self, lines: list[CartLine], stage: str, *, count: bool = True) -> PriceView:
        """The prices the page of ``stage`` shows, with the price faults of that stage applied."""
        take = self.faults.hit if count else self.faults.active
        if take("price_mismatch", stage) is not None:
            lines = [
                replace(line, product=replace(line.product, price=line.product.price + PRICE_FAULT_DELTA))
                for line in lines
            ]
        total = sum((line.total for line in lines), Decimal("0")) + SHIPPING
        if take("total_mismatch", stage) is not None:
            total += TOTAL_FAULT_DELTA
        currency = FAULT_CURRENCY if take("currency_mismatch", stage) is not None else self.market.currency
        return PriceView(lines, SHIPPING, total, currency)

    # --- browse ---------------------------------------------------------------------------

    async def home(self, request: web.Request) -> web.Response:
        effects = await self.page_faults(request, "browse", has_action=False)
        if isinstance(effects, web.Response):
            return effects
        return self.render(request, "home.html", stage="browse", effects=effects, products=self.catalogue.values())

    async def product(self, request: web.Request) -> web.Response:
        product = self.catalogue.get(request.match_info["slug"])
        if product is None:
            return self.not_found(request)
        effects = await self.page_faults(request, "browse", has_action=True)
        if isinstance(effects, web.Response):
            return effects
        return self.render(
            request,
            "product.html",
            stage="browse",
            effects=effects,
            product=product,
            quantity=1,
            quantity_error=None,
        )

    async def add_to_cart(self, request: web.Request) -> web.Response:
        form = await request.post()
        product = self.catalogue.get(str(form.get("product", "")))
        if product is None:
            return self.not_found(request)
        raw_quantity = str(form.get("quantity", "1")).strip()
        quantity = int(raw_quantity) if re.fullmatch(r"[0-9]{1,3}", raw_quantity) else 0
        if not 1 <= quantity <= MAX_QUANTITY:
            effects = await self.page_faults(request, "browse", has_action=True, count=False)
            if isinstance(effects, web.Response):
                return effects
            return self.render(
                request,
                "product.html",
                stage="browse",
                status=422,
                effects=effects,
                product=product,
                quantity=raw_quantity,
                quantity_error=self.texts["quantity_error"].format(max=MAX_QUANTITY),
            )
        customer = request[CUSTOMER_KEY]
        customer.cart[product.slug] = min(MAX_QUANTITY, customer.cart.get(product.slug, 0) + quantity)
        return self.redirect("/cart")

    # --- cart and checkout ----------------------------------------------------------------

    async def cart(self, request: web.Request) -> web.Response:
        customer = request[CUSTOMER_KEY]
        effects = await self.page_faults(request, "cart", has_action=bool(customer.cart))
        if isinstance(effects, web.Response):
            return effects
        prices = self.price_view(customer.lines(), "cart")
        return self.render(
            request,
            "cart.html",
            stage="cart",
            effects=effects,
            lines=prices.lines,
            total=prices.total,
            prices=prices,
        )

    async def shipping(self, request: web.Request) -> web.Response:
        """A delivery page with rows of identical "Select option" buttons and a custom country
        dropdown; ``?order=reversed`` lists the rows the other way round. Stands apart from the
        purchase path: it is where scenarios practise scoped locators and custom dropdowns."""
        return self.render_shipping(request, request.query.get("order") == "reversed", None, "")

    async def submit_shipping(self, request: web.Request) -> web.Response:
        form = await request.post()
        chosen = next((o for o in SHIPPING_OPTIONS if o.name == form.get("method")), None)
        return self.render_shipping(request, False, chosen, str(form.get("country") or ""))

    def render_shipping(
        self, request: web.Request, reversed_rows: bool, chosen: ShippingOption | None, country: str
    ) -> web.Response:
        options = list(reversed(SHIPPING_OPTIONS)) if reversed_rows else list(SHIPPING_OPTIONS)
        return self.render(
            request,
            "shipping.html",
            stage="checkout",
            options=options,
            countries=COUNTRIES,
            country=country,
            country_name=dict(COUNTRIES).get(country, ""),
            chosen=chosen.label if chosen else "",
        )

    async def checkout(self, request: web.Request) -> web.Response:
        customer = request[CUSTOMER_KEY]
        if not customer.cart:
            return self.redirect("/cart")
        effects = await self.page_faults(request, "checkout", has_action=True)
        if isinstance(effects, web.Response):
            return effects
        return self.render_checkout(request, effects, customer.details or CheckoutDetails(), {}, count=True)

    def render_checkout(
        self,
        request: web.Request,
        effects: PageEffects,
        details: CheckoutDetails,
        errors: dict[str, str],
        *,
        count: bool = False,
    ) -> web.Response:
        return self.render(
            request,
            "checkout.html",
            stage="checkout",
            status=422 if errors else 200,
            effects=effects,
            details=details,
            errors=errors,
            prices=self.price_view(request[CUSTOMER_KEY].lines(), "checkout", count=count),
        )

    async def submit_checkout(self, request: web.Request) -> web.Response:
        customer = request[CUSTOMER_KEY]
        if not customer.cart:
            return self.redirect("/cart")
        form = await request.post()
        details = CheckoutDetails(
            **{key: str(form.get(key, "")).strip()[:200] for key in ("email", "name", "address", "city")}
        )
        errors: dict[str, str] = {}
        if not _EMAIL_RE.fullmatch(details.email):
            errors["email"] = self.texts["email_invalid"]
        if not details.name:
            errors["name"] = self.texts["name_missing"]
        if not details.address:
            errors["address"] = self.texts["address_missing"]
        # The fault rejects data that passed the real checks, as a broken back-end check would.
        if not errors and self.faults.hit("validation_error", "checkout") is not None:
            errors["email"] = self.texts["email_invalid"]
        if errors:
            effects = await self.page_faults(request, "checkout", has_action=True, count=False)
            if isinstance(effects, web.Response):
                return effects
            return self.render_checkout(request, effects, details, errors)
        customer.details = details
        return self.redirect("/payment")

    # --- payment --------------------------------------------------------------------------

    def provider_origin(self, request: web.Request) -> str:
        # Same host name the customer used for the shop, so the iframe and the redirects work
        # whether the shop is reached as 127.0.0.1, localhost or a container's address.
        return str(request.url.with_port(self.provider_port).origin())

    def payment_session_id(self, request: web.Request, customer: Customer) -> str:
        """The provider session for the current cart: reused while open and unchanged."""
        total = customer.total()
        session = self.provider.get_session(customer.payment_session)
        if session is None or session.status != "open" or session.amount != total:
            origin = str(request.url.origin())
            session = self.provider.create_session(
                amount=total,
                currency=self.market.currency,
                shop_origin=origin,
                return_url=f"{origin}{self.market.url('/payment/return')}",
                market=self.market.code,
            )
            customer.payment_session = session.id
        return session.id

    def offered_methods(self, count: bool) -> list[str]:
        take = self.faults.hit if count else self.faults.active
        return [method for method in self.market.methods if take("payment_not_offered", "payment", method) is None]

    def render_payment(
        self,
        request: web.Request,
        effects: PageEffects,
        methods: list[str],
        *,
        status: int = 200,
        selected: str | None = None,
        payment_error: str | None = None,
        method_error: str | None = None,
        count: bool = False,
    ) -> web.Response:
        customer = request[CUSTOMER_KEY]
        prices = self.price_view(customer.lines(), "payment", count=count)
        session_id = self.payment_session_id(request, customer)
        provider_origin = self.provider_origin(request)
        card_form_url = (
            str(URL(provider_origin).with_path("/card-form").with_query(session=session_id))
            if "card" in methods
            else None
        )
        return self.render(
            request,
            "payment.html",
            stage="payment",
            status=status,
            effects=effects,
            methods=[{"name": method, "label": self.market.method_label(method)} for method in methods],
            selected=selected if selected in methods else None,
            card_form_url=card_form_url,
            provider_origin=provider_origin,
            payment_error=payment_error,
            method_error=method_error,
            lines=prices.lines,
            total=prices.total,
            prices=prices,
            details=customer.details,
        )

    def payment_precondition(self, customer: Customer) -> web.Response | None:
        if not customer.cart:
            return self.redirect("/cart")
        if customer.details is None:
            return self.redirect("/checkout")
        return None

    async def payment(self, request: web.Request) -> web.Response:
        customer = request[CUSTOMER_KEY]
        redirect = self.payment_precondition(customer)
        if redirect is not None:
            return redirect
        effects = await self.page_faults(request, "payment", has_action=True)
        if isinstance(effects, web.Response):
            return effects
        return self.render_payment(request, effects, self.offered_methods(count=True), count=True)

    async def payment_failed(self, request: web.Request) -> web.Response:
        """The payment page after the provider declined a redirect payment (HTTP 402)."""
        customer = request[CUSTOMER_KEY]
        redirect = self.payment_precondition(customer)
        if redirect is not None:
            return redirect
        effects = await self.page_faults(request, "payment", has_action=True)
        if isinstance(effects, web.Response):
            return effects
        method = request.query.get("method", "")
        reason = "card_declined" if method == "card" else "method_declined"
        return self.render_payment(
            request,
            effects,
            self.offered_methods(count=True),
            status=402,
            selected=method,
            payment_error=self.decline_message(PaymentDecision(False, method, reason)),
            count=True,
        )

    async def submit_payment(self, request: web.Request) -> web.Response:
        customer = request[CUSTOMER_KEY]
        redirect = self.payment_precondition(customer)
        if redirect is not None:
            return redirect
        form = await request.post()
        method = str(form.get("method", ""))
        methods = self.offered_methods(count=False)

        async def again(
            status: int, payment_error: str | None = None, method_error: str | None = None
        ) -> web.Response:
            effects = await self.page_faults(request, "payment", has_action=True, count=False)
            if isinstance(effects, web.Response):
                return effects
            return self.render_payment(
                request,
                effects,
                methods,
                status=status,
                selected=method,
                payment_error=payment_error,
                method_error=method_error,
            )

        if method not in methods:
            return await again(422, method_error=self.texts["choose_method"])
        session_id = self.payment_session_id(request, customer)
        if method == "card":
            token = str(form.get("token", ""))
            if not token:
                return await again(422, payment_error=self.texts["enter_card"])
            decision = self.provider.charge(session_id, token)
            if decision.reason == "invalid_token":
                return await again(422, payment_error=self.texts["card_expired"])
            if not decision.approved:
                return await again(402, payment_error=self.decline_message(decision))
            return self.redirect(f"/order/{self.place_order(customer, session_id, method)}")
        if self.faults.hit("validation_error", "payment") is not None:
            return await again(
                422, method_error=self.texts["not_verified"].format(method=self.market.method_label(method))
            )
        session = self.provider.get_session(session_id)
        assert session is not None  # payment_session_id() just made sure it exists
        target = (
            URL(self.provider_origin(request))
            .with_path(f"/redirect/{method}")
            .with_query(session=session_id, **{"return": session.return_url})
        )
        return _redirect(str(target))

    async def payment_return(self, request: web.Request) -> web.Response:
        """Where the provider sends the customer back; the decision is read from the provider."""
        customer = request[CUSTOMER_KEY]
        session_id = request.query.get("session", "")
        if session_id in customer.paid:
            return self.redirect(f"/order/{customer.paid[session_id]}")
        session = self.provider.get_session(session_id)
        if session is None or session_id != customer.payment_session or not customer.cart:
            return self.redirect("/payment" if customer.cart else "/cart")
        if session.status == "approved" and session.method is not None:
            return self.redirect(f"/order/{self.place_order(customer, session_id, session.method)}")
        if session.status == "declined":
            return self.redirect(str(URL("/payment/failed").with_query(method=session.method or "")))
        return self.redirect("/payment")

    def place_order(self, customer: Customer, session_id: str, method: str) -> str:
        number = "DS-" + "".join(secrets.choice(_ORDER_ALPHABET) for _ in range(6))
        while number in customer.orders:
            number = "DS-" + "".join(secrets.choice(_ORDER_ALPHABET) for _ in range(6))
        customer.orders[number] = Order(
            number=number,
            lines=tuple(customer.lines()),
            total=customer.total(),
            method=method,
            details=customer.details or CheckoutDetails(),
            method_label=self.market.method_label(method),
            currency=self.market.currency,
        )
        customer.paid[session_id] = number
        customer.cart.clear()
        customer.payment_session = None
        self.send_confirmation(customer.orders[number])
        return number

    def send_confirmation(self, order: Order) -> None:
        """E-mail the order confirmation (when the shop has an SMTP server), as the faults allow."""
        if self.mailer is None or self.faults.hit("email_missing", "confirmation") is not None:
            return
        late = self.faults.hit("email_late", "confirmation")
        number = order.number
        if self.faults.hit("email_wrong_order", "confirmation") is not None:
            number = "DS-" + "".join(secrets.choice(_ORDER_ALPHABET) for _ in range(6))
        confirmation = Confirmation(
            to=order.details.email,
            order_number=number,
            lines=tuple((line.quantity, line.product.name, _money(line.total, order.currency)) for line in order.lines),
            total=_money(order.total, order.currency),
            payment_method=order.method_label,
        )
        self.mailer.send_later(confirmation, late.delay_ms / 1000 if late is not None else 0.0)

    # --- confirmation ---------------------------------------------------------------------

    async def order(self, request: web.Request) -> web.Response:
        customer = request[CUSTOMER_KEY]
        order = customer.orders.get(request.match_info["number"])
        if order is None:
            return self.not_found(request, "confirmation")
        effects = await self.page_faults(request, "confirmation", has_action=True)
        if isinstance(effects, web.Response):
            return effects
        missing = self.faults.hit("confirmation_missing", "confirmation") is not None
        return self.render(
            request,
            "order.html",
            stage="confirmation",
            effects=effects,
            order=order,
            show_confirmation=not missing,
            prices=self.price_view(list(order.lines), "confirmation"),
        )

    # --- admin and assets -----------------------------------------------------------------

    async def favicon(self, request: web.Request) -> web.Response:
        return web.Response(text=_FAVICON, content_type="image/svg+xml")

    async def health(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def list_faults(self, request: web.Request) -> web.Response:
        return web.json_response({"faults": self.all_faults.list()})

    async def add_fault(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        spec = body.get("fault") if isinstance(body, dict) else None
        if not isinstance(spec, str):
            return web.json_response({"error": 'send a JSON object like {"fault": "error_page@checkout"}'}, status=400)
        try:
            self.all_faults.add(spec)
        except FaultSpecError as error:
            return web.json_response({"error": str(error)}, status=400)
        return web.json_response({"faults": self.all_faults.list()}, status=201)

    async def clear_faults(self, request: web.Request) -> web.Response:
        self.all_faults.clear()
        return web.json_response({"faults": self.all_faults.list()})


@dataclass(frozen=True)
class ShippingOption:
    """A delivery method on the shipping page."""

    name: str
    label: str
    days: str
    price: str


SHIPPING_OPTIONS = (
    ShippingOption("standard", "Standard delivery", "3–5 working days", "€4.90"),
    ShippingOption("express", "Express delivery", "next working day", "€12.90"),
)
COUNTRIES = (("FI", "Finland"), ("SE", "Sweden"), ("EE", "Estonia"), ("DE", "Germany"))


def _redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


def create_shop_app(
    faults: FaultSet, provider: PaymentProvider, provider_port: int, mailer: Mailer | None = None
) -> web.Application:
    """The shop's web app, paying through ``provider`` whose pages listen on ``provider_port``.

    With a ``mailer`` every placed order is confirmed by e-mail.
    """
    shops = {code: _Shop(faults, provider, provider_port, mailer, market) for code, market in MARKETS.items()}
    shop = shops["en"]

    def shop_of(path: str) -> _Shop:
        for market_shop in shops.values():
            prefix = market_shop.market.path
            if prefix and (path == prefix or path.startswith(prefix + "/")):
                return market_shop
        return shop

    @web.middleware
    async def customer_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/__admin/") or request.path == "/favicon.ico":
            return await handler(request)
        return await shop_of(request.path).with_customer(request, handler)

    app = web.Application(middlewares=[customer_middleware])
    if mailer is not None:
        app.on_cleanup.append(lambda _app: mailer.close())
    for market_shop in shops.values():
        _add_market_routes(app.router, market_shop)
    app.router.add_get("/shipping", shop.shipping)
    app.router.add_post("/shipping", shop.submit_shipping)
    app.router.add_get("/favicon.ico", shop.favicon)
    app.router.add_get("/__admin/health", shop.health)
    app.router.add_get("/__admin/faults", shop.list_faults)
    app.router.add_post("/__admin/faults", shop.add_fault)
    app.router.add_delete("/__admin/faults", shop.clear_faults)
    return app


def _add_market_routes(router: web.UrlDispatcher, shop: _Shop) -> None:
    """The purchase path's pages of one market, under its path prefix."""
    at = shop.market.url
    router.add_get(at("/"), shop.home)
    router.add_get(at("/product/{slug}"), shop.product)
    router.add_post(at("/cart/add"), shop.add_to_cart)
    router.add_get(at("/cart"), shop.cart)
    router.add_get(at("/checkout"), shop.checkout)
    router.add_post(at("/checkout"), shop.submit_checkout)
    router.add_get(at("/payment"), shop.payment)
    router.add_post(at("/payment"), shop.submit_payment)
    router.add_get(at("/payment/return"), shop.payment_return)
    router.add_get(at("/payment/failed"), shop.payment_failed)
    router.add_get(at("/order/{number}"), shop.order)

