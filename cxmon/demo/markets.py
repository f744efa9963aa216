"""The demo shop's markets: one shop, served in English at ``/``, in Finnish at ``/fi/`` and in
Swedish at ``/sv/``, each with its own language, currency, prices and payment methods.

Mobile pay is offered in Finland only and instalments in Sweden only (the English shop offers all
four), so a scenario walking both Nordic markets has a method that exists in one market alone.
``MARKETS`` below is the only list of market codes: the fault grammar (``#MARKET``) reads it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

__all__ = ["MARKETS", "Market"]

# The English texts of every page; a market's own texts replace them one by one.
ENGLISH: dict[str, str] = {
    "cart_link": "Cart",
    "footer": "Demo Shop is a demonstration store: nothing is really sold or charged.",
    "tagline": "Shoes and jackets for every weather.",
    "quantity": "Quantity",
    "add_to_cart": "Add to cart",
    "quantity_error": "Please enter a quantity from 1 to {max}.",
    "your_cart": "Your cart",
    "product": "Product",
    "price": "Price",
    "total": "Total",
    "go_to_checkout": "Go to checkout",
    "cart_empty": "Your cart is empty.",
    "browse_shop": "Browse the shop",
    "checkout": "Checkout",
    "email": "Email",
    "name": "Name",
    "address": "Address",
    "city": "City",
    "continue_to_payment": "Continue to payment",
    "order_summary": "Order summary",
    "subtotal": "Subtotal",
    "shipping": "Shipping",
    "payment": "Payment",
    "payment_method": "Payment method",
    "card_details": "Card details",
    "pay_now": "Pay now",
    "deliver_to": "Deliver to",
    "order_confirmation": "Order confirmation",
    "thank_you": "Thank you for your order!",
    "order_number": "Order #",
    "confirmation_sent": "A confirmation has been sent to {email}.",
    "order_status": "Order status",
    "processing": "We are processing your order.",
    "continue_shopping": "Continue shopping",
    "email_invalid": "Please enter a valid email address.",
    "name_missing": "Please enter your name.",
    "address_missing": "Please enter your address.",
    "choose_method": "Choose a payment method.",
    "enter_card": "Enter your card details.",
    "card_expired": "Your card details have expired. Please enter them again.",
    "not_verified": "Your details could not be verified for {method}.",
    "declined_funds": "Payment declined: your card has insufficient funds.",
    "declined_card": "Payment declined: your card was declined.",
    "declined_method": "Payment declined: {method} is not available for this order.",
    "error_500_title": "500 Internal Server Error",
    "error_500_message": "Something went wrong on our side. Please try again later.",
    "error_text_heading": "We're sorry",
    "error_text_message": "Sorry, an error occurred while processing your request.",
    "not_found": "Page not found",
    "not_found_message": "The page you are looking for does not exist.",
    "method_card": "Card",
    "method_invoice": "Invoice",
    "method_instalments": "Instalments",
    "method_mobile_pay": "Mobile pay",
}

FINNISH: dict[str, str] = {
    "cart_link": "Ostoskori",
    "footer": "Demo Shop on esittelykauppa: mitään ei oikeasti myydä eikä veloiteta.",
    "tagline": "Kenkiä ja takkeja joka säähän.",
    "quantity": "Määrä",
    "add_to_cart": "Lisää ostoskoriin",
    "quantity_error": "Anna määrä väliltä 1–{max}.",
    "your_cart": "Ostoskorisi",
    "product": "Tuote",
    "price": "Hinta",
    "total": "Yhteensä",
    "go_to_checkout": "Siirry kassalle",
    "cart_empty": "Ostoskorisi on tyhjä.",
    "browse_shop": "Selaa kauppaa",
    "checkout": "Kassa",
    "email": "Sähköposti",
    "name": "Nimi",
    "address": "Osoite",
    "city": "Kaupunki",
    "continue_to_payment": "Jatka maksamaan",
    "order_summary": "Tilauksen yhteenveto",
    "subtotal": "Välisumma",
    "shipping": "Toimitus",
    "payment": "Maksu",
    "payment_method": "Maksutapa",
    "card_details": "Kortin tiedot",
    "pay_now": "Maksa nyt",
    "deliver_to": "Toimitusosoite",
    "order_confirmation": "Tilausvahvistus",
    "thank_you": "Kiitos tilauksestasi!",
    "order_number": "Tilaus #",
    "confirmation_sent": "Vahvistus on lähetetty osoitteeseen {email}.",
    "order_status": "Tilauksen tila",
    "processing": "Käsittelemme tilaustasi.",
    "continue_shopping": "Jatka ostoksia",
    "email_invalid": "Anna kelvollinen sähköpostiosoite.",
    "name_missing": "Anna nimesi.",
    "address_missing": "Anna osoitteesi.",
    "choose_method": "Valitse maksutapa.",
    "enter_card": "Anna kortin tiedot.",
    "card_expired": "Kortin tiedot ovat vanhentuneet. Anna ne uudelleen.",
    "not_verified": "Tietojasi ei voitu vahvistaa maksutavalle {method}.",
    "declined_funds": "Maksu hylättiin: tilillä ei ole riittävästi katetta.",
    "declined_card": "Maksu hylättiin: korttisi hylättiin.",
    "declined_method": "Maksu hylättiin: {method} ei ole käytettävissä tälle tilaukselle.",
    "error_500_title": "500 Palvelinvirhe",
    "error_500_message": "Jotain meni pieleen. Yritä myöhemmin uudelleen.",
    "error_text_heading": "Pahoittelemme",
    "error_text_message": "Pyyntöäsi käsiteltäessä tapahtui virhe.",
    "not_found": "Sivua ei löytynyt",
    "not_found_message": "Etsimääsi sivua ei ole olemassa.",
    "method_card": "Kortti",
    "method_invoice": "Lasku",
    "method_mobile_pay": "Mobiilimaksu",
}

SWEDISH: dict[str, str] = {
    "cart_link": "Varukorg",
    "footer": "Demo Shop är en demobutik: ingenting säljs eller debiteras på riktigt.",
    "tagline": "Skor och jackor för alla väder.",
    "quantity": "Antal",
    "add_to_cart": "Lägg i varukorgen",
    "quantity_error": "Ange ett antal från 1 till {max}.",
    "your_cart": "Din varukorg",
    "product": "Produkt",
    "price": "Pris",
    "total": "Totalt",
    "go_to_checkout": "Till kassan",
    "cart_empty": "Din varukorg är tom.",
    "browse_shop": "Bläddra i butiken",
    "checkout": "Kassa",
    "email": "E-post",
    "name": "Namn",
    "address": "Adress",
    "city": "Ort",
    "continue_to_payment": "Fortsätt till betalning",
    "order_summary": "Ordersammanfattning",
    "subtotal": "Delsumma",
    "shipping": "Frakt",
    "payment": "Betalning",
    "payment_method": "Betalsätt",
    "card_details": "Kortuppgifter",
    "pay_now": "Betala nu",
    "deliver_to": "Leverans till",
    "order_confirmation": "Orderbekräftelse",
    "thank_you": "Tack för din beställning!",
    "order_number": "Order #",
    "confirmation_sent": "En bekräftelse har skickats till {email}.",
    "order_status": "Orderstatus",
    "processing": "Vi behandlar din beställning.",
    "continue_shopping": "Fortsätt handla",
    "email_invalid": "Ange en giltig e-postadress.",
    "name_missing": "Ange ditt namn.",
    "address_missing": "Ange din adress.",
    "choose_method": "Välj ett betalsätt.",
    "enter_card": "Ange dina kortuppgifter.",
    "card_expired": "Dina kortuppgifter har gått ut. Ange dem igen.",
    "not_verified": "Dina uppgifter kunde inte verifieras för {method}.",
    "declined_funds": "Betalningen nekades: det finns inte tillräckligt med pengar på kortet.",
    "declined_card": "Betalningen nekades: ditt kort nekades.",
    "declined_method": "Betalningen nekades: {method} är inte tillgängligt för den här ordern.",
    "error_500_title": "500 Serverfel",
    "error_500_message": "Något gick fel hos oss. Försök igen senare.",
    "error_text_heading": "Vi beklagar",
    "error_text_message": "Ett fel uppstod när din begäran behandlades.",
    "not_found": "Sidan kunde inte hittas",
    "not_found_message": "Sidan du letar efter finns inte.",
    "method_card": "Kort",
    "method_invoice": "Faktura",
    "method_instalments": "Delbetalning",
}


@dataclass(frozen=True)
class Market:
    """One market of the demo shop: where it is served, its language, money and payment methods."""

    code: str
    path: str
    """URL path prefix of its pages: "" for the English shop, "/fi" for the Finnish one."""
    lang: str
    currency: str
    methods: tuple[str, ...]
    """Payment methods offered, in the order the payment page lists them."""
    prices: Mapping[str, Decimal] = field(default_factory=dict)
    """Product slug → price in this market's currency; a product not listed keeps its catalogue price."""
    own_texts: Mapping[str, str] = field(default_factory=dict)

    @property
    def texts(self) -> dict[str, str]:
        """Every page text in this market's language (English where it has none of its own)."""
        return {**ENGLISH, **self.own_texts}

    @property
    def cookie(self) -> str:
        """The session cookie of this market, so each market keeps its own cart."""
        return "demo_sid" if not self.path else f"demo_sid_{self.code}"

    def url(self, path: str) -> str:
        """A path of this market's shop, e.g. ``/cart`` → ``/fi/cart``."""
        return f"{self.path}{path}"

    def method_label(self, method: str) -> str:
        return self.texts.get(f"method_{method}", method)


MARKETS: Mapping[str, Market] = MappingProxyType(
    {
        "en": Market("en", "", "en", "EUR", ("card", "invoice", "instalments", "mobile_pay")),
        "fi": Market("fi", "/fi", "fi", "EUR", ("card", "invoice", "mobile_pay"), own_texts=FINNISH),
        "sv": Market(
            "sv",
            "/sv",
            "sv",
            "SEK",
            ("card", "invoice", "instalments"),
            prices={"trail-runner": Decimal("990.00"), "city-sneaker": Decimal("790.00"),
                    "rain-jacket": Decimal("1290.00")},
            own_texts=SWEDISH,
        ),
    }
)
"""Every market by code; ``en`` is the shop at ``/`` that existed before markets."""
