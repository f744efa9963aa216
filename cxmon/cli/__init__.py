"""The ``cxmon`` command line: one module per command, and ``main``, the one place that turns
exceptions into an exit status and a message."""

from __future__ import annotations

import logging
import sys

import typer

try:  # typer 0.2x vendors click; older releases use the click package
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover
    from click import exceptions as click_exceptions  # type: ignore[no-redef]

from cxmon.cli import demo_shop, devices, import_, listing, maintenance, record, run, schema, serve, validate
from cxmon.cli.common import stderr_console
from cxmon.cli.status import ExitStatus
from cxmon.errors import BrowserNotFoundError, InfrastructureError, InputError, ScenarioErrors

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


def main(argv: list[str] | None = None) -> int:
    """Runs the CLI and returns the exit status (see ``cxmon.cli.status``)."""
    try:
        rv = app(args=argv, prog_name="cxmon", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except click_exceptions.UsageError as exc:
        exc.show()
        return ExitStatus.USAGE
    except click_exceptions.ClickException as exc:
        exc.show()
        return ExitStatus.USAGE
    except (typer.Abort, KeyboardInterrupt):
        stderr_console().print("interrupted", markup=False)
        return ExitStatus.INTERRUPTED
    except ScenarioErrors as exc:
        for line in exc.format_lines():
            stderr_console().print(f"error: {line}", markup=False, highlight=False)
        return ExitStatus.USAGE
    except InputError as exc:
        stderr_console().print(f"error: {exc}", markup=False, highlight=False)
        return ExitStatus.USAGE
    except BrowserNotFoundError as exc:
        stderr_console().print(f"error: {exc}", markup=False, highlight=False)
        return ExitStatus.INFRASTRUCTURE
    except InfrastructureError as exc:
        stderr_console().print(f"error: cxmon could not do its job: {exc}", markup=False, highlight=False)
        return ExitStatus.INFRASTRUCTURE
    return int(rv) if isinstance(rv, int) else ExitStatus.OK


def entry() -> None:
    sys.exit(main())


__all__ = ["app", "entry", "main"]
