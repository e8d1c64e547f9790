"""The home page by role, on SQLite and PostgreSQL, in English and Japanese: a
signed-in person sees what is theirs to do now (open triggers, reviews due,
consultations they have not answered, assessments in progress), each linked to
where it is done; a signed-out visitor finds the open public consultations; and
nobody is shown a link to a form they cannot submit."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agilegov.cycle.service import tick
from agilegov.dialogue.access import Voice
from agilegov.dialogue.participation import cast_vote
from agilegov.dialogue.reads import statements
from agilegov.dialogue.schemas import VoteCreate
from agilegov.organizations.schemas import OrganizationCreate
from agilegov.organizations.service import create_organization
from api_helpers import API, World, ok, world_from_fixture
from builders import World as Cast
from builders import condition, new_scope, open_assessment
from web_helpers import browser, sign_in

HEADINGS = {
    "en": {
        "reviews": "Reviews due",
        "consultations": "Consultations to answer",
        "assessments": "Assessments in progress",
        "open": "Open consultations",
    },
    "ja": {
        "reviews": "期限が近いレビュー",
        "consultations": "回答待ちの意見募集",
        "assessments": "実施中の評価",
        "open": "受け付け中の意見募集",
    },
}


@dataclass
class Home:
    site: World
    private_scope: int
    public_scope: int
    soon: int
    overdue: int
    consultation: int
    assessment: int


@pytest.fixture
def home(database_url: str, engine: Engine, world: Cast) -> Iterator[Home]:
    """A private scope with one condition due for review in five days and one past
    its date (so a trigger is open); a public consultation on a published scope,
    already answered by the editor; an assessment in progress by an assessor the
    outsider owns."""
    site = world_from_fixture(database_url, engine, world)
    uow = world.uow
    private = new_scope(uow, world.owner, world.business_id, "Hiring model")
    today = date.today()
    soon = condition(
        uow, world.owner, private, title="Equality act", review_by=today + timedelta(5)
    )
    overdue = condition(uow, world.owner, private, title="Old rule", review_by=today - timedelta(1))
    tick(uow)
    public = new_scope(uow, world.owner, world.business_id, "Screening", "public")
    now = datetime.now(UTC)
    with site.client:
        consultation = ok(
            site.client.post(
                f"{API}/scopes/{public}/consultations",
                json={
                    "title": "Fair screening rules",
                    "subject": "goals",
                    "draft": "Applicants are told why.",
                    "opens_at": (now - timedelta(days=1)).isoformat(),
                    "closes_at": (now + timedelta(days=30)).isoformat(),
                    "statements": ["Explain every rejection"],
                },
                headers=site.auth("editor"),
            ),
            201,
        )["id"]
        statement = statements(uow, world.editor, consultation)[0].id
        cast_vote(
            uow, Voice(world.editor), consultation, VoteCreate(statement_id=statement, vote="agree")
        )
        assessor = create_organization(
            uow,
            world.outsider,
            OrganizationCreate(slug="fairbench", name="FairBench Assurance", kind="assessor"),
        )
        outsider = world.refresh("outsider")
        assessment = open_assessment(uow, outsider, world.owner, assessor.id, public)
        yield Home(site, private, public, soon.id, overdue.id, consultation, assessment.id)


def _visitor(home: Home, who: str | None, language: str) -> TestClient:
    client = sign_in(home.site, who) if who else browser(home.site)
    client.headers["Accept-Language"] = language
    return client


# What each role's home page links to: the review form for the open trigger,
# the conditions due, the consultation to answer, the assessment in progress.
EXPECTED = {
    "owner": {"review form", "reviews", "consultation"},
    "editor": {"review form", "reviews"},  # the editor has voted already
    "reviewer": {"review form", "reviews", "consultation"},
    "viewer": {"reviews", "consultation"},  # a viewer cannot record a review
    "outsider": {"assessment"},  # owns the assessor; nobody at the business
    None: {"open consultation"},
}


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("who", list(EXPECTED), ids=lambda who: who or "anonymous")
def test_the_home_page_shows_what_is_theirs_to_do(
    home: Home, who: str | None, language: str
) -> None:
    page = _visitor(home, who, language).get("/")
    assert page.status_code == 200
    text, headings = page.text, HEADINGS[language]
    links = {
        "review form": f'href="/scopes/{home.private_scope}/reviews/new"',
        "reviews": f'href="/scopes/{home.private_scope}/conditions/{home.soon}"',
        "consultation": f'href="/consultations/{home.consultation}"',
        "assessment": f'href="/assessments/{home.assessment}"',
    }
    shown = {name for name, link in links.items() if link in text}
    if who is None:
        assert headings["open"] in text and headings["reviews"] not in text
        assert links["consultation"] in text and "Screening" in text
        assert "Hiring model" not in text
        shown = {"open consultation"} if links["consultation"] in text else set()
    else:
        assert headings["reviews"] in text and headings["consultations"] in text
        assert (headings["assessments"] in text) == (who == "outsider")
    assert shown == EXPECTED[who]
    if "reviews" in shown:
        # The one past its date is listed too, marked overdue.
        assert f"/conditions/{home.overdue}" in text
        assert ("期限超過" if language == "ja" else "overdue") in text


# Who may submit the forms a published scope's overview links to.
CAN_EDIT = {"owner", "editor"}
# Any organization may assess: the business itself (a self-declaration), the outsider's
# assessor or ministry on an engagement.
CAN_ASSESS = {"owner", "editor", "outsider"}


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("who", list(EXPECTED), ids=lambda who: who or "anonymous")
def test_a_scope_links_only_to_forms_the_visitor_can_submit(
    home: Home, who: str | None, language: str
) -> None:
    page = _visitor(home, who, language).get(f"/scopes/{home.public_scope}")
    assert page.status_code == 200
    assert (f'href="/scopes/{home.public_scope}/edit"' in page.text) == (who in CAN_EDIT)
    assert ("/assessments/new?scope_id=" in page.text) == (who in CAN_ASSESS)
