"""Root middleware: behind a TLS proxy, every cookie the api-server sets carries `Secure`.

A request counts as HTTPS when the public URL (`WFO_PUBLIC_URL`) is https, when it arrived over TLS, or
when a trusted proxy (`WFO_TRUSTED_PROXIES`) says so in `X-Forwarded-Proto` (uvicorn rewrites the scheme
itself for trusted proxies, `wfo up` turns that on; the header is checked here too). For such requests
the scope's scheme is set to https in place, so Airflow's own middlewares around this one, which
decide `secure=` from the scheme, set Secure themselves; every Set-Cookie that still lacks it gets it.
"""

from __future__ import annotations

from wfo.plugin.guards.asgi import ASGIApp, Message, Receive, Scope, Send, header


def with_secure(cookie: bytes) -> bytes:
    """`cookie` (a Set-Cookie value) with the Secure attribute, added only if missing."""
    attributes = [part.strip().lower() for part in cookie.split(b";")[1:]]
    return cookie if b"secure" in attributes else cookie + b"; Secure"


def is_https(scope: Scope, public_url: str, trusted_proxies: tuple[str, ...]) -> bool:
    if public_url.lower().startswith("https://") or scope.get("scheme") == "https":
        return True
    if not trusted_proxies:
        return False
    from wfo.plugin.deps import _is_trusted, _trusted_networks

    client = scope.get("client")
    if not client or not _is_trusted(str(client[0]), _trusted_networks(trusted_proxies)):
        return False
    # The proxy nearest to us wrote the last value.
    forwarded = (header(scope, b"x-forwarded-proto") or "").split(",")[-1].strip().lower()
    return forwarded == "https"


class SecureCookies:
    def __init__(
        self, app: ASGIApp, public_url: str | None = None, trusted_proxies: tuple[str, ...] | None = None
    ) -> None:
        self.app = app
        self.public_url = public_url
        self.trusted_proxies = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.public_url is None or self.trusted_proxies is None:
            from wfo.settings import get_settings

            settings = get_settings()
            self.public_url, self.trusted_proxies = settings.public_url, settings.trusted_proxies
        if not is_https(scope, self.public_url, self.trusted_proxies):
            await self.app(scope, receive, send)
            return
        scope["scheme"] = "https"

        async def secure_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (key, with_secure(bytes(value)) if bytes(key).lower() == b"set-cookie" else value)
                    for key, value in message.get("headers") or ()
                ]
            await send(message)

        await self.app(scope, receive, secure_send)
