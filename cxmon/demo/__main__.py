"""``python -m cxmon.demo``: serve the demo shop until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import os
import sys

from cxmon.demo.faults import SPEC_FORMAT, FaultSet, FaultSpecError
from cxmon.demo.mailer import SMTP_ENV, parse_smtp_address
from cxmon.demo.server import DemoShop, run_demo_shop


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, serve, and return the exit status (2 for a bad fault spec)."""
    parser = argparse.ArgumentParser(prog="python -m cxmon.demo", description="Serve the cxmon demo shop.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8400, help="shop port, 0 for any free port (default: %(default)s)")
    parser.add_argument(
        "--provider-port",
        type=int,
        default=8401,
        help="payment provider port, 0 for any free port (default: %(default)s)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help=f"switch a fault on: {SPEC_FORMAT} (repeatable)",
    )
    parser.add_argument(
        "--smtp",
        default=os.environ.get(SMTP_ENV) or None,
        metavar="HOST:PORT",
        help=f"send order confirmation e-mails to this SMTP server (default: ${SMTP_ENV}; none: no mail)",
    )
    args = parser.parse_args(argv)
    try:
        FaultSet(args.fault)  # report a bad spec as usage, before anything listens
        if args.smtp:
            parse_smtp_address(args.smtp)
    except (FaultSpecError, ValueError) as error:
        parser.error(str(error))

    def announce(shop: DemoShop) -> None:
        print(f"demo shop: {shop.url} (payment provider {shop.provider_url})", flush=True)

    try:
        run_demo_shop(args.host, args.port, args.provider_port, args.fault, on_ready=announce, smtp=args.smtp)
    except OSError as error:
        print(f"demo shop: cannot listen: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
