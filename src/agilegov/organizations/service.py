"""Organizations, users, memberships and tokens. The only writer of their tables."""

import hashlib
import math
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, case, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.auth import (
    Principal,
    Role,
    hash_password,
    hash_token,
    new_token,
    verify_password,
)
from agilegov.db import hold
from agilegov.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    MailNotSent,
    NotFound,
    TooManyRequests,
    Unauthenticated,
)
from agilegov.i18n import Lazy, lazy, speaking
from agilegov.mail import Mail, Mailer
from agilegov.organizations.delays import (
    ACCOUNT,
    ADDRESS,
    KNOWN_ADDRESS_FOR,
    MAIL_REQUESTS,
    PAIR,
    Backoff,
    SignInKeys,
)
from agilegov.organizations.models import (
    ApiToken,
    EmailToken,
    Membership,
    Organization,
    OrganizationVerification,
    SignInThrottle,
    User,
    WebSession,
)
from agilegov.organizations.names import name_key, valid_corporate_number
from agilegov.organizations.proof import DomainCheck, txt_values, well_known_text
from agilegov.organizations.schemas import (
    EmailChange,
    EmailPurpose,
    InvitationCreate,
    InvitationRead,
    MemberAdd,
    MembershipRead,
    MemberUpdate,
    OrganizationCreate,
    OrganizationRead,
    Preferences,
    PreferencesRead,
    SignUp,
    TokenIssued,
    TokenRead,
    UserCreate,
    UserRead,
    VerificationCreate,
    VerificationMethod,
    VerificationRead,
)
from agilegov.paging import paginate
from agilegov.record.service import record_event
from agilegov.schemas import Input, Page
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork


def principal_for_user(session: Session, user_id: int) -> Principal:
    # Until its address is verified an account holds no role anywhere: whoever
    # signed up with someone else's address acts for no organization.
    # One statement: the person's flag, and their roles (none until verified).
    rows = session.execute(
        select(User.site_admin, User.email_verified_at, Membership.organization_id, Membership.role)
        .outerjoin(Membership, Membership.user_id == User.id)
        .where(User.id == user_id)
    ).all()
    verified = bool(rows) and rows[0].email_verified_at is not None
    return Principal(
        user_id=user_id,
        roles={row.organization_id: Role(row.role) for row in rows if row.role and verified},
        site_admin=verified and bool(rows[0].site_admin),
    )


def _require_verified(session: Session, actor: Principal) -> None:
    if _signed_in_user(session, actor).email_verified_at is None:
        raise Forbidden(lazy("verify your e-mail address first: follow the link sent to it"))


def principal_for_token(uow: UnitOfWork, token: str) -> Principal:
    with uow:
        user_id = uow.session.scalar(
            select(ApiToken.user_id).where(
                ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
            )
        )
        if user_id is None:
            raise Unauthenticated(lazy("the bearer token is unknown or revoked"))
        return principal_for_user(uow.session, user_id)


# A browser stays signed in for a working day at most.
SESSION_LIFETIME = timedelta(hours=12)
# Compared against when no such user exists, so a wrong e-mail costs as much
# time as a wrong password and does not reveal who has an account.
_NO_SUCH_USER = hash_password("no such user: the password never matches")


def sign_in(uow: UnitOfWork, email: str, password: str, address: str) -> str:
    """Start a web session for the person with these credentials, signing in
    from ``address``; returns the session's secret (for the cookie), of which
    only the hash is kept.

    Failed attempts slow the next ones down as ``organizations.delays`` says:
    while an attempt must wait, it is refused with ``TooManyRequests`` (saying
    how long) before its password is checked, and changes nothing."""
    keys = SignInKeys.of(email, address)
    with uow:
        session = uow.session
        now = clock.now()
        _refuse_while_waiting(session, keys, now)
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        known = verify_password(password, user.password_hash if user else _NO_SUCH_USER)
        if user is None or not known:
            _count_failure(session, keys, now)
            uow.commit()
            raise Unauthenticated(lazy("the email or the password is wrong"))
        _forget_failures(session, keys, now)
        secret = new_token()
        row = WebSession(
            user_id=user.id,
            session_hash=hash_token(secret),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
        session.add(row)
        session.flush()
        record_event(
            session,
            Principal(user_id=user.id),
            "web_session.started",
            row.id,
            {"id": row.id, "user_id": user.id, "expires_at": row.expires_at.isoformat()},
        )
        uow.commit()
        return secret


# Failed sign-ins are counted, not recorded: they are no change to anyone's
# governance, and whoever guesses must not be able to fill the log.
_THROTTLE = SignInThrottle.__table__


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _insert_of(session: Session) -> Any:
    """The dialect's INSERT, which can say what to do ON CONFLICT."""
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _refuse_while_waiting(session: Session, keys: SignInKeys, now: datetime) -> None:
    hashes = {key: _key_hash(key) for key in (keys.pair, keys.address, keys.account)}
    rows = {
        row.key_hash: row
        for row in session.execute(
            select(_THROTTLE).where(_THROTTLE.c.key_hash.in_(hashes.values()))
        )
    }
    pair = rows.get(hashes[keys.pair])
    known_address = (
        pair is not None
        and pair.signed_in_at is not None
        and pair.signed_in_at > now - KNOWN_ADDRESS_FOR
    )
    # The account's own wait is for addresses it has not signed in from: the
    # owner's are spared whatever is guessed elsewhere.
    waited = [keys.pair, keys.address] + ([] if known_address else [keys.account])
    until = max(
        (
            row.next_attempt_at
            for key in waited
            if (row := rows.get(hashes[key])) is not None
            and row.next_attempt_at is not None
            and row.next_attempt_at > now
        ),
        default=None,
    )
    if until is not None:
        seconds = math.ceil((until - now).total_seconds())
        raise TooManyRequests(
            lazy(
                "too many failed sign-ins: try again in %(duration)s", duration=_duration(seconds)
            ),
            retry_after=seconds,
        )


def wait_in_units(seconds: int) -> tuple[int, str]:
    """A wait as people are told it: ``(count, "seconds")`` under two minutes,
    else ``(count, "minutes")``, rounded up."""
    if seconds < 120:
        return seconds, "seconds"
    return math.ceil(seconds / 60), "minutes"


def _duration(seconds: int) -> Lazy:
    count, unit = wait_in_units(seconds)
    if unit == "seconds":
        return lazy("1 second") if count == 1 else lazy("%(count)s seconds", count=count)
    return lazy("1 minute") if count == 1 else lazy("%(count)s minutes", count=count)


def _count_failure(session: Session, keys: SignInKeys, now: datetime) -> None:
    """Add one failure under each key, in one statement per key, so that failures
    made at the same moment by several server processes are all counted."""
    dialect_insert = _insert_of(session)
    policies: list[tuple[str, Backoff]] = [
        (_key_hash(keys.pair), PAIR),
        (_key_hash(keys.address), ADDRESS),
        (_key_hash(keys.account), ACCOUNT),
    ]
    # Always in the same order, so that two attempts never wait for each other's rows.
    for key_hash, policy in sorted(policies, key=lambda item: item[0]):
        _count(session, dialect_insert, key_hash, policy, now)


def _count(
    session: Session, dialect_insert: Any, key_hash: str, policy: Backoff, now: datetime
) -> None:
    forgotten = _THROTTLE.c.last_failure_at < now - policy.forget_after
    counted = (
        dialect_insert(_THROTTLE)
        .values(key_hash=key_hash, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[_THROTTLE.c.key_hash],
            set_={
                "failures": case((forgotten, 1), else_=_THROTTLE.c.failures + 1),
                "last_failure_at": now,
            },
        )
        .returning(_THROTTLE.c.failures)
    )
    failures = session.execute(counted).scalar_one()
    session.execute(
        update(_THROTTLE)
        .where(_THROTTLE.c.key_hash == key_hash)
        .values(next_attempt_at=now + policy.wait_after(failures))
    )


def _count_mail_request(session: Session, email: str) -> None:
    """Count a request for a mailed link to ``email`` (known or not, alike), and
    refuse it while the address must wait (``delays.MAIL_REQUESTS``)."""
    now = clock.now()
    key_hash = _key_hash(f"mail:{email}")
    until = session.scalar(
        select(_THROTTLE.c.next_attempt_at).where(_THROTTLE.c.key_hash == key_hash)
    )
    if until is not None and until > now:
        seconds = math.ceil((until - now).total_seconds())
        raise TooManyRequests(
            lazy(
                "too many mails asked for this address: try again in %(duration)s",
                duration=_duration(seconds),
            ),
            retry_after=seconds,
        )
    _count(session, _insert_of(session), key_hash, MAIL_REQUESTS, now)


def _forget_failures(session: Session, keys: SignInKeys, now: datetime) -> None:
    """A successful sign-in: the account's failures, and the account's from this
    address, are forgotten, and the address is remembered as the account's."""
    cleared = {"failures": 0, "last_failure_at": None, "next_attempt_at": None}
    session.execute(
        update(_THROTTLE).where(_THROTTLE.c.key_hash == _key_hash(keys.account)).values(cleared)
    )
    dialect_insert = _insert_of(session)
    session.execute(
        dialect_insert(_THROTTLE)
        .values(key_hash=_key_hash(keys.pair), signed_in_at=now, **cleared)
        .on_conflict_do_update(
            index_elements=[_THROTTLE.c.key_hash], set_={"signed_in_at": now, **cleared}
        )
    )


def forget_old_sign_in_failures(uow: UnitOfWork) -> int:
    """Delete the counts no rule reads any more: no failure within the longest
    time a count is kept, and no sign-in within the time an address is known.
    Returns how many went."""
    with uow:
        now = clock.now()
        quiet_since = now - max(policy.forget_after for policy in (PAIR, ADDRESS, ACCOUNT))
        gone = uow.session.execute(
            delete(_THROTTLE).where(
                or_(
                    _THROTTLE.c.last_failure_at.is_(None),
                    _THROTTLE.c.last_failure_at < quiet_since,
                ),
                or_(
                    _THROTTLE.c.signed_in_at.is_(None),
                    _THROTTLE.c.signed_in_at < now - KNOWN_ADDRESS_FOR,
                ),
            )
        )
        uow.commit()
        return gone.rowcount


@dataclass(frozen=True)
class SessionUser:
    """The signed-in person of a session, and how they read pages."""

    principal: Principal
    name: str
    language: str | None
    time_zone: str | None


def session_user(uow: UnitOfWork, secret: str) -> SessionUser | None:
    """The signed-in person of a session cookie, or None when the session is
    unknown, ended or expired."""
    with uow:
        row = uow.session.execute(
            select(User.id, User.name, User.language, User.time_zone)
            .join(WebSession, WebSession.user_id == User.id)
            .where(
                WebSession.session_hash == hash_token(secret),
                WebSession.ended_at.is_(None),
                WebSession.expires_at > clock.now(),
            )
        ).first()
        if row is None:
            return None
        principal = principal_for_user(uow.session, row.id)
        return SessionUser(principal, row.name, row.language, row.time_zone)


def preferences(uow: UnitOfWork, actor: Principal) -> PreferencesRead:
    with uow:
        return PreferencesRead.model_validate(_signed_in_user(uow.session, actor))


def set_preferences(uow: UnitOfWork, actor: Principal, data: Preferences) -> PreferencesRead:
    """Set the fields of ``data`` that were sent (null: back to the browser's choice)."""
    with uow:
        user = _signed_in_user(uow.session, actor)
        hold(uow.session, user)
        for name in data.model_fields_set:
            setattr(user, name, getattr(data, name))
        read = PreferencesRead.model_validate(user)
        record_event(uow.session, actor, "user.preferences_changed", user.id, read)
        uow.commit()
        return read


def set_language(uow: UnitOfWork, actor: Principal, language: str) -> None:
    set_preferences(uow, actor, Preferences(language=language))


def _signed_in_user(session: Session, actor: Principal) -> User:
    if actor.user_id is None:
        raise Unauthenticated(lazy("sign in or send a bearer token"))
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound(lazy("no user %(user_id)s", user_id=actor.user_id))
    return user


def sign_out(uow: UnitOfWork, secret: str) -> None:
    """End a session; ending one that is unknown or already ended does nothing."""
    with uow:
        row = uow.session.scalar(
            select(WebSession).where(
                WebSession.session_hash == hash_token(secret), WebSession.ended_at.is_(None)
            )
        )
        if row is None:
            return
        row.ended_at = clock.now()
        record_event(
            uow.session,
            Principal(user_id=row.user_id),
            "web_session.ended",
            row.id,
            {"id": row.id, "user_id": row.user_id},
        )
        uow.commit()


def create_user(uow: UnitOfWork, data: UserCreate) -> UserRead:
    """Register a person. Done by an operator (CLI) or the demo loader."""
    with uow:
        email = data.email.lower()
        if uow.session.scalar(select(User.id).where(User.email == email)) is not None:
            raise Conflict(lazy("a user with email %(email)s exists", email=email), [])
        now = clock.now()
        user = User(
            email=email,
            name=data.name,
            password_hash=hash_password(data.password),
            created_at=now,
            # An operator vouches for the address.
            email_verified_at=now,
        )
        uow.session.add(user)
        uow.session.flush()
        read = UserRead.model_validate(user)
        # The payload names the person but never the password hash.
        record_event(uow.session, Principal(user_id=user.id), "user.created", user.id, read)
        uow.commit()
        return read


def get_user_by_email(uow: UnitOfWork, email: str) -> UserRead:
    with uow:
        user = uow.session.scalar(select(User).where(User.email == email.lower()))
        if user is None:
            raise NotFound(lazy("no user with email %(email)s", email=email))
        return UserRead.model_validate(user)


def issue_token(uow: UnitOfWork, actor: Principal, name: str) -> TokenIssued:
    if actor.user_id is None:
        raise Unauthenticated(lazy("only a signed-in user can create a token"))
    with uow:
        token = new_token()
        row = ApiToken(
            user_id=actor.user_id, name=name, token_hash=hash_token(token), created_at=clock.now()
        )
        uow.session.add(row)
        uow.session.flush()
        read = TokenRead.model_validate(row)
        record_event(uow.session, actor, "api_token.created", row.id, read)
        uow.commit()
        return TokenIssued(**read.model_dump(), token=token)


def list_tokens(uow: UnitOfWork, actor: Principal) -> list[TokenRead]:
    if actor.user_id is None:
        raise Unauthenticated(lazy("sign in or send a bearer token"))
    with uow:
        rows = uow.session.scalars(
            select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.id)
        )
        return [TokenRead.model_validate(row) for row in rows]


def _own_token(session: Session, actor: Principal, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != actor.user_id:
        raise NotFound(lazy("token %(token_id)s not found", token_id=token_id))
    return row


def get_token(uow: UnitOfWork, actor: Principal, token_id: int) -> TokenRead:
    """One of the caller's own tokens."""
    with uow:
        return TokenRead.model_validate(_own_token(uow.session, actor, token_id))


def revoke_token(uow: UnitOfWork, actor: Principal, token_id: int) -> TokenRead:
    with uow:
        row = _own_token(uow.session, actor, token_id)
        if row.revoked_at is None:
            row.revoked_at = clock.now()
            record_event(
                uow.session, actor, "api_token.revoked", row.id, {"id": row.id, "name": row.name}
            )
        uow.commit()
        return TokenRead.model_validate(row)


def _get_organization(session: Session, organization_id: int) -> Organization:
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise NotFound(
            lazy("organization %(organization_id)s not found", organization_id=organization_id)
        )
    return organization


def organization_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """The names of the organizations ``ids`` (one query; none for no ids). Names
    are public, as profiles are."""
    wanted = {id_ for id_ in ids if id_ is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(wanted))
    )
    return {row.id: row.name for row in rows}


def organization_exists(session: Session, organization_id: int) -> bool:
    return session.get(Organization, organization_id) is not None


def organization_profile(session: Session, organization_id: int) -> OrganizationRead | None:
    """The public profile of one organization, or None if there is none."""
    organization = session.get(Organization, organization_id)
    return None if organization is None else OrganizationRead.model_validate(organization)


def organizations_by_id(session: Session, ids: Iterable[int]) -> list[Organization]:
    """The organizations ``ids`` that exist, as rows another part's tables may refer to
    (a consultation's invited organizations). One query."""
    return list(session.scalars(select(Organization).where(Organization.id.in_(list(ids)))))


# How many scopes an organization has published: what a list sorts by and loads.
PUBLISHED = (
    select(func.count())
    .where(Scope.organization_id == Organization.id, Scope.visibility == "public")
    .correlate(Organization)
    .scalar_subquery()
)


def organization_name(organization_id: Any) -> Any:
    """The name of the organization ``organization_id`` (a column), as an
    expression other parts' lists search and sort by."""
    return select(Organization.name).where(Organization.id == organization_id).scalar_subquery()


def organization_choices(
    session: Session, ids: Iterable[int] | None = None, kind: str | None = None
) -> list[tuple[int, str]]:
    """(id, name) of the organizations ``ids`` (every one if None; of ``kind``, if
    given), by name: the choices of a form's organization field. One query."""
    query = select(Organization.id, Organization.name)
    if ids is not None:
        query = query.where(Organization.id.in_(list(ids)))
    if kind is not None:
        query = query.where(Organization.kind == kind)
    return [(row.id, row.name) for row in session.execute(query.order_by(Organization.name))]


def user_name(session: Session, user_id: int) -> str | None:
    return session.scalar(select(User.name).where(User.id == user_id))


def is_member(session: Session, organization_id: int, user_id: int) -> bool:
    """Whether the user belongs to the organization, in any role."""
    return (
        session.scalar(
            select(Membership.id).where(
                Membership.organization_id == organization_id, Membership.user_id == user_id
            )
        )
        is not None
    )


def members_of(session: Session, organization_id: int) -> list[tuple[int, str]]:
    """The organization's members as ``(user id, name)``, by name."""
    rows = session.execute(
        select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id)
        .order_by(User.name, User.id)
    )
    return [(id_, name) for id_, name in rows]


def owners_of(session: Session, organization_id: int) -> list[int]:
    """The users who own ``organization_id``, by id."""
    return list(
        session.scalars(
            select(Membership.user_id)
            .where(
                Membership.organization_id == organization_id,
                Membership.role == Role.owner.value,
            )
            .order_by(Membership.user_id)
        )
    )


def list_organizations(uow: UnitOfWork, limit: int, offset: int) -> Page[OrganizationRead]:
    """Every organization's profile is public; what it governs is not."""
    with uow:
        return paginate(uow.session, Organization, [], OrganizationRead, limit, offset)


def get_organization(uow: UnitOfWork, organization_id: int) -> OrganizationRead:
    with uow:
        return OrganizationRead.model_validate(_get_organization(uow.session, organization_id))


def create_organization(
    uow: UnitOfWork, actor: Principal, data: OrganizationCreate
) -> OrganizationRead:
    """Any signed-in user may found an organization and becomes its owner."""
    if actor.user_id is None:
        raise Unauthenticated(lazy("sign in or send a bearer token"))
    with uow:
        session = uow.session
        _require_verified(session, actor)
        if session.scalar(select(Organization.id).where(Organization.slug == data.slug)):
            raise Conflict(lazy("slug is taken"), [])
        organization = Organization(
            **data.model_dump(),
            name_key=name_key(data.name),
            verification_challenge=secrets.token_urlsafe(24),
            created_at=clock.now(),
        )
        session.add(organization)
        session.flush()
        session.add(
            Membership(
                organization_id=organization.id,
                user_id=actor.user_id,
                role=Role.owner.value,
                created_at=clock.now(),
            )
        )
        read = OrganizationRead.model_validate(organization)
        record_event(
            session,
            actor,
            "organization.created",
            organization.id,
            {**read.model_dump(mode="json"), "owner_id": actor.user_id},
            organization_id=organization.id,
        )
        uow.commit()
        return read


def update_organization(
    uow: UnitOfWork, actor: Principal, organization_id: int, data: Input
) -> OrganizationRead:
    with uow:
        organization = _get_organization(uow.session, organization_id)
        actor.require(organization_id, Role.owner)
        # Changes of one organization take turns, each recording the state it leaves.
        hold(uow.session, organization)
        changes = data.model_dump(exclude_unset=True)
        if "slug" in changes and changes["slug"] != organization.slug:
            taken = uow.session.scalar(
                select(Organization.id).where(Organization.slug == changes["slug"])
            )
            if taken:
                raise InvalidInput.on("slug", lazy("is taken"))
        for name, value in changes.items():
            setattr(organization, name, value)
        organization.name_key = name_key(organization.name)
        uow.session.flush()
        read = OrganizationRead.model_validate(organization)
        record_event(
            uow.session,
            actor,
            "organization.updated",
            organization.id,
            read,
            organization_id=organization.id,
        )
        uow.commit()
        return read


def list_members(uow: UnitOfWork, actor: Principal, organization_id: int) -> list[MembershipRead]:
    with uow:
        _get_organization(uow.session, organization_id)
        actor.require(organization_id, Role.viewer)
        rows = uow.session.scalars(
            select(Membership)
            .where(Membership.organization_id == organization_id)
            .order_by(Membership.id)
        )
        return [MembershipRead.model_validate(row) for row in rows]


def get_member(
    uow: UnitOfWork, actor: Principal, organization_id: int, membership_id: int
) -> MembershipRead:
    with uow:
        _get_organization(uow.session, organization_id)
        actor.require(organization_id, Role.viewer)
        membership = _get_membership(uow.session, organization_id, membership_id)
        return MembershipRead.model_validate(membership)


def add_member(
    uow: UnitOfWork, actor: Principal, organization_id: int, data: MemberAdd
) -> MembershipRead:
    with uow:
        session = uow.session
        _get_organization(session, organization_id)
        actor.require(organization_id, Role.owner)
        user = session.scalar(select(User).where(User.email == data.email.lower()))
        if user is None:
            raise InvalidInput.on(
                "email", lazy("no user is registered as %(email)s", email=data.email)
            )
        existing = session.scalar(
            select(Membership.id).where(
                Membership.organization_id == organization_id, Membership.user_id == user.id
            )
        )
        if existing is not None:
            raise Conflict(lazy("%(email)s is already a member", email=data.email), [])
        membership = Membership(
            organization_id=organization_id,
            user_id=user.id,
            role=data.role.value,
            created_at=clock.now(),
        )
        session.add(membership)
        session.flush()
        read = MembershipRead.model_validate(membership)
        _membership_event(session, actor, "membership.created", read)
        uow.commit()
        return read


def _membership_event(session: Session, actor: Principal, type: str, read: MembershipRead) -> None:
    record_event(
        session,
        actor,
        type,
        read.id,
        {"user_id": read.user.id, "role": read.role.value},
        organization_id=read.organization_id,
    )


def _get_membership(session: Session, organization_id: int, membership_id: int) -> Membership:
    membership = session.get(Membership, membership_id)
    if membership is None or membership.organization_id != organization_id:
        raise NotFound(lazy("membership %(membership_id)s not found", membership_id=membership_id))
    return membership


def _require_another_owner(session: Session, membership: Membership) -> None:
    owners = session.scalar(
        select(func.count()).where(
            Membership.organization_id == membership.organization_id,
            Membership.role == Role.owner.value,
        )
    )
    if membership.role == Role.owner.value and owners == 1:
        raise Conflict(lazy("an organization keeps at least one owner"), [])


def update_member(
    uow: UnitOfWork, actor: Principal, organization_id: int, membership_id: int, data: MemberUpdate
) -> MembershipRead:
    with uow:
        session = uow.session
        actor.require(organization_id, Role.owner)
        membership = _get_membership(session, organization_id, membership_id)
        if data.role != Role.owner:
            _require_another_owner(session, membership)
        membership.role = data.role.value
        session.flush()
        read = MembershipRead.model_validate(membership)
        _membership_event(session, actor, "membership.updated", read)
        uow.commit()
        return read


def remove_member(
    uow: UnitOfWork, actor: Principal, organization_id: int, membership_id: int
) -> None:
    with uow:
        session = uow.session
        actor.require(organization_id, Role.owner)
        membership = _get_membership(session, organization_id, membership_id)
        _require_another_owner(session, membership)
        read = MembershipRead.model_validate(membership)
        session.delete(membership)
        _membership_event(session, actor, "membership.deleted", read)
        uow.commit()


# ---------------------------------------------------------------- accounts by e-mail

# How long each kind of link works: a password reset briefly, since whoever reads
# the mailbox can take the account with it.
EMAIL_TOKEN_LIFETIMES = {
    EmailPurpose.verify_email: timedelta(hours=24),
    EmailPurpose.change_email: timedelta(hours=24),
    EmailPurpose.password_reset: timedelta(hours=1),
    EmailPurpose.invitation: timedelta(days=7),
}
# Where each link leads on the site (the token follows as ?token=).
EMAIL_LINK_PATHS = {
    EmailPurpose.verify_email: "/verify-email",
    EmailPurpose.change_email: "/account/email/confirm",
    EmailPurpose.password_reset: "/password/reset",
    EmailPurpose.invitation: "/invitations/accept",
}


def _issue_email_token(
    session: Session,
    purpose: EmailPurpose,
    email: str,
    *,
    user_id: int | None = None,
    organization_id: int | None = None,
    role: Role | None = None,
    new_email: str | None = None,
) -> tuple[EmailToken, str]:
    """A new link of ``purpose`` and its secret (only the hash is kept). The
    person's older unused links of that purpose (for an invitation: to that
    organization) stop working: only the latest mail's link does."""
    now = clock.now()
    older = [EmailToken.purpose == purpose.value, EmailToken.used_at.is_(None)]
    older.append(EmailToken.email == email if user_id is None else EmailToken.user_id == user_id)
    if organization_id is not None:
        older.append(EmailToken.organization_id == organization_id)
    session.execute(
        update(EmailToken)
        .where(*older, EmailToken.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    secret = new_token()
    row = EmailToken(
        purpose=purpose.value,
        token_hash=hash_token(secret),
        user_id=user_id,
        email=email,
        organization_id=organization_id,
        role=role.value if role is not None else None,
        new_email=new_email,
        created_at=now,
        expires_at=now + EMAIL_TOKEN_LIFETIMES[purpose],
    )
    session.add(row)
    session.flush()
    return row, secret


def _email_token(session: Session, secret: str, purpose: EmailPurpose) -> EmailToken:
    """The unused, unexpired link of ``purpose`` with this secret; refused (and
    nothing changed) when it is unknown, for something else, used or expired."""
    row = session.scalar(
        select(EmailToken).where(EmailToken.token_hash == hash_token(secret)).with_for_update()
    )
    if row is None or row.purpose != purpose.value:
        raise InvalidInput.on("token", lazy("this link is unknown: ask for a new one"))
    if row.used_at is not None:
        raise InvalidInput.on("token", lazy("this link was used already: ask for a new one"))
    if row.expires_at <= clock.now():
        raise InvalidInput.on("token", lazy("this link has expired: ask for a new one"))
    return row


def check_email_token(uow: UnitOfWork, secret: str, purpose: EmailPurpose) -> str:
    """The address a link was sent to, when it still works (else refused); uses nothing."""
    with uow:
        return _email_token(uow.session, secret, purpose).email


def _use(session: Session, row: EmailToken) -> None:
    row.used_at = clock.now()


def _link_event(session: Session, actor: Principal, type: str, row: EmailToken) -> None:
    # Who a link was for and until when; never its secret nor its hash.
    record_event(
        session,
        actor,
        type,
        row.id,
        {
            "id": row.id,
            "purpose": row.purpose,
            "user_id": row.user_id,
            "organization_id": row.organization_id,
            "role": row.role,
            "expires_at": row.expires_at.isoformat(),
        },
    )


@dataclass(frozen=True)
class _Letter:
    """A mail to write once the transaction has committed."""

    to: str
    language: str
    subject: Lazy
    body: Lazy


def _send(mailer: Mailer, letters: Iterable[_Letter]) -> None:
    """Send each letter in its reader's language. A mail that cannot be handed
    over is refused as a whole, but what was committed stays: whoever asked can
    ask again, and only the latest link works."""
    for letter in letters:
        with speaking(letter.language):
            mail = Mail(to=letter.to, subject=str(letter.subject), body=str(letter.body))
        try:
            mailer.send(mail)
        except OSError as failure:
            raise MailNotSent(
                lazy("the mail to %(email)s could not be sent: try again later", email=letter.to)
            ) from failure


def _link(mailer: Mailer, purpose: EmailPurpose, secret: str) -> str:
    return mailer.link(EMAIL_LINK_PATHS[purpose], secret)


def _signup_refused() -> Forbidden:
    return Forbidden(
        lazy("this site's accounts are by invitation only: follow the link of an invitation")
    )


def sign_up(
    uow: UnitOfWork, mailer: Mailer, data: SignUp, open_signup: bool, language: str
) -> UserRead | None:
    """Create an account. With an invitation's token: for the invited address
    only, verified by it, and a member of the inviting organization at once.
    Without one (only where sign-up is open): unverified, with a link to verify
    sent to the address; then nothing is said about whether the address had an
    account (its owner is told by mail), and None is returned."""
    email = data.email.lower()
    if data.invitation is None and not open_signup:
        raise _signup_refused()
    letters = []
    with uow:
        session = uow.session
        existing = session.scalar(select(User).where(User.email == email))
        if data.invitation is not None:
            invitation = _email_token(session, data.invitation, EmailPurpose.invitation)
            if invitation.email != email:
                raise InvalidInput.on("email", lazy("the invitation was sent to another address"))
            if existing is not None:
                raise Conflict(
                    lazy("%(email)s has an account: sign in to accept the invitation", email=email)
                )
            user = _new_user(session, email, data, language, verified=True)
            _use(session, invitation)
            _join(session, Principal(user_id=user.id), invitation, user)
            uow.commit()
            return UserRead.model_validate(user)
        _count_mail_request(session, email)
        if existing is not None:
            letters.append(
                _Letter(
                    email,
                    existing.language or language,
                    lazy("Your account on agilegov"),
                    lazy(
                        "Someone asked to sign up with this address, which has an account "
                        "already. If it was you, sign in, or reset your password here:\n\n"
                        "%(link)s\n\nIf not, you need do nothing.",
                        link=mailer.link("/password/forgot"),
                    ),
                )
            )
        else:
            user = _new_user(session, email, data, language, verified=False)
            row, secret = _issue_email_token(
                session, EmailPurpose.verify_email, email, user_id=user.id
            )
            _link_event(session, Principal(user_id=user.id), "email_link.sent", row)
            letters.append(_verification_letter(mailer, email, language, secret))
        uow.commit()
    _send(mailer, letters)
    return None


def _verification_letter(mailer: Mailer, email: str, language: str, secret: str) -> _Letter:
    return _Letter(
        email,
        language,
        lazy("Confirm your e-mail address"),
        lazy(
            "Follow this link within 24 hours to confirm that this address is yours:\n\n"
            "%(link)s\n\nIf you did not sign up, you need do nothing.",
            link=_link(mailer, EmailPurpose.verify_email, secret),
        ),
    )


def _new_user(session: Session, email: str, data: SignUp, language: str, *, verified: bool) -> User:
    now = clock.now()
    user = User(
        email=email,
        name=data.name,
        password_hash=hash_password(data.password.get_secret_value()),
        created_at=now,
        language=language,
        email_verified_at=now if verified else None,
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        Principal(user_id=user.id),
        "user.signed_up",
        user.id,
        UserRead.model_validate(user),
    )
    return user


def verify_email(uow: UnitOfWork, secret: str) -> UserRead:
    with uow:
        session = uow.session
        row = _email_token(session, secret, EmailPurpose.verify_email)
        user = session.get(User, row.user_id)
        if user is None or user.email != row.email:
            raise InvalidInput.on("token", lazy("this link is unknown: ask for a new one"))
        _use(session, row)
        user.email_verified_at = clock.now()
        record_event(
            session, Principal(user_id=user.id), "user.email_verified", user.id, {"id": user.id}
        )
        uow.commit()
        return UserRead.model_validate(user)


def resend_verification(uow: UnitOfWork, mailer: Mailer, actor: Principal) -> None:
    with uow:
        user = _signed_in_user(uow.session, actor)
        if user.email_verified_at is not None:
            raise Conflict(lazy("your e-mail address is verified already"))
        _count_mail_request(uow.session, user.email)
        row, secret = _issue_email_token(
            uow.session, EmailPurpose.verify_email, user.email, user_id=user.id
        )
        _link_event(uow.session, actor, "email_link.sent", row)
        letter = _verification_letter(mailer, user.email, user.language or "en", secret)
        uow.commit()
    _send(mailer, [letter])


def email_is_verified(uow: UnitOfWork, actor: Principal) -> bool:
    with uow:
        return _signed_in_user(uow.session, actor).email_verified_at is not None


def request_password_reset(uow: UnitOfWork, mailer: Mailer, email: str, language: str) -> None:
    """Mail a reset link to the account of ``email``, if there is one: the answer
    is the same either way, so that nobody learns who has an account here."""
    email = email.strip().lower()
    with uow:
        _count_mail_request(uow.session, email)
        user = uow.session.scalar(select(User).where(User.email == email))
        if user is None:
            uow.commit()
            return
        row, secret = _issue_email_token(
            uow.session, EmailPurpose.password_reset, email, user_id=user.id
        )
        _link_event(uow.session, Principal(user_id=user.id), "email_link.sent", row)
        letter = _Letter(
            email,
            user.language or language,
            lazy("Reset your password"),
            lazy(
                "Follow this link within an hour to choose a new password:\n\n%(link)s\n\n"
                "If you did not ask for this, you need do nothing: your password is unchanged.",
                link=_link(mailer, EmailPurpose.password_reset, secret),
            ),
        )
        uow.commit()
    _send(mailer, [letter])


def reset_password(uow: UnitOfWork, secret: str, password: str) -> None:
    """Set a new password through a reset link; every browser signed in as the
    person is signed out (whoever knew the old password is, too)."""
    with uow:
        session = uow.session
        row = _email_token(session, secret, EmailPurpose.password_reset)
        user = session.get(User, row.user_id)
        if user is None:
            raise InvalidInput.on("token", lazy("this link is unknown: ask for a new one"))
        _use(session, row)
        now = clock.now()
        user.password_hash = hash_password(password)
        # The person may have verified their address by following this link.
        user.email_verified_at = user.email_verified_at or now
        session.execute(
            update(WebSession)
            .where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
            .values(ended_at=now)
            .execution_options(synchronize_session=False)
        )
        record_event(
            session, Principal(user_id=user.id), "user.password_reset", user.id, {"id": user.id}
        )
        uow.commit()


def invite(
    uow: UnitOfWork,
    mailer: Mailer,
    actor: Principal,
    organization_id: int,
    data: InvitationCreate,
    language: str,
) -> InvitationRead:
    """An owner invites an address to the organization with a role; the mail's
    link lets its reader join (signing up first if they have no account)."""
    email = data.email.lower()
    with uow:
        session = uow.session
        organization = _get_organization(session, organization_id)
        actor.require(organization_id, Role.owner)
        user = session.scalar(select(User).where(User.email == email))
        if user is not None and session.scalar(
            select(Membership.id).where(
                Membership.organization_id == organization_id, Membership.user_id == user.id
            )
        ):
            raise Conflict(lazy("%(email)s is already a member", email=email))
        row, secret = _issue_email_token(
            session,
            EmailPurpose.invitation,
            email,
            organization_id=organization_id,
            role=data.role,
        )
        _link_event(session, actor, "invitation.sent", row)
        read = InvitationRead.model_validate(row)
        letter = _Letter(
            email,
            user.language if user is not None and user.language else language,
            lazy("Invitation to %(organization)s", organization=organization.name),
            lazy(
                "You are invited to join %(organization)s on agilegov as %(role)s. Follow this "
                "link within 7 days to accept (you can create an account there):\n\n%(link)s",
                organization=organization.name,
                # The role's name as the pages translate it (their ROLE_NAMES).
                role=lazy(data.role.value),
                link=_link(mailer, EmailPurpose.invitation, secret),
            ),
        )
        uow.commit()
    _send(mailer, [letter])
    return read


def add_or_invite(
    uow: UnitOfWork,
    mailer: Mailer,
    actor: Principal,
    organization_id: int,
    data: MemberAdd,
    language: str,
) -> MembershipRead | InvitationRead:
    """Add the account of an address, or invite the address when it has none."""
    with uow:
        known = uow.session.scalar(select(User.id).where(User.email == data.email.lower()))
    if known is not None:
        return add_member(uow, actor, organization_id, data)
    invitation = InvitationCreate(email=data.email, role=data.role)
    return invite(uow, mailer, actor, organization_id, invitation, language)


def invitation_of(uow: UnitOfWork, secret: str) -> InvitationRead:
    """A working invitation, to show before it is accepted (uses nothing)."""
    with uow:
        return InvitationRead.model_validate(
            _email_token(uow.session, secret, EmailPurpose.invitation)
        )


def accept_invitation(uow: UnitOfWork, actor: Principal, secret: str) -> MembershipRead:
    """The signed-in person joins, when the invitation was sent to their address."""
    with uow:
        session = uow.session
        user = _signed_in_user(session, actor)
        row = _email_token(session, secret, EmailPurpose.invitation)
        if row.email != user.email:
            raise Forbidden(
                lazy(
                    "the invitation was sent to another address than yours: %(email)s",
                    email=row.email,
                )
            )
        _use(session, row)
        # Following the link proves the address is theirs.
        user.email_verified_at = user.email_verified_at or clock.now()
        read = _join(session, actor, row, user)
        uow.commit()
        return read


def _join(session: Session, actor: Principal, row: EmailToken, user: User) -> MembershipRead:
    if row.organization_id is None or row.role is None:
        raise InvalidInput.on("token", lazy("this link is unknown: ask for a new one"))
    if session.scalar(
        select(Membership.id).where(
            Membership.organization_id == row.organization_id, Membership.user_id == user.id
        )
    ):
        raise Conflict(lazy("%(email)s is already a member", email=user.email))
    membership = Membership(
        organization_id=row.organization_id,
        user_id=user.id,
        role=row.role,
        created_at=clock.now(),
    )
    session.add(membership)
    session.flush()
    read = MembershipRead.model_validate(membership)
    _membership_event(session, actor, "membership.created", read)
    return read


def request_email_change(
    uow: UnitOfWork, mailer: Mailer, actor: Principal, data: EmailChange
) -> None:
    """Mail a link to the new address; the address changes only once it is followed."""
    new_email = data.new_email.lower()
    with uow:
        session = uow.session
        user = _signed_in_user(session, actor)
        if session.scalar(select(User.id).where(User.email == new_email)) is not None:
            raise InvalidInput.on(
                "new_email", lazy("%(email)s belongs to another account", email=new_email)
            )
        row, secret = _issue_email_token(
            session, EmailPurpose.change_email, user.email, user_id=user.id, new_email=new_email
        )
        _link_event(session, actor, "email_link.sent", row)
        letter = _Letter(
            new_email,
            user.language or "en",
            lazy("Confirm your new e-mail address"),
            lazy(
                "Follow this link within 24 hours to make this address your account's:\n\n"
                "%(link)s\n\nIf you did not ask for this, you need do nothing.",
                link=_link(mailer, EmailPurpose.change_email, secret),
            ),
        )
        uow.commit()
    _send(mailer, [letter])


def confirm_email_change(uow: UnitOfWork, mailer: Mailer, secret: str) -> UserRead:
    """Change the address through the link sent to the new one; the old address
    is told, so that its owner notices a change they did not make."""
    with uow:
        session = uow.session
        row = _email_token(session, secret, EmailPurpose.change_email)
        user = session.get(User, row.user_id)
        if user is None or row.new_email is None or user.email != row.email:
            raise InvalidInput.on("token", lazy("this link is unknown: ask for a new one"))
        if session.scalar(select(User.id).where(User.email == row.new_email)) is not None:
            raise InvalidInput.on(
                "token", lazy("%(email)s belongs to another account", email=row.new_email)
            )
        _use(session, row)
        old_email = user.email
        user.email = row.new_email
        user.email_verified_at = clock.now()
        read = UserRead.model_validate(user)
        record_event(session, Principal(user_id=user.id), "user.email_changed", user.id, read)
        letter = _Letter(
            old_email,
            user.language or "en",
            lazy("Your e-mail address was changed"),
            lazy(
                "Your agilegov account's address is now %(email)s. If you did not make this "
                "change, reset your password and tell the site's operator.",
                email=row.new_email,
            ),
        )
        uow.commit()
    _send(mailer, [letter])
    return read


# ---------------------------------------------------------------- who vouches for whom


def set_site_admin(uow: UnitOfWork, email: str, site_admin: bool) -> UserRead:
    """Make a person the site's operator, or no longer. The command line's only."""
    with uow:
        user = uow.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise NotFound(lazy("no user with email %(email)s", email=email))
        if user.site_admin != site_admin:
            user.site_admin = site_admin
            # Done on the server's command line: recorded, as an account created
            # there is, under the person's own id.
            record_event(
                uow.session,
                Principal(user_id=user.id),
                "user.site_admin_set",
                user.id,
                {"id": user.id, "site_admin": site_admin},
            )
        uow.commit()
        return UserRead.model_validate(user)


def site_operator(session: Session, email: str | None) -> int:
    """The user id of the site's operator with ``email``, or of the only one."""
    query = select(User.id).where(User.site_admin)
    if email is not None:
        query = query.where(User.email == email.strip().lower())
    ids = list(session.scalars(query.limit(2)))
    if len(ids) != 1:
        raise InvalidInput.on(
            "by",
            lazy("name the site's operator by e-mail")
            if ids
            else lazy("no such site operator: make one with 'agilegov user site-admin'"),
        )
    return ids[0]


def organization_by_slug(uow: UnitOfWork, slug: str) -> OrganizationRead:
    with uow:
        organization = uow.session.scalar(select(Organization).where(Organization.slug == slug))
        if organization is None:
            raise NotFound(lazy("no organization @%(slug)s", slug=slug))
        return OrganizationRead.model_validate(organization)


def is_verified(session: Session, organization_id: int) -> bool:
    """Whether someone vouches for the organization now: it has an unexpired,
    unwithdrawn verification."""
    until = session.scalar(
        select(Organization.verified_until).where(Organization.id == organization_id)
    )
    return until is not None and until > clock.now()


def unverified_governments() -> Select[tuple[int]]:
    """The ids of the governments nobody vouches for now, whose goals bind
    nobody: a subquery for another part's query (no statement of its own)."""
    return select(Organization.id).where(
        Organization.kind == "government",
        or_(Organization.verified_until.is_(None), Organization.verified_until <= clock.now()),
    )


def list_verifiers(uow: UnitOfWork) -> list[OrganizationRead]:
    """The organizations that may verify others (public, as profiles are)."""
    with uow:
        rows = uow.session.scalars(
            select(Organization).where(Organization.is_verifier).order_by(Organization.name)
        )
        return [OrganizationRead.model_validate(row) for row in rows]


def set_verifier(
    uow: UnitOfWork, actor: Principal, organization_id: int, is_verifier: bool
) -> OrganizationRead:
    """The site's operator makes a verified infrastructure operator a verifier (a
    trust registry), or stops it being one."""
    with uow:
        session = uow.session
        actor.require_site_admin()
        organization = _get_organization(session, organization_id)
        hold(session, organization)
        if is_verifier and organization.kind != "infrastructure_operator":
            raise InvalidInput.on(
                "organization_id", lazy("only an infrastructure operator can be a verifier")
            )
        if is_verifier and not is_verified(session, organization_id):
            raise InvalidInput.on(
                "organization_id", lazy("only a verified organization can be a verifier")
            )
        if organization.is_verifier != is_verifier:
            organization.is_verifier = is_verifier
            session.flush()
            record_event(
                session,
                actor,
                "organization.verifier_set",
                organization.id,
                {"id": organization.id, "is_verifier": is_verifier},
                organization_id=organization.id,
            )
        read = OrganizationRead.model_validate(organization)
        uow.commit()
        return read


def verifier_organizations(session: Session, actor: Principal) -> list[tuple[int, str]]:
    """(id, name) of the verifiers the actor may verify for (editor or more), by name."""
    editable = [org for org in actor.roles if actor.can(org, Role.editor)]
    if not editable:
        return []
    rows = session.execute(
        select(Organization.id, Organization.name)
        .where(Organization.id.in_(editable), Organization.is_verifier)
        .order_by(Organization.name)
    )
    return [(row.id, row.name) for row in rows]


def may_verify(session: Session, actor: Principal, organization_id: int) -> bool:
    """Whether the actor may verify the organization: the site's operator or an
    editor of a verifier, never a member of the organization itself."""
    if actor.role_in(organization_id) is not None:
        return False
    return actor.site_admin or bool(verifier_organizations(session, actor))


def _acting_verifier(session: Session, actor: Principal, organization_id: int) -> int | None:
    """The verifier the actor verifies for (None: the site's operator), or refused."""
    if actor.user_id is None:
        raise Unauthenticated(lazy("sign in or send a bearer token"))
    if actor.role_in(organization_id) is not None:
        raise Forbidden(lazy("nobody verifies their own organization"))
    if actor.site_admin:
        return None
    for verifier_id, _name in verifier_organizations(session, actor):
        # A verifier whose own verification lapsed vouches for nobody.
        if is_verified(session, verifier_id):
            return verifier_id
    raise Forbidden(lazy("only the site's operator or an editor of a verified verifier may verify"))


DEFAULT_VALIDITY = timedelta(days=365)
LONGEST_VALIDITY = timedelta(days=3 * 365 + 1)
# A host name, with a port for a test or a closed network's server.
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}(:\d{1,5})?$"
)


def _expiry(expires_on: date | None, now: datetime) -> datetime:
    if expires_on is None:
        return now + DEFAULT_VALIDITY
    expires_at = datetime.combine(expires_on, time(0), tzinfo=UTC)
    if expires_at <= now:
        raise InvalidInput.on("expires_on", lazy("must be after today"))
    if expires_at > now + LONGEST_VALIDITY:
        raise InvalidInput.on("expires_on", lazy("a verification lasts three years at most"))
    return expires_at


def _domain(evidence: str) -> str:
    domain = evidence.strip().lower().removesuffix(".")
    if not _DOMAIN.match(domain):
        raise InvalidInput.on("evidence", lazy("give the domain name alone, such as example.jp"))
    return domain


def _check_evidence(
    organization: Organization, data: VerificationCreate, check: DomainCheck
) -> str:
    """The evidence as stored, once the platform checked what it can: a domain's
    record or file must hold the organization's challenge, and a corporate
    number its check digit."""
    challenge = organization.verification_challenge
    if data.method == VerificationMethod.dns_txt:
        domain = _domain(data.evidence)
        if challenge not in txt_values(domain, check):
            raise InvalidInput.on(
                "evidence",
                lazy(
                    "no TXT record at _agilegov-verification.%(domain)s holds the "
                    "organization's challenge",
                    domain=domain,
                ),
            )
        return domain
    if data.method == VerificationMethod.well_known_file:
        domain = _domain(data.evidence)
        text = well_known_text(domain, check)
        if text is None or challenge not in text.split():
            raise InvalidInput.on(
                "evidence",
                lazy(
                    "https://%(domain)s/.well-known/agilegov-verification.txt is missing or "
                    "does not hold the organization's challenge",
                    domain=domain,
                ),
            )
        return domain
    evidence = data.evidence.strip()
    if data.method == VerificationMethod.corporate_number:
        first = evidence.split(maxsplit=1)[0].replace("-", "") if evidence else ""
        if not valid_corporate_number(first):
            raise InvalidInput.on(
                "evidence",
                lazy(
                    "start with the 13-digit corporate number (its first digit is the check "
                    "digit): %(number)s is not one",
                    number=first[:20],
                ),
            )
    if not evidence:
        raise InvalidInput.on("evidence", lazy("say what was checked"))
    return evidence


def _refresh_verified_until(session: Session, organization: Organization) -> None:
    session.flush()
    organization.verified_until = session.scalar(
        select(func.max(OrganizationVerification.expires_at)).where(
            OrganizationVerification.organization_id == organization.id,
            OrganizationVerification.withdrawn_at.is_(None),
        )
    )


def verify_organization(
    uow: UnitOfWork,
    actor: Principal,
    organization_id: int,
    data: VerificationCreate,
    check: DomainCheck | None = None,
) -> VerificationRead:
    """Vouch for an organization until an expiry. The domain methods are checked
    now (its DNS record or file must hold its challenge); a corporate number's
    check digit is checked; the rest is the verifier's statement."""
    with uow:
        session = uow.session
        organization = _get_organization(session, organization_id)
        verifier_id = _acting_verifier(session, actor, organization_id)
        hold(session, organization)
        now = clock.now()
        expires_at = _expiry(data.expires_on, now)
        evidence = _check_evidence(organization, data, check or DomainCheck.of())
        assert actor.user_id is not None  # _acting_verifier refuses anonymous callers
        row = OrganizationVerification(
            organization_id=organization_id,
            verifier_id=verifier_id,
            verified_by=actor.user_id,
            method=data.method.value,
            evidence=evidence,
            note=data.note,
            verified_at=now,
            expires_at=expires_at,
        )
        session.add(row)
        _refresh_verified_until(session, organization)
        read = VerificationRead.model_validate(row)
        record_event(
            session, actor, "organization.verified", row.id, read, organization_id=organization_id
        )
        uow.commit()
        return read


def _withdrawable(
    session: Session, actor: Principal, organization_id: int, verification_id: int
) -> OrganizationVerification:
    row = session.get(OrganizationVerification, verification_id)
    if row is None or row.organization_id != organization_id:
        raise NotFound(
            lazy("verification %(verification_id)s not found", verification_id=verification_id)
        )
    by_verifier = row.verifier_id is not None and actor.can(row.verifier_id, Role.editor)
    if not (actor.site_admin or by_verifier):
        if not actor.authenticated:
            raise Unauthenticated(lazy("sign in or send a bearer token"))
        raise Forbidden(
            lazy("only the site's operator or the verifier that made it may withdraw it")
        )
    return row


def check_withdrawable(
    uow: UnitOfWork, actor: Principal, organization_id: int, verification_id: int
) -> None:
    """Refuse as ``withdraw_verification`` would, changing nothing: before asking
    someone whether they mean it."""
    with uow:
        _get_organization(uow.session, organization_id)
        _withdrawable(uow.session, actor, organization_id, verification_id)


def withdraw_verification(
    uow: UnitOfWork, actor: Principal, organization_id: int, verification_id: int, reason: str
) -> VerificationRead:
    """End a verification before its expiry: by the site's operator, or an editor
    of the verifier that made it."""
    with uow:
        session = uow.session
        organization = _get_organization(session, organization_id)
        row = _withdrawable(session, actor, organization_id, verification_id)
        hold(session, organization)
        if row.withdrawn_at is not None:
            raise Conflict(lazy("this verification is withdrawn already"))
        row.withdrawn_at = clock.now()
        row.withdrawal_reason = reason
        _refresh_verified_until(session, organization)
        read = VerificationRead.model_validate(row)
        record_event(
            session,
            actor,
            "organization.verification_withdrawn",
            row.id,
            read,
            organization_id=organization_id,
        )
        uow.commit()
        return read


def list_verifications(uow: UnitOfWork, organization_id: int) -> list[VerificationRead]:
    """An organization's verifications, newest first: public, as who vouches for
    an organization is what others rely on."""
    with uow:
        _get_organization(uow.session, organization_id)
        rows = uow.session.scalars(
            select(OrganizationVerification)
            .where(OrganizationVerification.organization_id == organization_id)
            .order_by(OrganizationVerification.id.desc())
        )
        return [VerificationRead.model_validate(row) for row in rows]


def verification_challenge(uow: UnitOfWork, actor: Principal, organization_id: int) -> str:
    """The value the organization publishes to prove a domain is its own: for
    its members and those who may verify it."""
    with uow:
        organization = _get_organization(uow.session, organization_id)
        if actor.role_in(organization_id) is None and not may_verify(
            uow.session, actor, organization_id
        ):
            actor.require(organization_id, Role.viewer)
        return organization.verification_challenge


@dataclass(frozen=True)
class Mark:
    """What is shown beside an organization's name wherever it appears."""

    id: int
    name: str
    slug: str
    verified_until: datetime | None
    # Who vouches for it now (the verifier's name; None: the site's operator).
    verified_by: str | None
    # Other organizations whose names look the same (their ids).
    look_alikes: tuple[int, ...]

    @property
    def verified(self) -> bool:
        return self.verified_until is not None and self.verified_until > clock.now()


def organization_marks(session: Session) -> dict[int, Mark]:
    """Every organization's mark, in one statement whatever the number shown: a
    page reads them once and marks each name it shows."""
    now = clock.now()
    current = OrganizationVerification
    verifier = Organization.__table__.alias("verifier")
    # The name of the verifier of its latest current verification (None: the site's operator).
    by_whom = (
        select(verifier.c.name)
        .select_from(current)
        .outerjoin(verifier, verifier.c.id == current.verifier_id)
        .where(
            current.organization_id == Organization.id,
            current.withdrawn_at.is_(None),
            current.expires_at > now,
        )
        .order_by(current.id.desc())
        .limit(1)
        .correlate(Organization)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Organization.id,
            Organization.name,
            Organization.slug,
            Organization.name_key,
            Organization.verified_until,
            by_whom.label("verified_by"),
        )
    ).all()
    keys: dict[str, list[int]] = {}
    for row in rows:
        keys.setdefault(row.name_key, []).append(row.id)
    return {
        row.id: Mark(
            row.id,
            row.name,
            row.slug,
            row.verified_until,
            row.verified_by,
            tuple(other for other in keys[row.name_key] if other != row.id),
        )
        for row in rows
    }


def look_alike_warning(uow: UnitOfWork, organization_id: int) -> Lazy | None:
    """What the founder or renamer of an organization is told when its name looks
    like another's (allowed, but every page will show the difference)."""
    with uow:
        organization = _get_organization(uow.session, organization_id)
        name = organization.name
        others = list(
            uow.session.execute(
                select(Organization.name, Organization.slug)
                .where(
                    Organization.name_key == organization.name_key,
                    Organization.id != organization_id,
                )
                .order_by(Organization.id)
                .limit(3)
            )
        )
    if not others:
        return None
    return lazy(
        "%(name)s looks like the name of %(others)s: pages show each with its handle, "
        "and an unverified one with a warning",
        name=name,
        others=", ".join(f"{row.name} (@{row.slug})" for row in others),
    )
