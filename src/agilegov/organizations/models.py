"""Actors (organizations), people (users), their roles, API tokens, web
sessions and the counts of failed sign-ins."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from agilegov.db import Base, UTCDateTime


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The name's skeleton (``organizations.names.name_key``): two organizations
    # with the same key look alike, and their pages say which is which.
    name_key: Mapped[str] = mapped_column(String(200), index=True, server_default="")
    # The value the organization publishes (DNS TXT record or well-known file) to
    # prove a domain is its own; random, so nobody can publish it for another.
    verification_challenge: Mapped[str] = mapped_column(String(64), server_default="")
    # The latest expiry of its current verifications (None: never verified, or
    # every one withdrawn); kept by the service so "verified" costs no query.
    verified_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A verified infrastructure operator the site operator made a verifier (a
    # trust registry): its editors may verify other organizations.
    is_verifier: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # How many scopes it has published, where a query asks for it (a list's column).
    published: Mapped[int | None] = query_expression()


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The language and time zone the person reads pages in (None: the browser's
    # language and that language's usual zone).
    language: Mapped[str | None] = mapped_column(String(8))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # When the person followed the link sent to their address (None: not yet, and
    # until then they join no organization). Accounts an operator creates are
    # verified from the start.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The site's operator: made one only from the command line; verifies
    # organizations and makes verifiers.
    site_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A signed-in browser. Only the hash of its cookie is stored, as for tokens."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInThrottle(Base):
    """Failed sign-ins counted under one key (see ``organizations.delays``): an
    account, an address, or an account from an address. The key is stored as
    its hash, so the table names neither people nor their addresses."""

    __tablename__ = "sign_in_throttle"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # No attempt under this key has its password checked before this time.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For an account from an address: when it last signed in from there.
    signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmailToken(Base):
    """A single-use link sent by e-mail: to verify an address, to join an
    organization, to reset a password or to change one's address. Only the hash
    of its secret is stored, as for API tokens."""

    __tablename__ = "email_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The person it was sent for, or (an invitation to someone without an
    # account) only the address it was sent to.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    # An invitation's organization and role.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    role: Mapped[str | None] = mapped_column(String(16))
    # A change of address: the address it changes to (the token was sent there).
    new_email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OrganizationVerification(Base):
    """Someone vouching that an organization is who it says, until an expiry."""

    __tablename__ = "organization_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # The verifying organization, or None when the site's operator verified.
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    verified_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(32))
    # What was checked: the domain, the corporate number, the registry and entry.
    evidence: Mapped[str] = mapped_column(String(500))
    note: Mapped[str] = mapped_column(Text, default="")
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
