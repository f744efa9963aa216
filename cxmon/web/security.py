"""TLS and basic auth for the web server of ``cxmon serve`` (see docs/security.md).

``/metrics``, the results page and the evidence under ``/artifacts/`` show what a shop's checkout
looks like and where it breaks; served beyond loopback they deserve TLS and a password. The
password comes from a file (``--basic-auth-password-file``, e.g. a mounted Kubernetes secret) or
the ``CXMON_BASIC_AUTH_PASSWORD`` environment variable, never from the command line, where every
user of the machine could read it. ``/healthz`` stays open for liveness probes: it says only "ok".
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ssl
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from aiohttp import web

from cxmon.errors import InputError

PASSWORD_ENV = "CXMON_BASIC_AUTH_PASSWORD"
OPEN_PATHS = frozenset({"/healthz"})
"""Paths answered without credentials."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def tls_context(cert: Path | None, key: Path | None) -> ssl.SSLContext | None:
    """A server TLS context from PEM files; ``None`` when neither is given. Raises ``InputError``."""
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise InputError("--tls-cert and --tls-key go together: give both")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert), str(key))
    except FileNotFoundError as exc:
        raise InputError(f"--tls-cert/--tls-key: no such file: {exc.filename}") from None
    except (ssl.SSLError, OSError) as exc:
        raise InputError(f"--tls-cert/--tls-key: cannot load the certificate and key: {exc}") from None
    return context


def basic_auth_password(user: str | None, password_file: Path | None, env: Mapping[str, str]) -> str | None:
    """The password for ``--basic-auth-user``: from the file, else the environment. Raises ``InputError``."""
    if user is None:
        if password_file is not None:
            raise InputError("--basic-auth-password-file needs --basic-auth-user")
        return None
    if not user or ":" in user:
        raise InputError("--basic-auth-user: expected a user name without ':'")
    if password_file is not None:
        try:
            password = password_file.read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"--basic-auth-password-file: cannot read {password_file}: {exc}") from None
    else:
        password = env.get(PASSWORD_ENV, "")
    if not password:
        raise InputError(
            f"--basic-auth-user needs a password: --basic-auth-password-file FILE or the {PASSWORD_ENV} variable"
        )
    return password


Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]


def basic_auth_middleware(user: str, password: str, realm: str = "cxmon") -> Middleware:
    """An aiohttp middleware that asks for ``user``/``password`` on every path but :data:`OPEN_PATHS`.

    Credentials are compared in constant time (``hmac.compare_digest``) so response timing does not
    tell how much of a guess was right.
    """
    expected = f"{user}:{password}".encode()
    challenge = {"WWW-Authenticate": f'Basic realm="{realm}", charset="UTF-8"'}

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in OPEN_PATHS:
            return await handler(request)
        given = b""
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                given = base64.b64decode(value.strip(), validate=True)
            except (binascii.Error, ValueError):
                given = b""
        if not hmac.compare_digest(given, expected):
            return web.Response(status=401, text="401: authentication required\n", headers=challenge)
        return await handler(request)

    return middleware
