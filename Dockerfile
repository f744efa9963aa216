# cxmon runner image: `cxmon serve` with Playwright's Chromium, as a non-root user.
#
# The base image's Playwright version must equal the `playwright==` pin in pyproject.toml (and
# deploy/constraints.txt): the image carries the browser builds that driver expects. Pinned by
# tag; pin by digest too (`...:v1.65.2-noble@sha256:...`) once it can be resolved from a registry.
FROM mcr.microsoft.com/playwright/python:v1.65.2-noble

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /opt/cxmon

# Dependencies first (their own layer), at the exact versions tested, then cxmon itself.
COPY deploy/constraints.txt ./constraints.txt
COPY pyproject.toml README.md ./
COPY cxmon ./cxmon
RUN python3 -m pip install --no-cache-dir --constraint constraints.txt . \
    && rm -rf /opt/cxmon/cxmon /opt/cxmon/build

COPY scenarios /etc/cxmon/scenarios

# A user of its own with a fixed, numeric id, so Kubernetes' runAsNonRoot can check it.
RUN groupadd --gid 10001 cxmon \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin cxmon
USER 10001:10001
WORKDIR /home/cxmon

EXPOSE 9464

# /healthz answers while the process is up (readiness is /readyz: the browser runs, scenarios loaded).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9464/healthz', timeout=4)"]

ENTRYPOINT ["cxmon"]
CMD ["serve", "/etc/cxmon/scenarios", "--listen", "0.0.0.0:9464", "--artifacts", "/home/cxmon/cxmon-artifacts"]
