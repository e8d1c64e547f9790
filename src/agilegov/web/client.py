"""Who sent a request and over which scheme: the one place that decides it, for
the sign-in delays and for whether cookies are marked Secure.

A reverse proxy tells the address of whoever connected to it in
``X-Forwarded-For`` and the scheme they used in ``X-Forwarded-Proto``. Anyone
can send those headers, so they are believed only from the proxies named in
``AGILEGOV_TRUSTED_PROXIES`` (none by default): starting from the address that
connected to the server, each trusted hop's word about who connected to it is
taken, and the first address that is not a trusted proxy (the right-most
untrusted one in the chain) is the client. The standard ``Forwarded`` header is
not read: proxies that append to ``X-Forwarded-For`` pass it through untouched,
so a client could write in it whatever it liked.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from starlette.requests import Request

Network = IPv4Network | IPv6Network
FORWARDED_FOR = "x-forwarded-for"
FORWARDED_PROTO = "x-forwarded-proto"


@dataclass(frozen=True)
class Client:
    address: str
    scheme: str


def parse_address(text: str) -> IPv4Address | IPv6Address | None:
    """An address as proxies write it: bare, ``[v6]``, or with a port; None for
    anything else (``unknown``, an obfuscated name)."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":")[0]
    try:
        return ip_address(text)
    except ValueError:
        return None


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    parsed = parse_address(address)
    return parsed is not None and any(parsed in network for network in proxies)


def _listed(values: list[str]) -> list[str]:
    """The items of a header sent on one line or several, in order."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def resolve_client(
    peer: str,
    scheme: str,
    forwarded_for: list[str],
    forwarded_proto: list[str],
    proxies: Sequence[Network],
) -> Client:
    """The client of a request that ``peer`` sent over ``scheme`` with these
    forwarding headers, believing only ``proxies``. The schemes in
    ``X-Forwarded-Proto`` pair with the addresses from the right (a proxy that
    appends one appends the other; most chains have a single proxy)."""
    hops = _listed(forwarded_for)[::-1]
    protos = [proto.lower() for proto in _listed(forwarded_proto)][::-1]
    address = peer
    position = 0
    # ``address`` is trusted: it names who connected to it, and over what.
    while _trusted(address, proxies):
        if position < len(protos) and protos[position] in ("http", "https"):
            scheme = protos[position]
        parsed = parse_address(hops[position]) if position < len(hops) else None
        if parsed is None:
            # A trusted proxy that does not say (or know) its client: it is all we know.
            break
        address = str(parsed)
        position += 1
    return Client(address, scheme)


def client_of(request: Request) -> Client:
    """The request's client address and scheme (worked out once per request)."""
    known: Client | None = getattr(request.state, "client", None)
    if known is None:
        known = request.state.client = resolve_client(
            request.client.host if request.client else "",
            request.url.scheme,
            request.headers.getlist(FORWARDED_FOR),
            request.headers.getlist(FORWARDED_PROTO),
            request.app.state.settings.trusted_proxies,
        )
    return known
