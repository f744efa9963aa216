"""Generators for cxmon's observability files: Prometheus rules, Grafana dashboards and provisioning.

One source (``alerts.py``, ``dashboards.py``, ``provisioning.py``), many outputs; ``generate.py`` writes
them or checks that the committed copies are current. Nothing here is imported by the ``cxmon``
runtime package.
"""
