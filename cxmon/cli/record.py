"""``cxmon record``: click through the shop once in a browser; cxmon writes the scenario."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from cxmon.cli.common import stderr_console
from cxmon.cli.import_ import write_scenario
from cxmon.cli.status import ExitStatus
from cxmon.errors import InputError

NO_DISPLAY = (
    "cxmon record opens a browser window for you to click through the shop, and there is no display "
    "here ($DISPLAY and $WAYLAND_DISPLAY are unset). Run it on a desktop, or under a virtual display: "
    "`xvfb-run -a cxmon record {url} -o {output}` (Debian/Ubuntu: apt-get install xvfb); or record with "
    "`playwright codegen` elsewhere and convert the script with `cxmon import`."
)


def record(
    url: str = typer.Argument(..., help="Where the purchase path starts, e.g. https://shop.example/",
                              show_default=False),
    output: Path = typer.Option(..., "--output", "-o", help="The scenario file to write (.yml).",
                                show_default=False),
    name: str | None = typer.Option(None, "--name", help="The scenario's name (default: from the file name)."),
    keep_script: Path | None = typer.Option(None, "--keep-script", help="Also keep the recorded Playwright "
                                            "script (Python) here."),
    browser_arg: list[str] = typer.Option([], "--browser-arg", hidden=True,
                                          help="An extra Chromium flag for the recorder's browser."),
) -> int:
    """Record a scenario: a browser opens at URL with Playwright's recorder; click through the purchase
    as a customer would, then close the browser. cxmon writes the scenario to --output: steps named
    from the actions, stages guessed and marked for review, card fields as secret variables, and a
    confirm: proposed from the last page."""
    from cxmon.authoring.convert import LastPage, import_script, slug
    from cxmon.runner.recorder import display_available
    from cxmon.runner.recorder import record as run_recorder

    if not (url.startswith("http://") or url.startswith("https://")):
        raise InputError(f"URL: expected an http:// or https:// URL, got {url!r}")
    if output.suffix not in (".yml", ".yaml"):
        raise InputError(f"--output: expected a file ending in .yml or .yaml, got {str(output)!r}")
    if not display_available():
        stderr_console().print(f"error: {NO_DISPLAY.format(url=url, output=output)}", markup=False,
                               highlight=False)
        return ExitStatus.USAGE
    err = stderr_console()
    with tempfile.TemporaryDirectory(prefix="cxmon-record-") as tmp:
        script = keep_script or Path(tmp) / "recording.py"
        err.print(f"recording {url}: click through the purchase, then close the browser", markup=False,
                  highlight=False)
        import asyncio  # here: every other command would load it at start

        last = asyncio.run(run_recorder(url, script, browser_arg))
        if not script.exists() or "page.goto" not in script.read_text(encoding="utf-8"):
            raise InputError("nothing was recorded (the browser closed before the shop's page loaded)")
        last_page = LastPage(last.url, last.heading, last.text) if last is not None else None
        conversion = import_script(script, name=name or slug(output.stem) or "recorded", last_page=last_page,
                                   origin=f"a recording of {url} by `cxmon record`")
        write_scenario(conversion, output, str(script))
    return ExitStatus.OK


def register(app: typer.Typer) -> None:
    app.command("record")(record)
