"""The ``cxmon`` typer application: the root options and every command, one module each."""

from __future__ import annotations

import logging
import sys

import typer

from cxmon.cli import demo_shop, devices, import_, listing, maintenance, record, run, schema, serve, validate

app = typer.Typer(
    name="cxmon",
    help="Synthetic checkout monitor: walks a web shop's purchase path in a real browser and says what "
    "broke, where, and what the customer saw.",
    no_args_is_help=True,
    add_completion=False,
    # Secrets must never reach a traceback.
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from cxmon import __version__

        print(f"cxmon {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what cxmon does, to stderr."),
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


for module in (run, validate, listing, devices, schema, serve, maintenance, demo_shop, import_, record):
    module.register(app)
