"""The trust page and API through HTTP, on SQLite and PostgreSQL, in English and
Japanese: the anchor, the list's version and hash, bodies, schemes and
accreditations with their statuses; the site's operator appoints a body and
the body's editor makes a scheme and accredits through the forms; every
refused form says why next to its field (or refuses outright) and stores
nothing; a visitor who may not sees no form."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from agilegov import clock
from agilegov.auth import Principal
from agilegov.organizations.schemas import OrganizationCreate
from agilegov.organizations.service import create_organization, issue_token
from agilegov.record.canonical import canonical_json
from agilegov.record.trust_lists import check_trust_list
from agilegov.trust import service
from agilegov.trust.schemas import (
    AccreditationBodyAppoint,
    AccreditationChangeReason,
    AccreditationCreate,
    SchemeCreate,
)
from api_helpers import (
    API,
    PEOPLE,
    World,
    assert_problem,
    assert_unchanged,
    bearer,
    make_client,
    ok,
    snapshot,
)
from builders import World as Cast
from builders import site_operator, vouch_for
from web_helpers import browser, csrf_of, field_error, sign_in

SCHEME = "AI Guidelines for Business — third-party assessment"


@dataclass
class Site:
    pages: World
    cast: Cast
    operator: Principal
    body: int  # owned by the viewer
    body_owner: Principal
    assessor: int  # owned by the outsider
    key_dir: Path


@pytest.fixture
def site(
    database_url: str, engine: Engine, world: Cast, assessor: tuple[Any, int, int, Path]
) -> Site:
    """A verified would-be body (owned by the viewer) and the verified FairBench,
    and pages that sign with the assessors' keys of this test."""
    body = create_organization(
        world.uow,
        world.viewer,
        OrganizationCreate(
            slug="council",
            name="AI Assurance Accreditation Council",
            kind="infrastructure_operator",
        ),
    )
    vouch_for(world.uow, body.id)
    vouch_for(world.uow, assessor[1])
    key_dir = assessor[3]
    pages = World(
        client=make_client(database_url, assessor_key_dir=key_dir),
        engine=engine,
        business_id=world.business_id,
        regulator_id=world.regulator_id,
        user_ids={name: getattr(world, name).user_id for name in PEOPLE},
        tokens=dict(world.tokens),
    )
    return Site(
        pages,
        world,
        site_operator(world.uow),
        body.id,
        world.refresh("viewer"),
        assessor[1],
        key_dir,
    )


def _scheme(site: Site) -> int:
    """The body appointed, with one scheme: the scheme's id."""
    uow = site.cast.uow
    service.appoint_accreditation_body(
        uow, site.operator, AccreditationBodyAppoint(organization_id=site.body)
    )
    return service.create_scheme(
        uow,
        site.body_owner,
        SchemeCreate(accreditation_body_id=site.body, slug="aigb-third-party", name=SCHEME),
    ).id


def _accredited(site: Site) -> int:
    made = service.accredit(
        site.cast.uow,
        site.body_owner,
        AccreditationCreate(
            scheme_id=_scheme(site),
            assessor_organization_id=site.assessor,
            valid_until=clock.now() + timedelta(days=365),
        ),
        site.key_dir,
    )
    return made.id


def _post(client: TestClient, action: str, data: dict[str, Any]) -> Response:
    token = csrf_of(client.get("/trust"))
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)


def _said(client: TestClient, done: Response) -> str:
    """What the page a form led to says it did."""
    assert done.status_code == 303, done.text[:500]
    shown = client.get(done.headers["location"]).text
    return shown.split('role="status">', 1)[1].split("</p>", 1)[0]


def _in_a_year() -> str:
    return (clock.now() + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M")


def test_the_page_shows_the_list_in_english_and_japanese(site: Site) -> None:
    accreditation = _accredited(site)
    service.change_accreditation(
        site.cast.uow,
        site.body_owner,
        accreditation,
        "suspend",
        AccreditationChangeReason(reason="surveillance audit overdue"),
        site.key_dir,
    )
    anchor = service.trust_anchor(site.key_dir)
    (latest, *_) = service.trust_list_versions(site.cast.uow)
    visitor = browser(site.pages)
    page = visitor.get("/trust")
    assert page.status_code == 200
    text = page.text
    assert '<a href="/trust">Trust anchors</a>' in text
    assert f"<code>{anchor}</code>" in text
    assert f"<dd>{latest.version} · published" in text and latest.version == 2
    assert f"<code>{latest.sha256}</code>" in text
    assert f'<a href="/organizations/{site.body}">AI Assurance Accreditation Council</a>' in text
    assert "<code>urn:agilegov:scheme:aigb-third-party</code>" in text and SCHEME in text
    heading = text.split(f'id="accreditation-{accreditation}">', 1)[1].split("</h3>", 1)[0]
    assert f'<a href="/organizations/{site.assessor}">FairBench Assurance</a>' in heading
    assert ">suspended</span>" in heading
    assert "surveillance audit overdue" in text
    # A visitor may do nothing here: no form at all.
    assert 'action="/trust/' not in text

    visitor.headers["Accept-Language"] = "ja"
    japanese = visitor.get("/trust").text
    assert "<h1>トラストアンカー</h1>" in japanese
    assert '<a href="/trust">トラストアンカー</a>' in japanese
    assert f"<code>{anchor}</code>" in japanese and f"<code>{latest.sha256}</code>" in japanese
    assert '<h2 id="bodies">認定機関</h2>' in japanese and "現在の版" in japanese
    assert ">一時停止</span>" in japanese and "検証済み" in japanese
    assert 'action="/trust/' not in japanese


def test_an_empty_list_says_none_is_published(site: Site) -> None:
    text = browser(site.pages).get("/trust").text
    assert "None published yet." in text and "None appointed yet." in text
    assert "No scheme yet." in text and "No accreditation yet." in text


def test_the_site_operator_appoints_through_the_form(site: Site) -> None:
    pages, engine = site.pages, site.pages.engine
    unverified = create_organization(
        site.cast.uow,
        site.cast.owner,
        OrganizationCreate(slug="lookalike", name="Council", kind="assessor"),
    ).id
    operator = sign_in(pages, "site")
    page = operator.get("/trust")
    assert 'action="/trust/accreditation-bodies"' in page.text
    # Nobody else is shown the form, nor may use it.
    owner = sign_in(pages, "owner")
    assert 'action="/trust/accreditation-bodies"' not in owner.get("/trust").text
    before = snapshot(engine)
    refused = _post(owner, "/trust/accreditation-bodies", {"organization_id": str(site.body)})
    assert refused.status_code == 403
    assert_unchanged(before, engine)
    for value, problem in [
        (str(unverified), "Council is not verified: only a verified organization accredits"),
        ("999999", "no such organization"),
        ("council", None),
        ("", None),
    ]:
        refused = _post(operator, "/trust/accreditation-bodies", {"organization_id": value})
        assert refused.status_code == 422, (value, refused.text[:300])
        said = field_error(refused, "organization_id")
        assert said == problem if problem else said, value
        assert_unchanged(before, engine)
    done = _post(operator, "/trust/accreditation-bodies", {"organization_id": str(site.body)})
    assert _said(operator, done) == "Accreditation body appointed"
    (body,) = service.list_accreditation_bodies(site.cast.uow)
    assert body.organization_id == site.body and body.ended_at is None


def test_a_body_makes_a_scheme_and_accredits_through_the_forms(site: Site) -> None:
    pages, engine, uow = site.pages, site.pages.engine, site.cast.uow
    service.appoint_accreditation_body(
        uow, site.operator, AccreditationBodyAppoint(organization_id=site.body)
    )
    editor = sign_in(pages, "viewer")  # the body's owner
    page = editor.get("/trust").text
    assert 'action="/trust/schemes"' in page and 'action="/trust/accreditation-bodies"' not in page
    assert 'action="/trust/accreditations"' not in page  # no scheme to accredit for yet
    scheme = {"accreditation_body_id": str(site.body), "slug": "aigb", "name": SCHEME}
    owner = sign_in(pages, "owner")  # not the body's editor
    before = snapshot(engine)
    for change, field in [
        ({"slug": "Not a slug!"}, "slug"),
        ({"name": ""}, "name"),
        ({"name": "x" * 5000}, "name"),
        ({"accreditation_body_id": str(site.assessor)}, "accreditation_body_id"),
    ]:
        refused = _post(editor, "/trust/schemes", {**scheme, **change})
        if field == "accreditation_body_id":
            assert refused.status_code == 403  # not the assessor's editor
        else:
            assert refused.status_code == 422, change
            assert field_error(refused, field), change
        assert_unchanged(before, engine)
    assert _post(owner, "/trust/schemes", scheme).status_code == 403
    assert_unchanged(before, engine)
    assert _said(editor, _post(editor, "/trust/schemes", scheme)) == "Scheme created"
    (made,) = service.list_schemes(uow)
    assert made.urn == "urn:agilegov:scheme:aigb"

    page = editor.get("/trust").text
    assert 'action="/trust/accreditations"' in page
    assert f'<option value="{site.assessor}"' in page
    unverified = create_organization(
        uow,
        site.cast.owner,
        OrganizationCreate(slug="fairbench-jp", name="FairBench Audit", kind="assessor"),
    ).id
    accredit = {
        "scheme_id": str(made.id),
        "assessor_organization_id": str(site.assessor),
        "valid_until": _in_a_year(),
    }
    outsider = sign_in(pages, "outsider")  # the assessor's own owner
    too_long = (clock.now() + timedelta(days=6 * 366)).strftime("%Y-%m-%dT%H:%M")
    before = snapshot(engine)
    for change, field, problem in [
        (
            {"assessor_organization_id": str(unverified)},
            "assessor_organization_id",
            "FairBench Audit is not verified: only a verified assessor is accredited",
        ),
        (
            {"assessor_organization_id": str(site.cast.business_id)},
            "assessor_organization_id",
            "HireRight is not an assessor",
        ),
        (
            {"valid_until": too_long},
            "valid_until",
            "an accreditation is granted for five years at most",
        ),
        ({"valid_until": "2001-01-01T00:00"}, "valid_until", "must be after valid_from"),
        ({"scheme_id": "999999"}, "scheme_id", "no such scheme"),
    ]:
        refused = _post(editor, "/trust/accreditations", {**accredit, **change})
        assert refused.status_code == 422, (change, refused.text[:300])
        assert field_error(refused, field) == problem, change
        assert_unchanged(before, engine)
    assert _post(outsider, "/trust/accreditations", accredit).status_code == 403
    assert_unchanged(before, engine)
    done = _post(editor, "/trust/accreditations", accredit)
    (accreditation,) = service.list_accreditations(uow)
    assert done.headers["location"].endswith(f"/trust#accreditation-{accreditation.id}")
    assert _said(editor, done) == "Accreditation granted; the trust list is published anew"
    page = editor.get("/trust").text
    assert ">accredited</span>" in page
    for action in ("suspend", "withdraw"):
        assert f'action="/trust/accreditations/{accreditation.id}/{action}"' in page
    assert f'action="/trust/accreditations/{accreditation.id}/reinstate"' not in page
    # The assessor sees its accreditation, but no form to change it.
    assert 'action="/trust/accreditations' not in outsider.get("/trust").text


def test_an_accreditation_is_suspended_reinstated_and_withdrawn_on_the_page(site: Site) -> None:
    pages, engine = site.pages, site.pages.engine
    accreditation = _accredited(site)
    editor = sign_in(pages, "viewer")
    path = f"/trust/accreditations/{accreditation}"
    before = snapshot(engine)
    refused = _post(editor, f"{path}/suspend", {"reason": ""})
    assert refused.status_code == 422 and field_error(refused, "reason")
    assert _post(editor, f"{path}/reinstate", {"reason": "x"}).status_code == 409
    assert _post(editor, "/trust/accreditations/999999/suspend", {"reason": "x"}).status_code == 404
    asked = _post(editor, f"{path}/suspend", {"reason": "audit overdue"})
    assert asked.status_code == 200 and f"Suspend accreditation #{accreditation}?" in asked.text
    assert_unchanged(before, engine)
    done = _post(editor, f"{path}/suspend", {"reason": "audit overdue", "confirmed": "yes"})
    assert _said(editor, done) == f"Accreditation #{accreditation} suspended"
    page = editor.get("/trust").text
    assert ">suspended</span>" in page and f'action="{path}/reinstate"' in page
    # Reinstating undoes a suspension: done at once, unasked.
    done = _post(editor, f"{path}/reinstate", {"reason": "audit passed"})
    assert _said(editor, done) == f"Accreditation #{accreditation} reinstated"
    done = _post(editor, f"{path}/withdraw", {"reason": "scheme left", "confirmed": "yes"})
    assert _said(editor, done) == f"Accreditation #{accreditation} withdrawn"
    page = editor.get("/trust").text
    assert ">withdrawn</span>" in page and f'action="{path}/' not in page
    assert [v.version for v in service.trust_list_versions(site.cast.uow)] == [4, 3, 2, 1]
    editor.headers["Accept-Language"] = "ja"
    assert ">取消し済み</span>" in editor.get("/trust").text


# ---------------------------------------------------------------- the API


def test_the_api_appoints_accredits_and_publishes_a_list_that_verifies(site: Site) -> None:
    pages, engine = site.pages, site.pages.engine
    operator = bearer(issue_token(site.cast.uow, site.operator, "tests").token)
    body_editor, owner = pages.auth("viewer"), pages.auth("owner")
    with pages.client as client:
        assert_problem(client.get(f"{API}/trust-list"), 404)
        anchor = ok(client.get(f"{API}/trust-anchor"))["did"]
        assert anchor == service.trust_anchor(site.key_dir) and anchor.startswith("did:key:")

        before = snapshot(engine)
        appoint = {"organization_id": site.body}
        assert_problem(client.post(f"{API}/accreditation-bodies", json=appoint), 401)
        assert_problem(client.post(f"{API}/accreditation-bodies", json=appoint, headers=owner), 403)
        assert_problem(
            client.post(f"{API}/accreditation-bodies", json={}, headers=operator),
            422,
            "organization_id",
        )
        assert_problem(
            client.post(
                f"{API}/accreditation-bodies",
                json={"organization_id": site.cast.business_id},
                headers=operator,
            ),
            422,
            "organization_id",
        )
        assert_unchanged(before, engine)
        body = ok(client.post(f"{API}/accreditation-bodies", json=appoint, headers=operator), 201)
        assert set(body) == {"organization_id", "appointed_at", "ended_at"}
        assert body["organization_id"] == site.body and body["ended_at"] is None
        assert ok(client.get(f"{API}/accreditation-bodies")) == [body]

        scheme = {"accreditation_body_id": site.body, "slug": "aigb", "name": SCHEME}
        before = snapshot(engine)
        assert_problem(client.post(f"{API}/schemes", json=scheme, headers=owner), 403)
        assert_problem(
            client.post(f"{API}/schemes", json={**scheme, "slug": "No!"}, headers=body_editor),
            422,
            "slug",
        )
        assert_unchanged(before, engine)
        made = ok(client.post(f"{API}/schemes", json=scheme, headers=body_editor), 201)
        assert set(made) == {
            "id",
            "slug",
            "urn",
            "name",
            "description",
            "accreditation_body_id",
            "created_at",
        }
        assert made["urn"] == "urn:agilegov:scheme:aigb"
        assert ok(client.get(f"{API}/schemes/{made['id']}")) == made
        assert ok(client.get(f"{API}/schemes")) == [made]
        assert_problem(client.get(f"{API}/schemes/999999"), 404)

        accredit = {
            "scheme_id": made["id"],
            "assessor_organization_id": site.assessor,
            "valid_until": (clock.now() + timedelta(days=365)).isoformat(),
        }
        before = snapshot(engine)
        too_long = (clock.now() + timedelta(days=6 * 366)).isoformat()
        assert_problem(
            client.post(
                f"{API}/accreditations",
                json={**accredit, "valid_until": too_long},
                headers=body_editor,
            ),
            422,
            "valid_until",
        )
        assert_problem(
            client.post(
                f"{API}/accreditations",
                json={**accredit, "assessor_organization_id": "many"},
                headers=body_editor,
            ),
            422,
            "assessor_organization_id",
        )
        assert_problem(client.post(f"{API}/accreditations", json=accredit, headers=owner), 403)
        assert_unchanged(before, engine)
        granted = ok(client.post(f"{API}/accreditations", json=accredit, headers=body_editor), 201)
        assert set(granted) == {
            "id",
            "scheme_id",
            "assessor_organization_id",
            "issuer_did",
            "valid_from",
            "valid_until",
            "status",
            "status_since",
            "created_at",
        }
        assert granted["status"] == "granted"
        assert ok(client.get(f"{API}/accreditations/{granted['id']}")) == granted
        assert ok(client.get(f"{API}/accreditations", params={"scheme_id": made["id"]})) == [
            granted
        ]
        assert ok(client.get(f"{API}/accreditations", params={"scheme_id": 999999})) == []
        assert_problem(client.get(f"{API}/accreditations/999999"), 404)

        change = f"{API}/accreditations/{granted['id']}"
        before = snapshot(engine)
        assert_problem(
            client.post(f"{change}/suspend", json={}, headers=body_editor), 422, "reason"
        )
        assert_problem(
            client.post(f"{change}/pause", json={"reason": "x"}, headers=body_editor), 422
        )
        assert_problem(
            client.post(f"{change}/reinstate", json={"reason": "x"}, headers=body_editor), 409
        )
        assert_problem(client.post(f"{change}/suspend", json={"reason": "x"}, headers=owner), 403)
        assert_unchanged(before, engine)
        suspended = ok(
            client.post(f"{change}/suspend", json={"reason": "audit overdue"}, headers=body_editor)
        )
        assert suspended["status"] == "suspended"

        listed = client.get(f"{API}/trust-list")
        assert listed.status_code == 200
        assert listed.headers["cache-control"].startswith("public")
        document = listed.json()
        check_trust_list(document, anchor=anchor, at=clock.now())
        assert document["credentialSubject"]["version"] == 2
        (entry,) = document["credentialSubject"]["accreditations"]
        assert entry["issuer"] == granted["issuer_did"]
        versions = ok(client.get(f"{API}/trust-list/versions"))
        assert [v["version"] for v in versions] == [2, 1]
        assert set(versions[0]) == {"version", "sha256", "published_at", "valid_until"}
        assert versions[0]["sha256"] == hashlib.sha256(canonical_json(document)).hexdigest()
        first = ok(client.get(f"{API}/trust-list/versions/1"))
        check_trust_list(first, anchor=anchor, at=clock.now())
        assert first["credentialSubject"]["version"] == 1
        assert_problem(client.get(f"{API}/trust-list/versions/999"), 404)
        # Ending the appointment withdraws what the body granted.
        assert_problem(
            client.post(f"{API}/accreditation-bodies/{site.body}/end", headers=body_editor), 403
        )
        ended = ok(client.post(f"{API}/accreditation-bodies/{site.body}/end", headers=operator))
        assert ended["ended_at"] is not None
        assert ok(client.get(f"{API}/accreditations/{granted['id']}"))["status"] == "withdrawn"
