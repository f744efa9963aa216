"""The web server of ``cxmon serve``: its routes (:mod:`.app`), TLS and basic auth (:mod:`.security`)
and the loop that serves them beside the scheduler until a signal stops it (:mod:`.server`).

Below the CLI and above the scheduler: ``cxmon.cli.serve`` turns options into a scheduler and calls
this package; nothing here parses the command line.
"""
