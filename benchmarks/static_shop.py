"""A static shop: six plain pages on loopback, no shop logic, so a benchmark shows the runner's
own overhead and not the demo shop's work.

    python benchmarks/static_shop.py [PORT]

Prints ``static shop on http://127.0.0.1:PORT`` when it listens (port 0: any free port). Forms
post to the next page, which answers 303 See Other to it (as a shop does); nothing is stored.
"""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_HEAD = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body>'
_FOOT = "</body></html>"

PAGES = {
    "/": ("Static Shop", '<h1>Static Shop</h1><nav><a href="/product">Trail Runner</a></nav>'),
    "/product": (
        "Trail Runner",
        '<h1>Trail Runner</h1><p class="price">89.00 EUR</p>'
        '<form action="/cart" method="post"><input type="hidden" name="sku" value="trail">'
        '<button type="submit">Add to cart</button></form>',
    ),
    "/cart": (
        "Checkout",
        '<h1>Your cart</h1><p>Trail Runner, 89.00 EUR</p><h2>Checkout</h2><form action="/payment" method="post">'
        '<label>Email <input name="email" type="email" required></label>'
        '<label>Name <input name="name" required></label>'
        '<label>Address <input name="address" required></label>'
        '<button type="submit">Continue to payment</button></form>',
    ),
    "/payment": (
        "Payment",
        '<h1>Payment</h1><form action="/order/S-1001" method="post"><fieldset><legend>Payment method</legend>'
        '<label><input type="radio" name="method" value="invoice"> Invoice</label>'
        '<label><input type="radio" name="method" value="card"> Card</label></fieldset>'
        '<button type="submit">Pay now</button></form>',
    ),
    "/order/S-1001": ("Order S-1001", "<h1>Thank you</h1><p>Order #S-1001 is confirmed.</p>"),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        page = PAGES.get(self.path.split("?", 1)[0])
        if page is None:
            self.send_response(404)
            body = b"not found"
        else:
            self.send_response(200)
            title, html = page
            body = (_HEAD.format(title=title) + html + _FOOT).encode()
        self.send_header("Content-Type", "text/html; charset=utf-8" if page else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(303)
        self.send_header("Location", self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), _Handler)
    print(f"static shop on http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
