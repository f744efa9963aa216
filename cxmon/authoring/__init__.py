"""From a Playwright script or a recording to a scenario file.

``cxmon import`` and ``cxmon record`` share this package: a script (Python read with ``ast``,
JavaScript/TypeScript with esprima) becomes a list of call chains (:mod:`.chains`), the chains
become actions (:mod:`.actions`), and the actions become a commented scenario (:mod:`.convert`).
Nothing a script does is dropped silently: what cannot be converted is listed with its line.
"""

from __future__ import annotations

from cxmon.authoring.convert import Conversion, convert_script, import_script

__all__ = ["Conversion", "convert_script", "import_script"]
