"""Trust anchors (report 3.3, 4.3.1(2)): accreditation bodies appointed by the
site's operator accredit assessors' keys for named schemes, for a period; the
platform publishes what stands as a signed, versioned trust list.

Every change to an accreditation publishes the next version of the list in the
same transaction, with its hash on the record, so the record shows which list
stood when. A periodic job publishes a fresh version before the current one
lapses.
"""

import hashlib
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agilegov import clock
from agilegov.auth import Principal, Role
from agilegov.errors import Conflict, InvalidInput, NotFound
from agilegov.i18n import lazy
from agilegov.organizations.service import (
    is_verified,
    organization_profile,
    organizations_by_id,
)
from agilegov.record.canonical import canonical_json
from agilegov.record.credentials import did_key, sign, verification_method
from agilegov.record.service import record_event
from agilegov.record.trust_lists import (
    Accreditation as ListedAccreditation,
)
from agilegov.record.trust_lists import (
    AccreditationStatus as ListedStatus,
)
from agilegov.record.trust_lists import (
    Finding,
    StatusChange,
    accreditation_finding,
    credential_scheme,
    signed_at,
    trust_list_credential,
)
from agilegov.settings import get_settings
from agilegov.signing_keys import assessor_key, trust_anchor_key
from agilegov.trust.models import (
    Accreditation,
    AccreditationBody,
    AccreditationChange,
    Scheme,
    TrustListVersion,
)
from agilegov.trust.schemas import (
    AccreditationBodyAppoint,
    AccreditationBodyRead,
    AccreditationChangeReason,
    AccreditationCreate,
    AccreditationRead,
    AccreditationStatus,
    SchemeCreate,
    SchemeRead,
    TrustListVersionRead,
)
from agilegov.uow import UnitOfWork

# A version of the list is valid this long; the job publishes the next one when
# less than REFRESH_BEFORE remains, so a relying party's copy never lapses
# unseen (as a trusted list's "next update").
TRUST_LIST_VALIDITY = timedelta(days=30)
REFRESH_BEFORE = timedelta(days=7)
TRUST_LIST_CACHE_SECONDS = 300
# The longest accreditation granted at once: schemes re-assess their assessors.
LONGEST_ACCREDITATION = timedelta(days=5 * 366)


def scheme_urn(slug: str) -> str:
    return f"urn:agilegov:scheme:{slug}"


def organization_urn(slug: str) -> str:
    return f"urn:agilegov:organization:{slug}"


def trust_list_url() -> str:
    return f"{get_settings().public_url}/api/v1/trust-list"


def trust_anchor(key_dir: Path) -> str:
    """The platform's did:key: what relying parties pin to check the trust list."""
    return did_key(trust_anchor_key(key_dir).public_key())


def _scheme_read(scheme: Scheme) -> SchemeRead:
    return SchemeRead(
        id=scheme.id,
        slug=scheme.slug,
        urn=scheme_urn(scheme.slug),
        name=scheme.name,
        description=scheme.description,
        accreditation_body_id=scheme.accreditation_body_id,
        created_at=scheme.created_at,
    )


def _standing_body(session: Session, organization_id: int) -> AccreditationBody | None:
    return session.scalar(
        select(AccreditationBody).where(
            AccreditationBody.organization_id == organization_id,
            AccreditationBody.ended_at.is_(None),
        )
    )


# ---------------------------------------------------------------- accreditation bodies


def appoint_accreditation_body(
    uow: UnitOfWork, actor: Principal, data: AccreditationBodyAppoint
) -> AccreditationBodyRead:
    """The site's operator makes a verified organization an accreditation body."""
    actor.require_site_admin()
    with uow:
        session = uow.session
        organization = organization_profile(session, data.organization_id)
        if organization is None:
            raise InvalidInput.on("organization_id", lazy("no such organization"))
        if not is_verified(session, organization.id):
            raise InvalidInput.on(
                "organization_id",
                lazy(
                    "%(name)s is not verified: only a verified organization accredits",
                    name=organization.name,
                ),
            )
        body = session.scalar(
            select(AccreditationBody).where(AccreditationBody.organization_id == organization.id)
        )
        if body is not None and body.ended_at is None:
            raise Conflict(
                lazy("%(name)s is an accreditation body already", name=organization.name)
            )
        now = clock.now()
        if body is None:
            body = AccreditationBody(organization_id=organization.id, appointed_at=now)
            session.add(body)
        body.appointed_at, body.appointed_by, body.ended_at = now, actor.user_id, None
        session.flush()
        read = AccreditationBodyRead.model_validate(body)
        record_event(
            session,
            actor,
            "accreditation_body.appointed",
            organization.id,
            read,
            organization_id=organization.id,
            private=False,
        )
        uow.commit()
        return read


def end_accreditation_body(
    uow: UnitOfWork, actor: Principal, organization_id: int, key_dir: Path
) -> AccreditationBodyRead:
    """End an appointment: the body's accreditations are withdrawn with it, and
    the next trust list says so."""
    actor.require_site_admin()
    with uow:
        session = uow.session
        body = _standing_body(session, organization_id)
        if body is None:
            raise NotFound(
                lazy(
                    "organization %(organization_id)s is not an accreditation body",
                    organization_id=organization_id,
                )
            )
        now = clock.now()
        body.ended_at = now
        schemes = select(Scheme.id).where(Scheme.accreditation_body_id == organization_id)
        standing = session.scalars(
            select(Accreditation).where(
                Accreditation.scheme_id.in_(schemes),
                Accreditation.status != AccreditationStatus.withdrawn,
            )
        ).all()
        for accreditation in standing:
            _change(
                session,
                actor,
                accreditation,
                AccreditationStatus.withdrawn,
                "the accreditation body's appointment ended",
                now,
            )
        session.flush()
        read = AccreditationBodyRead.model_validate(body)
        record_event(
            session,
            actor,
            "accreditation_body.ended",
            organization_id,
            read,
            organization_id=organization_id,
            private=False,
        )
        _publish(session, actor, key_dir, now)
        uow.commit()
        return read


def list_accreditation_bodies(uow: UnitOfWork) -> list[AccreditationBodyRead]:
    with uow:
        rows = uow.session.scalars(select(AccreditationBody).order_by(AccreditationBody.id))
        return [AccreditationBodyRead.model_validate(row) for row in rows]


# ---------------------------------------------------------------- schemes


def create_scheme(uow: UnitOfWork, actor: Principal, data: SchemeCreate) -> SchemeRead:
    with uow:
        session = uow.session
        actor.require(data.accreditation_body_id, Role.editor)
        if _standing_body(session, data.accreditation_body_id) is None:
            raise InvalidInput.on(
                "accreditation_body_id", lazy("this organization is not an accreditation body")
            )
        if session.scalar(select(Scheme.id).where(Scheme.slug == data.slug)) is not None:
            raise InvalidInput.on("slug", lazy("a scheme with this slug exists"))
        scheme = Scheme(**data.model_dump(), created_at=clock.now())
        session.add(scheme)
        session.flush()
        read = _scheme_read(scheme)
        record_event(
            session,
            actor,
            "scheme.created",
            scheme.id,
            read,
            organization_id=data.accreditation_body_id,
            private=False,
        )
        uow.commit()
        return read


def list_schemes(uow: UnitOfWork) -> list[SchemeRead]:
    with uow:
        return [
            _scheme_read(row) for row in uow.session.scalars(select(Scheme).order_by(Scheme.id))
        ]


def get_scheme(uow: UnitOfWork, scheme_id: int) -> SchemeRead:
    with uow:
        scheme = uow.session.get(Scheme, scheme_id)
        if scheme is None:
            raise NotFound(lazy("scheme %(scheme_id)s not found", scheme_id=scheme_id))
        return _scheme_read(scheme)


# ---------------------------------------------------------------- accreditations


def _change(
    session: Session,
    actor: Principal,
    accreditation: Accreditation,
    status: AccreditationStatus,
    reason: str | None,
    now: datetime,
) -> None:
    accreditation.status, accreditation.status_since = status, now
    session.add(
        AccreditationChange(
            accreditation_id=accreditation.id,
            status=status,
            since=now,
            reason=reason,
            changed_by=actor.user_id,
        )
    )


def accredit(
    uow: UnitOfWork, actor: Principal, data: AccreditationCreate, key_dir: Path
) -> AccreditationRead:
    """An accreditation body accredits an assessor's key for one of its schemes."""
    with uow:
        session = uow.session
        scheme = session.get(Scheme, data.scheme_id)
        if scheme is None:
            raise InvalidInput.on("scheme_id", lazy("no such scheme"))
        actor.require(scheme.accreditation_body_id, Role.editor)
        if _standing_body(session, scheme.accreditation_body_id) is None:
            raise InvalidInput.on(
                "scheme_id", lazy("the scheme's body is no longer an accreditation body")
            )
        if not is_verified(session, scheme.accreditation_body_id):
            raise InvalidInput.on(
                "scheme_id", lazy("the scheme's accreditation body is not verified")
            )
        assessor = organization_profile(session, data.assessor_organization_id)
        if assessor is None:
            raise InvalidInput.on("assessor_organization_id", lazy("no such organization"))
        if assessor.kind != "assessor":
            raise InvalidInput.on(
                "assessor_organization_id",
                lazy("%(assessor)s is not an assessor", assessor=assessor.name),
            )
        if assessor.id == scheme.accreditation_body_id:
            raise InvalidInput.on(
                "assessor_organization_id", lazy("an accreditation body does not accredit itself")
            )
        if not is_verified(session, assessor.id):
            raise InvalidInput.on(
                "assessor_organization_id",
                lazy(
                    "%(assessor)s is not verified: only a verified assessor is accredited",
                    assessor=assessor.name,
                ),
            )
        now = clock.now().replace(microsecond=0)
        valid_from = data.valid_from or now
        if data.valid_until <= valid_from:
            raise InvalidInput.on("valid_until", lazy("must be after valid_from"))
        if data.valid_until - valid_from > LONGEST_ACCREDITATION:
            raise InvalidInput.on(
                "valid_until", lazy("an accreditation is granted for five years at most")
            )
        standing = session.scalar(
            select(Accreditation.id).where(
                Accreditation.scheme_id == scheme.id,
                Accreditation.assessor_organization_id == assessor.id,
                Accreditation.status != AccreditationStatus.withdrawn,
                Accreditation.valid_until > now,
            )
        )
        if standing is not None:
            raise Conflict(
                lazy(
                    "%(assessor)s holds accreditation %(id)s for this scheme already",
                    assessor=assessor.name,
                    id=standing,
                )
            )
        accreditation = Accreditation(
            scheme_id=scheme.id,
            assessor_organization_id=assessor.id,
            issuer_did=did_key(assessor_key(key_dir, assessor.id).public_key()),
            valid_from=valid_from,
            valid_until=data.valid_until,
            status=AccreditationStatus.granted,
            status_since=valid_from,
            created_at=now,
        )
        session.add(accreditation)
        session.flush()
        _change(session, actor, accreditation, AccreditationStatus.granted, None, valid_from)
        session.flush()
        read = AccreditationRead.model_validate(accreditation)
        record_event(
            session,
            actor,
            "accreditation.granted",
            accreditation.id,
            read,
            organization_id=scheme.accreditation_body_id,
            private=False,
        )
        _publish(session, actor, key_dir, now)
        uow.commit()
        return read


_NEXT = {
    "suspend": (AccreditationStatus.granted, AccreditationStatus.suspended),
    "reinstate": (AccreditationStatus.suspended, AccreditationStatus.granted),
    "withdraw": (None, AccreditationStatus.withdrawn),
}


def _changeable(
    session: Session, actor: Principal, accreditation_id: int, action: str
) -> Accreditation:
    accreditation = session.get(Accreditation, accreditation_id)
    if accreditation is None:
        raise NotFound(lazy("accreditation %(id)s not found", id=accreditation_id))
    scheme = session.get(Scheme, accreditation.scheme_id)
    assert scheme is not None
    actor.require(scheme.accreditation_body_id, Role.editor)
    needed, _ = _NEXT[action]
    if accreditation.status == AccreditationStatus.withdrawn:
        raise Conflict(lazy("accreditation %(id)s was withdrawn", id=accreditation_id))
    if needed is not None and accreditation.status != needed:
        raise Conflict(
            lazy(
                "accreditation %(id)s is %(status)s",
                id=accreditation_id,
                status=accreditation.status,
            )
        )
    return accreditation


def check_changeable(uow: UnitOfWork, actor: Principal, accreditation_id: int, action: str) -> None:
    """Refuse as ``change_accreditation`` would, changing nothing: before asking
    someone whether they mean it."""
    with uow:
        _changeable(uow.session, actor, accreditation_id, action)


def change_accreditation(
    uow: UnitOfWork,
    actor: Principal,
    accreditation_id: int,
    action: str,
    data: AccreditationChangeReason,
    key_dir: Path,
) -> AccreditationRead:
    """Suspend, reinstate or withdraw an accreditation (``action``); the next
    version of the trust list carries it."""
    with uow:
        session = uow.session
        accreditation = _changeable(session, actor, accreditation_id, action)
        _, status = _NEXT[action]
        now = clock.now().replace(microsecond=0)
        _change(session, actor, accreditation, status, data.reason, now)
        session.flush()
        read = AccreditationRead.model_validate(accreditation)
        scheme = session.get(Scheme, accreditation.scheme_id)
        assert scheme is not None
        record_event(
            session,
            actor,
            f"accreditation.{status.value if action != 'reinstate' else 'reinstated'}",
            accreditation.id,
            {**read.model_dump(mode="json"), "reason": data.reason},
            organization_id=scheme.accreditation_body_id,
            private=False,
        )
        _publish(session, actor, key_dir, now)
        uow.commit()
        return read


def get_accreditation(uow: UnitOfWork, accreditation_id: int) -> AccreditationRead:
    with uow:
        accreditation = uow.session.get(Accreditation, accreditation_id)
        if accreditation is None:
            raise NotFound(lazy("accreditation %(id)s not found", id=accreditation_id))
        return AccreditationRead.model_validate(accreditation)


def list_accreditations(
    uow: UnitOfWork, scheme_id: int | None = None, assessor_organization_id: int | None = None
) -> list[AccreditationRead]:
    """Accreditations are public, as the trust list is."""
    with uow:
        query = select(Accreditation).order_by(Accreditation.id)
        if scheme_id is not None:
            query = query.where(Accreditation.scheme_id == scheme_id)
        if assessor_organization_id is not None:
            query = query.where(Accreditation.assessor_organization_id == assessor_organization_id)
        return [AccreditationRead.model_validate(row) for row in uow.session.scalars(query)]


def accredited_scheme(
    session: Session,
    scheme_id: int,
    assessor_organization_id: int,
    at: datetime,
    issuer_did: str | None = None,
) -> SchemeRead | None:
    """The scheme, if the assessor (its key ``issuer_did``, where given) holds an
    accreditation for it at ``at``: granted, and within its period. One query."""
    query = (
        select(Scheme)
        .join(Accreditation, Accreditation.scheme_id == Scheme.id)
        .where(
            Scheme.id == scheme_id,
            Accreditation.assessor_organization_id == assessor_organization_id,
            Accreditation.status == AccreditationStatus.granted,
            Accreditation.valid_from <= at,
            Accreditation.valid_until > at,
        )
    )
    if issuer_did is not None:
        query = query.where(Accreditation.issuer_did == issuer_did)
    scheme = session.scalars(query.limit(1)).first()
    return None if scheme is None else _scheme_read(scheme)


def assessor_schemes(session: Session, assessor_ids: list[int], at: datetime) -> list[SchemeRead]:
    """The schemes any of the assessors holds an accreditation for at ``at``:
    the choices of an assessment's scheme. One query."""
    rows = session.scalars(
        select(Scheme)
        .join(Accreditation, Accreditation.scheme_id == Scheme.id)
        .where(
            Accreditation.assessor_organization_id.in_(assessor_ids),
            Accreditation.status == AccreditationStatus.granted,
            Accreditation.valid_from <= at,
            Accreditation.valid_until > at,
        )
        .distinct()
        .order_by(Scheme.name)
    )
    return [_scheme_read(row) for row in rows]


def issuer_finding(session: Session, credential: dict[str, Any], at: datetime) -> Finding | None:
    """What the latest published trust list says of a credential's issuer, as
    ``agilegov credential verify`` would find it (None: no list published)."""
    latest = session.scalar(
        select(TrustListVersion).order_by(TrustListVersion.version.desc()).limit(1)
    )
    if latest is None:
        return None
    issuer = credential.get("issuer")
    return accreditation_finding(
        latest.document,
        issuer=issuer.get("id") if isinstance(issuer, dict) else issuer,
        scheme=credential_scheme(credential),
        issued_at=signed_at(credential),
        at=at,
    )


def scheme_name(session: Session, scheme_id: int) -> str | None:
    return session.scalar(select(Scheme.name).where(Scheme.id == scheme_id))


# ---------------------------------------------------------------- the trust list


def _listed(session: Session) -> list[ListedAccreditation]:
    """Every accreditation with its history, as the list carries them (three queries)."""
    accreditations = session.scalars(select(Accreditation).order_by(Accreditation.id)).all()
    schemes = {s.id: s for s in session.scalars(select(Scheme))}
    history: dict[int, list[StatusChange]] = defaultdict(list)
    for change in session.scalars(
        select(AccreditationChange).order_by(AccreditationChange.since, AccreditationChange.id)
    ):
        history[change.accreditation_id].append(
            StatusChange(ListedStatus(change.status), change.since, change.reason)
        )
    ids = {a.assessor_organization_id for a in accreditations}
    ids |= {s.accreditation_body_id for s in schemes.values()}
    profiles = {row.id: row for row in organizations_by_id(session, ids)}
    listed = []
    for item in accreditations:
        scheme = schemes[item.scheme_id]
        assessor = profiles[item.assessor_organization_id]
        body = profiles[scheme.accreditation_body_id]
        listed.append(
            ListedAccreditation(
                issuer=item.issuer_did,
                issuer_name=assessor.name,
                organization=organization_urn(assessor.slug),
                scheme=scheme_urn(scheme.slug),
                scheme_name=scheme.name,
                accredited_by=organization_urn(body.slug),
                accredited_by_name=body.name,
                valid_from=item.valid_from,
                valid_until=item.valid_until,
                history=history[item.id],
            )
        )
    return listed


def _publish(session: Session, actor: Principal, key_dir: Path, now: datetime) -> TrustListVersion:
    """Sign and keep the next version of the trust list, its hash on the record."""
    now = now.replace(microsecond=0)
    latest = session.scalar(select(func.max(TrustListVersion.version))) or 0
    key = trust_anchor_key(key_dir)
    unsigned = trust_list_credential(
        list_url=trust_list_url(),
        issuer=did_key(key.public_key()),
        version=latest + 1,
        issued=now,
        next_update=now + TRUST_LIST_VALIDITY,
        accreditations=_listed(session),
    )
    document = sign(
        unsigned,
        key,
        verification_method=verification_method(key.public_key()),
        created=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    version = TrustListVersion(
        version=latest + 1,
        document=document,
        sha256=hashlib.sha256(canonical_json(document)).hexdigest(),
        published_at=now,
        valid_until=now + TRUST_LIST_VALIDITY,
    )
    session.add(version)
    session.flush()
    record_event(
        session,
        actor,
        "trust_list.published",
        version.version,
        {
            **TrustListVersionRead.model_validate(version).model_dump(mode="json"),
            "issuer": document["issuer"],
            "accreditations": len(document["credentialSubject"]["accreditations"]),
        },
        private=False,
    )
    return version


def publish_trust_list(uow: UnitOfWork, actor: Principal, key_dir: Path) -> TrustListVersionRead:
    """Publish the next version now (the site's operator, or the system's job)."""
    actor.require_site_admin()
    with uow:
        version = _publish(uow.session, actor, key_dir, clock.now())
        read = TrustListVersionRead.model_validate(version)
        uow.commit()
        return read


def refresh_trust_list(uow: UnitOfWork, actor: Principal, key_dir: Path) -> bool:
    """Publish the next version if the current one lapses within REFRESH_BEFORE
    (or none was published while accreditations exist). True if it did."""
    with uow:
        session = uow.session
        now = clock.now()
        latest = session.scalar(
            select(TrustListVersion).order_by(TrustListVersion.version.desc()).limit(1)
        )
        if latest is None:
            if session.scalar(select(func.count()).select_from(Accreditation)) == 0:
                return False
        elif latest.valid_until - now > REFRESH_BEFORE:
            return False
        _publish(session, actor, key_dir, now)
        uow.commit()
        return True


def current_trust_list(uow: UnitOfWork) -> dict[str, Any]:
    """The latest signed version of the trust list."""
    with uow:
        latest = uow.session.scalar(
            select(TrustListVersion).order_by(TrustListVersion.version.desc()).limit(1)
        )
        if latest is None:
            raise NotFound(lazy("no trust list is published yet"))
        return latest.document


def trust_list_version(uow: UnitOfWork, version: int) -> dict[str, Any]:
    with uow:
        found = uow.session.get(TrustListVersion, version)
        if found is None:
            raise NotFound(lazy("trust list version %(version)s not found", version=version))
        return found.document


def trust_list_versions(uow: UnitOfWork, limit: int = 100) -> list[TrustListVersionRead]:
    with uow:
        rows = uow.session.scalars(
            select(TrustListVersion).order_by(TrustListVersion.version.desc()).limit(limit)
        )
        return [TrustListVersionRead.model_validate(row) for row in rows]


# ---------------------------------------------------------------- reads for pages


def overview(uow: UnitOfWork) -> dict[str, Any]:
    """Everything the trust page shows: bodies, schemes, accreditations with
    their histories, and the latest version (a fixed number of queries)."""
    with uow:
        session = uow.session
        bodies = session.scalars(select(AccreditationBody).order_by(AccreditationBody.id)).all()
        schemes = session.scalars(select(Scheme).order_by(Scheme.name)).all()
        accreditations = session.scalars(
            select(Accreditation).order_by(Accreditation.scheme_id, Accreditation.id)
        ).all()
        history: dict[int, list[AccreditationChange]] = defaultdict(list)
        for change in session.scalars(
            select(AccreditationChange).order_by(AccreditationChange.since)
        ):
            history[change.accreditation_id].append(change)
        latest = session.scalar(
            select(TrustListVersion).order_by(TrustListVersion.version.desc()).limit(1)
        )
        return {
            "bodies": [AccreditationBodyRead.model_validate(b) for b in bodies],
            "schemes": [_scheme_read(s) for s in schemes],
            "accreditations": [AccreditationRead.model_validate(a) for a in accreditations],
            "history": {
                key: [(c.status, c.since, c.reason) for c in changes]
                for key, changes in history.items()
            },
            "latest": None if latest is None else TrustListVersionRead.model_validate(latest),
        }
