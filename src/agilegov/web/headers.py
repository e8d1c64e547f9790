"""The security headers of every response (pages, the API and its errors,
static files, the API's docs, the health check), and Secure cookies when the
site is served over https: one ASGI layer around the whole application."""

import base64
import hashlib
import re
from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Two years, as the HSTS preload list asks.
HSTS = "max-age=63072000; includeSubDomains"
# Features no page uses, refused to the page and anything it embeds.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def content_security_policy(script_hashes: Sequence[str] = ()) -> str:
    """Scripts and styles only from this site, and the inline scripts whose
    hashes are given (the API docs' start-up script); SVG pictures are inline
    markup and htmx is configured by a meta tag, so pages need no other."""
    scripts = " ".join(["'self'", *script_hashes])
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )


def inline_script_hashes(html: str) -> list[str]:
    """The CSP sources (``'sha256-…'``) allowing each inline script of ``html``."""
    return [
        "'sha256-{}'".format(
            base64.b64encode(hashlib.sha256(script.encode()).digest()).decode("ascii")
        )
        for script in _INLINE_SCRIPT.findall(html)
    ]


def security_headers(https: bool, script_hashes: Sequence[str] = ()) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(script_hashes),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
    }
    if https:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def secure_cookie(header: str) -> str:
    """A Set-Cookie header value with the Secure attribute."""
    attributes = {part.strip().lower() for part in header.split(";")[1:]}
    return header if "secure" in attributes else f"{header}; Secure"


class SecurityHeaders:
    """Sets the headers of ``security_headers`` on every HTTP response (over
    whatever the application set), and with ``https`` makes every cookie Secure."""

    def __init__(self, app: ASGIApp, *, https: bool, script_hashes: Sequence[str] = ()) -> None:
        self.app = app
        self.https = https
        self.headers = security_headers(https, script_hashes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    # A page whose address is a secret (a follow link) may ask
                    # for the stricter policy; no page gets a looser one.
                    if name == "Referrer-Policy" and headers.get(name) == "no-referrer":
                        continue
                    headers[name] = value
                if self.https:
                    cookies = headers.getlist("set-cookie")
                    del headers["set-cookie"]
                    for cookie in cookies:
                        headers.append("set-cookie", secure_cookie(cookie))
            await send(message)

        await self.app(scope, receive, send_with_headers)
