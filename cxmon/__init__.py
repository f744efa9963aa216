"""cxmon: a synthetic checkout monitor."""

from __future__ import annotations

from functools import cache


@cache
def _version() -> str:
    # Looked up when first needed (User-Agent suffix, --version, build_info), not at every import of
    # cxmon: reading the package metadata costs tens of milliseconds.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cxmon")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _version()
    raise AttributeError(f"module 'cxmon' has no attribute {name!r}")
