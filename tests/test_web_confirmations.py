"""Every destructive or irreversible action of the pages asks first, through
HTTP on SQLite and PostgreSQL: without the answer, the page asks its question
(carrying what the form said) and nothing is stored; only someone allowed to
do it is asked; with the answer it is done and the next page says so. The
pages' own forms ask in the browser's dialog too (``hx-confirm``)."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from agilegov.app import create_app
from agilegov.assurance.schemas import AttestationIssue, EngagementCreate
from agilegov.assurance.service import issue_attestation, request_engagement
from agilegov.cycle.rules import Stage
from agilegov.cycle.schemas import TransitionCreate
from agilegov.cycle.service import advance
from agilegov.monitor.schemas import ScrapeTargetCreate
from agilegov.monitor.scraping import create_target
from agilegov.organizations.schemas import OrganizationCreate
from agilegov.organizations.service import (
    create_organization,
    list_members,
    list_verifications,
)
from agilegov.settings import Settings
from agilegov.trust.schemas import AccreditationBodyAppoint, AccreditationCreate, SchemeCreate
from agilegov.trust.service import accredit, appoint_accreditation_body, create_scheme
from api_helpers import API, World, assert_unchanged, ok, snapshot, world_from_fixture
from builders import World as Cast
from builders import (
    completed_assessment,
    indicator,
    new_scope,
    site_operator,
    specific_goal,
    vouch_for,
)
from web_helpers import csrf_of, sign_in

# The last part of the address of every page action that cannot be undone.
IRREVERSIBLE = {
    "delete",
    "remove",
    "revoke",
    "close",
    "hide",
    "rotate-secret",
    "suspend",
    "refuse",
    "withdraw",
    "move",
    "dismiss",
}
MAP = "indicators:\n  - indicator: selection.ratio\n    metric: selection_ratio\n"


@dataclass
class Site:
    pages: World
    cast: Cast
    scope: int
    ids: dict[str, int]


@pytest.fixture
def site(database_url: str, engine: Engine, world: Cast, tmp_path: Path) -> Iterator[Site]:
    """A public scope with one of everything a page can destroy."""
    pages = world_from_fixture(database_url, engine, world)
    uow, editor = world.uow, world.editor
    scope = new_scope(uow, world.owner, world.business_id, visibility="public")
    goal = specific_goal(uow, editor, scope)
    ids: dict[str, int] = {"goal": goal.id}
    ids["indicator"] = indicator(uow, editor, scope, goal.id).id
    with pages.client:
        client, auth = pages.client, pages.auth
        ids["risk"] = ok(
            client.post(
                f"{API}/scopes/{scope}/risks",
                json={
                    "title": "Drift",
                    "inherent_likelihood": 3,
                    "inherent_severity": 3,
                    "residual_likelihood": 2,
                    "residual_severity": 2,
                    "treatment": "mitigate",
                },
                headers=auth("editor"),
            ),
            201,
        )["id"]
        ids["target"] = create_target(
            uow,
            editor,
            scope,
            ScrapeTargetCreate(url="https://metrics.example.com/m", metric_map=MAP),
        ).id
        ids["webhook"] = ok(
            client.post(
                f"{API}/organizations/{world.business_id}/webhooks",
                json={"url": "https://hooks.example.com/in"},
                headers=auth("owner"),
            ),
            201,
        )["id"]
        ids["token"] = ok(
            client.post(f"{API}/tokens", json={"name": "nightly"}, headers=auth("owner")), 201
        )["id"]
        members = list_members(uow, world.owner, world.business_id)
        ids["membership"] = next(m.id for m in members if m.user.name == "Viewer")
        now = datetime.now(UTC)
        consultation = ok(
            client.post(
                f"{API}/scopes/{scope}/consultations",
                json={
                    "title": "Fair screening rules",
                    "subject": "goals",
                    "draft": "Applicants are told why.",
                    "opens_at": (now - timedelta(days=1)).isoformat(),
                    "closes_at": (now + timedelta(days=30)).isoformat(),
                    "statements": ["Explain every rejection"],
                },
                headers=auth("editor"),
            ),
            201,
        )
        ids["consultation"] = consultation["id"]
        ids["comment"] = ok(
            client.post(
                f"{API}/consultations/{consultation['id']}/comments",
                json={"paragraph": 1, "body": "Buy cheap watches"},
                headers=auth("outsider"),
            ),
            201,
        )["id"]
        statements = ok(client.get(f"{API}/consultations/{consultation['id']}/statements"))
        ids["statement"] = statements[0]["id"]
        assessor = create_organization(
            uow,
            world.outsider,
            OrganizationCreate(slug="fairbench", name="FairBench Assurance", kind="assessor"),
        )
        outsider = world.refresh("outsider")
        assessment = completed_assessment(uow, outsider, world.owner, assessor.id, scope)
        ids["assessment"] = assessment.id
        ids["engagement"] = request_engagement(
            uow,
            outsider,
            EngagementCreate(assessor_organization_id=assessor.id, scope_id=scope, scheme="Audit"),
        ).id
        ids["attestation"] = issue_attestation(
            uow,
            outsider,
            assessment.id,
            AttestationIssue(valid_until=now + timedelta(days=365)),
            tmp_path / "keys",
        ).id
        # The owner's verified council accredits the verified FairBench.
        council = create_organization(
            uow,
            world.owner,
            OrganizationCreate(slug="council", name="Council", kind="infrastructure_operator"),
        ).id
        vouch_for(uow, council)
        vouch_for(uow, assessor.id)
        appoint_accreditation_body(
            uow, site_operator(uow), AccreditationBodyAppoint(organization_id=council)
        )
        owner = world.refresh("owner")
        scheme = create_scheme(
            uow,
            owner,
            SchemeCreate(accreditation_body_id=council, slug="audit", name="Audit"),
        )
        ids["accreditation"] = accredit(
            uow,
            owner,
            AccreditationCreate(
                scheme_id=scheme.id,
                assessor_organization_id=assessor.id,
                valid_until=now + timedelta(days=365),
            ),
            client.app.state.settings.assessor_key_dir,
        ).id
        (verification,) = list_verifications(uow, world.regulator_id)
        ids["verification"] = verification.id
        advance(uow, world.owner, scope, TransitionCreate(to=Stage.goals))
        yield Site(pages, world, scope, ids)


@dataclass(frozen=True)
class Case:
    """One irreversible action: who may do it, from which page, with what form."""

    page: str
    action: str
    question: str  # the heading of the page that asks, in English
    who: str = "owner"
    data: tuple[tuple[str, str], ...] = ()


def _cases(site: Site) -> list[Case]:
    s, i, org = site.scope, site.ids, site.cast.business_id
    consultation = f"/consultations/{i['consultation']}"
    return [
        Case(
            f"/scopes/{s}/risks/{i['risk']}",
            f"/scopes/{s}/risks/{i['risk']}/delete",
            f"Delete risk #{i['risk']}?",
        ),
        Case(
            f"/scopes/{s}/goals/{i['goal']}",
            f"/scopes/{s}/goals/{i['goal']}/delete",
            f"Retire goal #{i['goal']}?",
        ),
        Case(
            f"/scopes/{s}/scrape-targets",
            f"/scopes/{s}/scrape-targets/{i['target']}/delete",
            f"Delete target #{i['target']}?",
        ),
        Case(
            f"/organizations/{org}/members",
            f"/organizations/{org}/members/{i['membership']}/remove",
            "Remove Viewer from HireRight?",
        ),
        Case("/account", f"/account/tokens/{i['token']}/revoke", f"Revoke token #{i['token']}?"),
        Case(
            f"/organizations/{org}/webhooks",
            f"/organizations/{org}/webhooks/{i['webhook']}/delete",
            f"Delete webhook #{i['webhook']}?",
        ),
        Case(
            f"/organizations/{org}/webhooks",
            f"/organizations/{org}/webhooks/{i['webhook']}/rotate-secret",
            f"Give webhook #{i['webhook']} a new secret?",
        ),
        Case(
            f"/assessments/{i['assessment']}",
            f"/attestations/{i['attestation']}/suspend",
            f"Suspend attestation #{i['attestation']}?",
            who="outsider",
            data=(("reason", "The audit is under review"),),
        ),
        Case(
            f"/assessments/{i['assessment']}",
            f"/attestations/{i['attestation']}/revoke",
            f"Revoke attestation #{i['attestation']}?",
            who="outsider",
            data=(("reason", "The audit was withdrawn"),),
        ),
        Case(
            f"/engagements/{i['engagement']}",
            f"/engagements/{i['engagement']}/refuse",
            f"Refuse engagement #{i['engagement']}?",
            data=(("note", "Not this quarter"),),
        ),
        Case(
            f"/engagements/{i['engagement']}",
            f"/engagements/{i['engagement']}/withdraw",
            f"Withdraw engagement #{i['engagement']}?",
            who="outsider",
        ),
        Case(
            consultation,
            f"{consultation}/comments/{i['comment']}/hide",
            f"Hide comment #{i['comment']}?",
            who="editor",
            data=(("reason", "advertising"),),
        ),
        Case(
            consultation,
            f"{consultation}/statements/{i['statement']}/hide",
            f"Hide statement #{i['statement']}?",
            who="editor",
            data=(("reason", "off topic"),),
        ),
        Case(
            consultation,
            f"{consultation}/close",
            f"Close consultation #{i['consultation']} now?",
            who="editor",
        ),
        Case(
            f"/scopes/{s}",
            f"/scopes/{s}/cycle/transitions",
            "Move the cycle back from Goals to Analysis?",
            data=(("to", "analysis"),),
        ),
        Case(
            f"/organizations/{site.cast.regulator_id}",
            f"/organizations/{site.cast.regulator_id}/verifications/{i['verification']}/withdraw",
            f"Withdraw verification #{i['verification']}?",
            who="site",
            data=(("reason", "Struck off the registry"),),
        ),
        Case(
            "/trust",
            f"/trust/accreditations/{i['accreditation']}/suspend",
            f"Suspend accreditation #{i['accreditation']}?",
            data=(("reason", "The surveillance audit is overdue"),),
        ),
        Case(
            "/trust",
            f"/trust/accreditations/{i['accreditation']}/withdraw",
            f"Withdraw accreditation #{i['accreditation']}?",
            data=(("reason", "The assessor left the scheme"),),
        ),
    ]


def _heading(page: Any) -> str:
    found = re.search(r"<h1>([^<]*)</h1>", page.text)
    return found.group(1) if found else ""


def test_every_irreversible_action_of_the_pages_is_asked_about() -> None:
    """The table below covers every such page action the application has."""
    app = create_app(Settings(database_url="sqlite://"))
    actions = {
        context.path
        for route in app.router.routes
        for context in getattr(route, "effective_route_contexts", lambda: [])()
        if isinstance(context.original_route, APIRoute)
        and not context.path.startswith(API)
        and "POST" in context.methods
        and context.path.rsplit("/", 1)[1] in IRREVERSIBLE
    }
    asked = {
        "/scopes/{scope_id}/risks/{item_id}/delete",
        "/scopes/{scope_id}/scrape-targets/{target_id}/delete",
        "/organizations/{organization_id}/members/{membership_id}/remove",
        "/account/tokens/{token_id}/revoke",
        "/organizations/{organization_id}/webhooks/{webhook_id}/delete",
        "/organizations/{organization_id}/webhooks/{webhook_id}/rotate-secret",
        "/attestations/{attestation_id}/revoke",
        "/attestations/{attestation_id}/suspend",
        "/engagements/{engagement_id}/refuse",
        "/engagements/{engagement_id}/withdraw",
        "/consultations/{consultation_id}/{kind}/{item_id}/hide",
        "/consultations/{consultation_id}/close",
        "/organizations/{organization_id}/verifications/{verification_id}/withdraw",
        "/trust/accreditations/{accreditation_id}/suspend",
        "/trust/accreditations/{accreditation_id}/withdraw",
        # Asked about in tests/test_regulation_channels.py and test_regulation_programmes.py.
        "/reporting-channels/{channel_id}/close",
        "/programmes/{programme_id}/refuse",
        # Asked about in tests/test_library_scope_tab.py.
        "/scopes/{scope_id:int}/frameworks/move",
        "/scopes/{scope_id:int}/frameworks/unresolved/{item_id:int}/dismiss",
        # Asked about in tests/test_remedy_pages.py.
        "/complaints/{complaint_id:int}/withdraw",
        # Asked about in tests/test_disclosure_audience_pages.py.
        "/disclosures/{disclosure_id:int}/withdraw",
    }
    # Every part's list deletes through the one page of web/crud.py (risks stand for all).
    crud = {path for path in actions if path.endswith("/{item_id}/delete")}
    assert actions - crud == asked - {"/scopes/{scope_id}/risks/{item_id}/delete"}
    assert "/scopes/{scope_id}/risks/{item_id}/delete" in crud


def test_each_asks_first_changes_nothing_and_only_asks_who_may(site: Site) -> None:
    pages = site.pages
    clients = {
        who: sign_in(pages, who) for who in ("owner", "editor", "outsider", "viewer", "site")
    }
    for case in _cases(site):
        client = clients[case.who]
        page = client.get(case.page)
        assert page.status_code == 200, case.page
        token = csrf_of(page)
        # The page's own form asks in the browser's dialog, unless the question
        # depends on what is chosen (moving the cycle): then the server asks.
        if "transitions" not in case.action:
            form = page.text.split(f'action="{case.action}"', 1)
            assert len(form) == 2, f"no form for {case.action} on {case.page}"
            assert "hx-confirm=" in form[1].split(">", 1)[0], case.action
        before = snapshot(pages.engine)
        asked = client.post(
            case.action, data={"csrf_token": token, **dict(case.data)}, follow_redirects=False
        )
        assert asked.status_code == 200, (case.action, asked.text[:300])
        assert _heading(asked) == case.question
        assert 'name="confirmed" value="yes"' in asked.text
        for name, value in case.data:
            assert f'<input type="hidden" name="{name}" value="{value}">' in asked.text
        assert_unchanged(before, pages.engine)
        # A viewer may do none of these: refused at once, never asked.
        viewer = clients["viewer"]
        refused = viewer.post(
            case.action,
            data={"csrf_token": csrf_of(viewer.get("/")), **dict(case.data)},
            follow_redirects=False,
        )
        assert refused.status_code in (403, 404), case.action
        assert_unchanged(before, pages.engine)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_once_answered_each_is_done_and_said(site: Site, language: str) -> None:
    pages = site.pages
    messages = {
        "en": [
            "Target #{target} deleted",
            "Membership #{membership} removed",
            "Attestation #{attestation} suspended",
            "Attestation #{attestation} revoked",
            "Comment #{comment} hidden",
            "The cycle moved to Analysis",
            "Accreditation #{accreditation} suspended",
            "Accreditation #{accreditation} withdrawn",
        ],
        "ja": [
            "ターゲット #{target} を削除しました",
            "メンバーシップ #{membership} を削除しました",
            "証明 #{attestation} を一時停止しました",
            "証明 #{attestation} を失効させました",
            "コメント #{comment} を非表示にしました",
            "サイクルが",
            "認定 #{accreditation} を一時停止しました",
            "認定 #{accreditation} を取り消しました",
        ],
    }[language]
    done_here = r"target|members|attestation|comment|trans|accreditations"
    cases = [c for c in _cases(site) if re.search(done_here, c.action)]
    for case, said in zip(cases, messages, strict=True):
        client = sign_in(pages, case.who)
        if language == "ja":
            client.headers["Accept-Language"] = "ja"
        token = csrf_of(client.get(case.page))
        done = client.post(
            case.action,
            data={"csrf_token": token, "confirmed": "yes", **dict(case.data)},
            follow_redirects=False,
        )
        assert done.status_code == 303, (case.action, done.text[:300])
        shown = client.get(done.headers["location"]).text
        status = shown.split('role="status">', 1)[1].split("</p>", 1)[0]
        assert status.startswith(said.format(**site.ids)), (case.action, status)
    # Done means done: the same actions again find nothing left to do.
    owner = sign_in(pages, "owner")
    gone = owner.post(
        cases[0].action,
        data={"csrf_token": csrf_of(owner.get(cases[0].page)), "confirmed": "yes"},
        follow_redirects=False,
    )
    assert gone.status_code == 404


def test_moving_the_cycle_forward_is_not_asked_about(site: Site) -> None:
    client = sign_in(site.pages, "owner")
    scope = f"/scopes/{site.scope}"
    moved = client.post(
        f"{scope}/cycle/transitions",
        data={"csrf_token": csrf_of(client.get(scope)), "to": "design"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
