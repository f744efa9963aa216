"""``cxmon demo-shop``: the bundled demo shop, with faults to switch on."""

from __future__ import annotations

import typer

from cxmon.cli.common import stderr_console
from cxmon.cli.status import ExitStatus
from cxmon.errors import InputError


def demo_shop(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8400, help="Port of the shop (0: any free port)."),
    provider_port: int = typer.Option(8401, help="Port of the payment provider (0: any free port)."),
    fault: list[str] = typer.Option(
        [],
        "--fault",
        help="A fault to switch on, FAULT[:VARIANT][@STAGE][#MARKET][*N] (repeatable); "
        'see docs/demo-shop.md. At run time: POST /__admin/faults {"fault": SPEC}.',
    ),
    smtp: str | None = typer.Option(
        None,
        "--smtp",
        envvar="DEMO_SHOP_SMTP",
        metavar="HOST:PORT",
        help="SMTP server the order confirmation e-mails go to (default: none, no mail).",
    ),
) -> int:
    """Start the bundled demo shop and its payment provider (until Ctrl-C)."""
    from cxmon.demo import FaultSpecError, parse_fault, parse_smtp_address, run_demo_shop

    for spec in fault:
        try:
            parse_fault(spec)
        except FaultSpecError as exc:
            raise InputError(f"--fault: {exc}") from None
    if smtp:
        try:
            parse_smtp_address(smtp)
        except ValueError as exc:
            raise InputError(f"--smtp: {exc}") from None
    err = stderr_console()

    def ready(shop: object) -> None:
        print(f"demo shop: {shop.url} (payment provider {shop.provider_url})", flush=True)  # type: ignore[attr-defined]
        err.print("faults: " + (", ".join(fault) if fault else "none"), markup=False)

    try:
        run_demo_shop(host, port, provider_port, fault, on_ready=ready, smtp=smtp)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}/{provider_port}: {exc.strerror or exc}") from None
    return ExitStatus.OK


def register(app: typer.Typer) -> None:
    app.command("demo-shop")(demo_shop)
