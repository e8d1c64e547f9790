"""Checking that an organization controls a domain: the challenge the platform
gave it, published in a DNS TXT record or in a file under /.well-known/."""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import dns.exception
import dns.resolver
import httpx

from agilegov.settings import Settings, get_settings

TXT_LABEL = "_agilegov-verification"
WELL_KNOWN_PATH = "/.well-known/agilegov-verification.txt"
# A verification file holds a line or two; anything longer is not one.
FILE_LIMIT = 4096
TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class DomainCheck:
    """Where the checks look: the DNS server (None: the system's) and the hosts
    whose file may be fetched over plain http."""

    nameserver: str | None = None
    http_hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, settings: Settings | None = None) -> "DomainCheck":
        settings = settings or get_settings()
        return cls(settings.dns_nameserver, frozenset(settings.verification_http_hosts))


def _resolver(nameserver: str | None) -> dns.resolver.Resolver:
    if nameserver is None:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        host, _, port = (
            nameserver.rpartition(":")
            if nameserver.count(":") == 1
            else (
                nameserver,
                "",
                "",
            )
        )
        resolver.nameservers = [host]
        if port:
            resolver.port = int(port)
    resolver.lifetime = TIMEOUT_SECONDS
    return resolver


def txt_values(domain: str, check: DomainCheck) -> list[str]:
    """The TXT strings at ``_agilegov-verification.<domain>`` (none when the name
    has no such record or the server cannot be reached)."""
    try:
        answer = _resolver(check.nameserver).resolve(f"{TXT_LABEL}.{domain}", "TXT")
    except (dns.exception.DNSException, ValueError):
        return []
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


def well_known_url(domain: str, check: DomainCheck) -> str:
    host = domain.split(":")[0]
    scheme = "http" if host in check.http_hosts else "https"
    return f"{scheme}://{domain}{WELL_KNOWN_PATH}"


def well_known_text(domain: str, check: DomainCheck) -> str | None:
    """The verification file of ``domain`` (its first FILE_LIMIT bytes), or None
    when it cannot be fetched. Redirects are followed on the same host only."""
    url = well_known_url(domain, check)
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            for _ in range(3):
                with client.stream("GET", url) as response:
                    if response.is_redirect:
                        target = response.next_request
                        if target is None or target.url.host != urlsplit(url).hostname:
                            return None
                        url = str(target.url)
                        continue
                    if response.status_code != 200:
                        return None
                    body = b""
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > FILE_LIMIT:
                            break
                    return body[:FILE_LIMIT].decode("utf-8", "replace")
    except (httpx.HTTPError, ValueError):
        return None
    return None
