"""The ``cxmon`` command line: one module per command (the typer application is
:mod:`cxmon.cli.root`), and ``main``, the one place that turns exceptions into an exit status and a
message."""

from __future__ import annotations

import sys
from typing import Any

from cxmon.cli.status import ExitStatus
from cxmon.errors import BrowserNotFoundError, InfrastructureError, InputError, ScenarioErrors


def main(argv: list[str] | None = None) -> int:
    """Runs the CLI and returns the exit status (see ``cxmon.cli.status``)."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        # Asked by scripts and health checks: answered without building the command line (typer,
        # its parameter types, every command's module), several times this command's own cost.
        from cxmon import __version__

        print(f"cxmon {__version__}")
        return ExitStatus.OK
    import typer

    try:  # typer 0.2x vendors click; older releases use the click package
        from typer._click import exceptions as click_exceptions
    except ImportError:  # pragma: no cover
        from click import exceptions as click_exceptions  # type: ignore[no-redef]

    from cxmon.cli.common import stderr_console
    from cxmon.cli.root import app

    try:
        rv = app(args=args, prog_name="cxmon", standalone_mode=False)
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


def __getattr__(name: str) -> Any:
    if name == "app":  # the typer application, for tests and tools; loaded when first asked for
        from cxmon.cli.root import app

        return app
    raise AttributeError(f"module 'cxmon.cli' has no attribute {name!r}")


__all__ = ["app", "entry", "main"]
