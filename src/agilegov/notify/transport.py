"""Sending one webhook request over HTTP. No database here: the service records."""

from collections.abc import Callable, Mapping

TIMEOUT_SECONDS = 5.0

# (url, body, headers) -> the response's status code; raises OSError or
# httpx.HTTPError when no response came back.
Poster = Callable[[str, bytes, Mapping[str, str]], int]


def http_post(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    """POST ``body`` to ``url``; redirects are not followed (a 3xx is not a delivery)."""
    import httpx  # only the deliverer needs it

    # Streamed and closed unread: only the status matters, however large the answer.
    with httpx.stream(
        "POST",
        url,
        content=body,
        headers=dict(headers),
        timeout=TIMEOUT_SECONDS,
        follow_redirects=False,
    ) as response:
        return response.status_code
