"""Who is calling, what they may do, and how secrets are kept (hashed only)."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from agilegov.errors import Forbidden, Unauthenticated
from agilegov.i18n import lazy
from agilegov.settings import get_settings


class Role(StrEnum):
    viewer = "viewer"
    reviewer = "reviewer"
    editor = "editor"
    owner = "owner"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Role.viewer: 0, Role.reviewer: 1, Role.editor: 2, Role.owner: 3}


@dataclass(frozen=True)
class Principal:
    """The caller of a service: a user and their role in each organization.

    ``user_id`` is None for anonymous readers and for the system itself.
    """

    user_id: int | None
    roles: dict[int, Role] = field(default_factory=dict)
    is_system: bool = False
    # The site's operator (``users.site_admin``): verifies organizations and
    # makes verifiers; no role in any organization follows from it.
    site_admin: bool = False

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None or self.is_system

    def role_in(self, organization_id: int) -> Role | None:
        return self.roles.get(organization_id)

    def can(self, organization_id: int, minimum: Role) -> bool:
        if self.is_system:
            return True
        role = self.roles.get(organization_id)
        return role is not None and role.rank >= minimum.rank

    def require(self, organization_id: int, minimum: Role) -> None:
        if self.can(organization_id, minimum):
            return
        if not self.authenticated:
            raise Unauthenticated(lazy("sign in or send a bearer token"))
        raise Forbidden(
            lazy(
                "this needs the %(minimum_value)s role in organization %(organization_id)s",
                minimum_value=minimum.value,
                organization_id=organization_id,
            )
        )

    def require_site_admin(self) -> None:
        """The site's operator (or the platform itself): who appoints verifiers and
        accreditation bodies and imports catalogues."""
        if self.is_system or self.site_admin:
            return
        if not self.authenticated:
            raise Unauthenticated(lazy("sign in or send a bearer token"))
        raise Forbidden(lazy("only the site's operator may do this"))


ANONYMOUS = Principal(user_id=None)
SYSTEM = Principal(user_id=None, is_system=True)

# scrypt's block size and parallelism; its cost N is a setting (password_hash_cost).
_SCRYPT_R = 8
_SCRYPT_P = 1


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # OpenSSL refuses more than 32 MiB unless told, which costs above 2**14 need.
    memory = 128 * r * (n + p + 2)
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=memory)


def hash_password(password: str) -> str:
    """The scrypt hash of ``password``, as ``scrypt$N$r$p$salt$digest``: it names
    its own parameters, so it verifies whatever the cost setting is later."""
    n, r, p = get_settings().password_hash_cost, _SCRYPT_R, _SCRYPT_P
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, n, r, p)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = _scrypt(password, bytes.fromhex(salt_hex), int(n), int(r), int(p))
    return hmac.compare_digest(digest.hex(), digest_hex)


TOKEN_PREFIX = "agt_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough to make a leaked
    # table useless; passwords, chosen by people, get scrypt instead.
    return hashlib.sha256(token.encode()).hexdigest()
