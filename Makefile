# cxmon: `make demo` and `make test` set up everything they need on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_PORT ?= 8400
DEMO_PROVIDER_PORT ?= 8401
# Debian packages the tests start: a browser, the Prometheus stack, an IMAP server (dovecot) and a
# virtual display (Xvfb, for the recorder).
APT_PACKAGES := chromium prometheus prometheus-pushgateway prometheus-alertmanager dovecot-imapd xvfb xauth
APT_BINARIES := /usr/bin/chromium /usr/bin/prometheus /usr/bin/promtool /usr/bin/prometheus-pushgateway /usr/bin/prometheus-alertmanager /usr/sbin/dovecot /usr/bin/Xvfb /usr/bin/xauth

.PHONY: install bytecode browser system-deps demo test lint dashboards check-generated bench soak clean-runs clean help

help:
	@echo "make demo   - set up, start the demo shop, run the demo scenarios, show the results"
	@echo "make test   - set up and run the whole test suite"
	@echo "make lint   - ruff, the import layer contracts and mypy"
	@echo "make bench  - benchmarks against a raw Playwright script (benchmarks/RESULTS.md)"
	@echo "make clean-runs - 200 clean journeys across the test shops, zero failures (benchmarks/CLEAN.md)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) browser bytecode

# cxmon's bytecode, as a package install compiles it: where PYTHONDONTWRITEBYTECODE is set, every
# cxmon process would otherwise compile its modules again (about 0.2 CPU-seconds a start).
# compileall rewrites only what changed.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q cxmon

# Playwright's own Chromium where its download works; otherwise Debian's chromium (cxmon finds
# /usr/bin/chromium by itself). Both paths run unattended.
browser: $(STAMP) system-deps
	@if [ -x /usr/bin/chromium ] || ls $$HOME/.cache/ms-playwright/chromium-*/chrome-linux*/chrome >/dev/null 2>&1; then \
		echo "browser: ok"; \
	elif timeout 120 $(BIN)/python -m playwright install chromium >/dev/null 2>&1; then \
		echo "browser: Playwright's Chromium"; \
	else \
		echo "browser: installing Debian's chromium"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

system-deps:
	@missing=0; for b in $(APT_BINARIES); do [ -x $$b ] || missing=1; done; \
	if [ $$missing = 1 ]; then \
		echo "installing $(APT_PACKAGES) with apt-get"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	fi

demo: install
	@$(BIN)/cxmon demo-shop --port $(DEMO_PORT) --provider-port $(DEMO_PROVIDER_PORT) > .demo-shop.log 2>&1 & \
	shop=$$!; trap "kill $$shop 2>/dev/null" EXIT; \
	for i in $$(seq 1 50); do grep -q "demo shop:" .demo-shop.log 2>/dev/null && break; sleep 0.2; done; \
	cat .demo-shop.log; \
	DEMO_SHOP_URL=http://127.0.0.1:$(DEMO_PORT) DEMO_PROVIDER_URL=http://127.0.0.1:$(DEMO_PROVIDER_PORT) \
		$(BIN)/cxmon run scenarios/demo-shop/ --json reports/demo.json

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Grafana dashboards, Grafana alert provisioning and Prometheus rules, from tools/observability.
dashboards: install
	$(BIN)/python -m tools.observability.generate

check-generated: install
	$(BIN)/python -m tools.observability.generate --check

# cxmon against a plain Playwright script, same shop, same run; writes benchmarks/RESULTS.md.
bench: install
	$(BIN)/python benchmarks/bench.py --out benchmarks/RESULTS.md

# 200 clean journeys across the three test shops: zero failures expected; writes benchmarks/CLEAN.md.
clean-runs: install
	$(BIN)/python benchmarks/clean_runs.py --journeys 200 --out benchmarks/CLEAN.md

# Long soak of cxmon serve with faults toggled; the suite runs a short version.
soak: install
	$(BIN)/python benchmarks/soak.py --journeys 300 --out benchmarks/SOAK.md

clean:
	rm -rf $(VENV) cxmon-artifacts reports .pytest_cache .ruff_cache .mypy_cache .demo-shop.log
