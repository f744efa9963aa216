"""cxmon: a synthetic checkout monitor."""

from __future__ import annotations

# The one place the version is written: the package metadata reads it from here (pyproject.toml,
# tool.setuptools.dynamic), and a constant costs nothing, where looking the installed
# distribution up scans every package on the path (about 30 ms of every process that names it:
# the User-Agent suffix, --version, build_info).
__version__ = "0.1.0"
