"""cxmon: a synthetic checkout monitor."""

from __future__ import annotations

from functools import cache


@cache
def _version() -> str:
    # importlib.metadata costs ~50 ms at start-up; only --version and build_info need it.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cxmon")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _version()
    raise AttributeError(f"module 'cxmon' has no attribute {name!r}")
