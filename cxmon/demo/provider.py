"""Demo Pay: the payment service provider the demo shop pays through.

It runs on its own loopback origin, as a real provider does: the card form is a page of this
origin that the shop embeds in an iframe and that turns card data into a one-time token
(``POST /api/tokens``); invoice, instalments and mobile pay redirect the customer here and back.
The shop creates payment sessions and charges tokens by calling :class:`PaymentProvider`
directly, standing in for the provider's server-to-server API.

Test cards: any Luhn-valid number is approved except ``4000000000000002`` (declined) and
``4000000000009995`` (insufficient funds). Expiry and CVC are checked only when given, so a
scenario that fills just the card number can pay.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from aiohttp import web
from yarl import URL

from cxmon.demo.faults import PAYMENT_METHODS, FaultSet
from cxmon.demo.templates import environment

__all__ = [
    "DECLINED_CARDS",
    "REDIRECT_METHODS",
    "CardError",
    "PaymentDecision",
    "PaymentProvider",
    "PaymentSession",
    "create_provider_app",
]

#: Methods paid on the provider's own pages (redirect there and back), unlike the card iframe.
REDIRECT_METHODS: tuple[str, ...] = tuple(method for method in PAYMENT_METHODS if method != "card")

#: Test card numbers the provider declines, with the decline reason.
DECLINED_CARDS: dict[str, str] = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
}

# Enough for long benchmark runs; the oldest sessions and tokens are forgotten first.
MAX_SESSIONS = 50_000

_T = TypeVar("_T")
_EXPIRY_RE = re.compile(r"(\d{1,2})\s*/\s*(\d{2}|\d{4})")


@dataclass
class PaymentSession:
    """One payment attempt the shop opened: what is paid and where the customer returns."""

    id: str
    amount: Decimal
    currency: str
    shop_origin: str
    return_url: str
    market: str | None = None
    """The shop market that opened it: the provider's faults of that market apply."""
    status: str = "open"  # open -> approved | declined
    method: str | None = None
    decline_reason: str | None = None


@dataclass(frozen=True)
class PaymentDecision:
    """The provider's answer to a charge: approved, or declined with a reason."""

    approved: bool
    method: str
    reason: str | None = None  # card_declined, insufficient_funds, method_declined, invalid_token


@dataclass(frozen=True)
class CardError:
    """One rejected card field (``field`` is None for errors about the whole form)."""

    field: str | None
    message: str


@dataclass(frozen=True)
class _CardToken:
    session_id: str
    number: str


class PaymentProvider:
    """The provider's state (payment sessions, card tokens) and its decisions.

    Used from the event loop that serves the shop and the provider only, so it needs no lock.
    """

    def __init__(self, faults: FaultSet) -> None:
        self.faults = faults
        self._sessions: OrderedDict[str, PaymentSession] = OrderedDict()
        self._tokens: OrderedDict[str, _CardToken] = OrderedDict()

    def create_session(
        self, *, amount: Decimal, currency: str, shop_origin: str, return_url: str, market: str | None = None
    ) -> PaymentSession:
        """Open a payment session (the shop's server-to-server call before showing payment)."""
        session = PaymentSession(
            id=f"ps_{secrets.token_urlsafe(12)}",
            amount=amount,
            currency=currency,
            shop_origin=shop_origin,
            return_url=return_url,
            market=market,
        )
        _remember(self._sessions, session.id, session)
        return session

    def get_session(self, session_id: str | None) -> PaymentSession | None:
        """The payment session with this id, if the provider knows it."""
        return self._sessions.get(session_id) if session_id else None

    def tokenize(self, session_id: str, number: str, expiry: str = "", cvc: str = "") -> str | list[CardError]:
        """Check card data for an open session; return a one-time token or the field errors."""
        session = self.get_session(session_id)
        if session is None or session.status != "open":
            return [CardError(None, "This payment session has expired. Please reload the page.")]
        digits = re.sub(r"[\s-]", "", number)
        errors: list[CardError] = []
        if not _luhn_valid(digits) or self.faults.hit("validation_error", "payment", market=session.market) is not None:
            errors.append(CardError("number", "Card number is invalid."))
        expiry_error = _check_expiry(expiry)
        if expiry_error:
            errors.append(CardError("expiry", expiry_error))
        if cvc.strip() and not re.fullmatch(r"\d{3,4}", cvc.strip()):
            errors.append(CardError("cvc", "CVC is invalid."))
        if errors:
            return errors
        token = f"tok_{secrets.token_urlsafe(16)}"
        _remember(self._tokens, token, _CardToken(session_id=session_id, number=digits))
        return token

    def charge(self, session_id: str, token: str) -> PaymentDecision:
        """Charge a card token against its session; each token can be used once."""
        session = self.get_session(session_id)
        card = self._tokens.pop(token, None)
        if session is None or session.status != "open" or card is None or card.session_id != session_id:
            return PaymentDecision(False, "card", "invalid_token")
        if self.faults.hit("payment_rejected", "payment", "card", session.market) is not None:
            reason: str | None = "card_declined"
        else:
            reason = DECLINED_CARDS.get(card.number)
        return self._decide(session, "card", reason)

    def decide_redirect(self, session: PaymentSession, method: str) -> PaymentDecision:
        """Decide a redirect payment (invoice, instalments, mobile pay) for an open session."""
        if session.status != "open":
            return PaymentDecision(session.status == "approved", method, session.decline_reason)
        rejected = self.faults.hit("payment_rejected", "payment", method, session.market) is not None
        return self._decide(session, method, "method_declined" if rejected else None)

    @staticmethod
    def _decide(session: PaymentSession, method: str, reason: str | None) -> PaymentDecision:
        session.method = method
        session.status = "declined" if reason else "approved"
        session.decline_reason = reason
        return PaymentDecision(reason is None, method, reason)


def _remember(store: OrderedDict[str, _T], key: str, value: _T) -> None:
    store[key] = value
    while len(store) > MAX_SESSIONS:
        store.popitem(last=False)


def _luhn_valid(digits: str) -> bool:
    if not re.fullmatch(r"[0-9]{12,19}", digits):
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _check_expiry(expiry: str) -> str | None:
    text = expiry.strip()
    if not text:
        return None
    match = _EXPIRY_RE.fullmatch(text)
    if match is None or not 1 <= int(match.group(1)) <= 12:
        return "Expiry date is invalid."
    month, year = int(match.group(1)), int(match.group(2)[-2:]) + 2000
    today = date.today()
    if (year, month) < (today.year, today.month):
        return "Card has expired."
    return None


PROVIDER_KEY = web.AppKey("provider", PaymentProvider)


def create_provider_app(provider: PaymentProvider) -> web.Application:
    """The provider's web app: card form, token API and redirect pages."""
    templates = environment()

    def page(message: str, status: int = 200) -> web.Response:
        html = templates.get_template("provider_page.html").render(message=message)
        return web.Response(text=html, status=status, content_type="text/html")

    async def delay_if_slow() -> None:
        # The provider's pages belong to the payment stage; they are slow while the shop's
        # payment page is, without counting extra hits for one customer's payment.
        fault = provider.faults.active("slow", "payment")
        if fault is not None:
            await asyncio.sleep(fault.delay_ms / 1000)

    async def home(request: web.Request) -> web.Response:
        return page("The payment service provider of the demo shop.")

    async def health(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def card_form(request: web.Request) -> web.Response:
        session = provider.get_session(request.query.get("session"))
        if session is None or session.status != "open":
            return page("This payment session has expired. Please reload the shop's payment page.", 404)
        await delay_if_slow()
        html = templates.get_template("provider_card_form.html").render(
            shop_origin=session.shop_origin, session_id=session.id
        )
        return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})

    async def create_token(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _errors([CardError(None, "Send the card details as a JSON object.")], 400)
        values = {key: body.get(key) for key in ("session", "number", "expiry", "cvc")}
        if not all(value is None or isinstance(value, str) for value in values.values()):
            return _errors([CardError(None, "Card details must be strings.")], 400)
        result = provider.tokenize(
            values["session"] or "", values["number"] or "", values["expiry"] or "", values["cvc"] or ""
        )
        if isinstance(result, str):
            return web.json_response({"token": result})
        return _errors(result, 400)

    async def redirect(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        session = provider.get_session(request.query.get("session"))
        if method not in REDIRECT_METHODS:
            return page(f"Demo Pay does not offer {method!r} as a redirect payment.", 404)
        if session is None:
            return page("This payment session has expired. Please return to the shop.", 404)
        # Only return to the address the shop registered: never an open redirect.
        if request.query.get("return") != session.return_url:
            return page("Unknown return address.", 400)
        await delay_if_slow()
        decision = provider.decide_redirect(session, method)
        status = "approved" if decision.approved else "declined"
        target = URL(session.return_url).update_query(session=session.id, status=status, method=method)
        return web.Response(status=303, headers={"Location": str(target), "Cache-Control": "no-store"})

    app = web.Application()
    app[PROVIDER_KEY] = provider
    app.router.add_get("/", home)
    app.router.add_get("/health", health)
    app.router.add_get("/card-form", card_form)
    app.router.add_post("/api/tokens", create_token)
    app.router.add_get("/redirect/{method}", redirect)
    return app


def _errors(errors: list[CardError], status: int) -> web.Response:
    return web.json_response(
        {"errors": [{"field": error.field, "message": error.message} for error in errors]}, status=status
    )
