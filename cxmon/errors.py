"""The exceptions cxmon raises for its own trouble.

Shop faults are never exceptions: detectors return findings. Exceptions are for bad input
(exit code 2) and for cxmon being unable to do its job (exit code 3)::

    CxmonError
    ├── InputError                 bad input or usage: nothing ran (exit 2)
    │   └── ScenarioError          a scenario file is invalid (names file, line, what was expected)
    └── InfrastructureError        cxmon could not do its job (exit 3)
        └── BrowserNotFoundError   no Chromium to drive
"""

from __future__ import annotations


class CxmonError(Exception):
    """Base of every error cxmon raises on purpose."""


class InputError(CxmonError):
    """Bad input or usage; nothing ran."""


class ScenarioError(InputError):
    """A scenario file is invalid.

    ``problems`` holds one ``(line, message)`` pair per problem found, so a user fixing a file
    sees all of them at once rather than one per run.
    """

    def __init__(self, path: str, problems: list[tuple[int | None, str]]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(self.format_lines()))

    def format_lines(self) -> list[str]:
        """One ``file:line: message`` line per problem."""
        return [f"{self.path}:{line}: {msg}" if line else f"{self.path}: {msg}" for line, msg in self.problems]


class ScenarioErrors(InputError):
    """Several invalid scenario files."""

    def __init__(self, errors: list[ScenarioError]) -> None:
        self.errors = errors
        super().__init__("\n".join(line for e in errors for line in e.format_lines()))

    def format_lines(self) -> list[str]:
        return [line for e in self.errors for line in e.format_lines()]


class InfrastructureError(CxmonError):
    """cxmon itself could not do its job (no browser, browser crashed, disk full)."""


class BrowserNotFoundError(InfrastructureError):
    """No Chromium could be found to drive."""
