"""The inputs people fill in: date and time pickers read in the viewer's zone,
the 1..5 scales offered by their words, references chosen and shown by name
(with a filter box for long lists), help under the fields, and the answer form
showing what it answers."""

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from agilegov import i18n, values
from agilegov.dialogue.models import Participant
from agilegov.dialogue.schemas import ConsultationCreate
from agilegov.schemas import FORM_ZONE
from agilegov.web.forms import FormField, form_fields, problems_of
from agilegov.web.render import templates
from api_helpers import API, World, assert_unchanged, names_for, ok, snapshot, world_from_fixture
from builders import World as Cast
from builders import new_scope
from web_helpers import browser, field_error, post_form, sign_in

TYPED = "2026-04-01T09:30"
# What each language's usual zone makes of TYPED.
STORED = {
    "en": datetime(2026, 4, 1, 9, 30, tzinfo=UTC),
    "ja": datetime(2026, 4, 1, 0, 30, tzinfo=UTC),
}
GARBAGE_TIME = {
    "en": "Enter a date and a time such as",
    "ja": "のように日付と時刻を入力してください",
}


@pytest.fixture
def site(database_url: str, engine: Engine, world: Cast) -> Iterator[World]:
    pages = world_from_fixture(database_url, engine, world)
    with pages.client:
        yield pages


def _in_language(client: Any, language: str) -> Any:
    client.cookies.set("agilegov_language", language)
    return client


def _consultation_form(scope: int, **fields: str) -> dict[str, str]:
    return {
        "title": "Fair screening rules",
        "subject": "goals",
        "draft": "Applicants are told why.\n\nA person reviews on request.",
        "opens_at": TYPED,
        "closes_at": "2026-05-01T18:00",
        "audience": "public",
        **fields,
    }


def _input_value(page: str, name: str) -> str:
    found = re.search(rf'<input id="f-{name}" name="{name}" value="([^"]*)"', page)
    assert found, f"no input {name}"
    return html.unescape(found.group(1))


# ---------------------------------------------------------------- dates and times


def test_a_wall_clock_time_is_read_in_the_zone_given() -> None:
    assert values.local_time(TYPED, "UTC") == STORED["en"]
    assert values.local_time(TYPED, "Asia/Tokyo") == STORED["ja"]
    with pytest.raises(ValueError, match="not a valid date"):
        values.local_time("2026-02-30T09:30", "UTC")


def test_a_time_a_daylight_saving_change_skips_or_repeats_is_read_with_fold_0() -> None:
    def stored(typed: str) -> datetime:
        shape = ConsultationCreate.model_validate(
            {"title": "T", "subject": "goals", "draft": "D", "opens_at": typed, "closes_at": typed},
            context={FORM_ZONE: "America/New_York"},
        )
        return shape.opens_at.astimezone(UTC)

    # Skipped (clocks went 02:00 -> 03:00): read by EST, the offset before the change.
    assert stored("2026-03-08T02:30") == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    # Repeated (clocks went 02:00 -> 01:00): its first occurrence, in EDT.
    assert stored("2026-11-01T01:30") == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert stored("2026-07-01T12:00") == datetime(2026, 7, 1, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("0001-01-01T05:00", "Asia/Tokyo"),
        ("0001-01-01T00:00", "UTC"),
        ("9999-12-31T23:00", "America/New_York"),
        ("2026-02-30T09:30", "UTC"),
    ],
)
def test_a_time_beyond_what_can_be_stored_is_refused_naming_the_field(
    typed: str, zone: str
) -> None:
    body = {"title": "T", "subject": "goals", "draft": "D", "closes_at": TYPED}
    with pytest.raises(ValidationError) as refused:
        ConsultationCreate.model_validate({**body, "opens_at": typed}, context={FORM_ZONE: zone})
    assert set(problems_of(refused.value, ConsultationCreate)) == {"opens_at"}
    # Sent back to the form, it is shown as typed, whatever the viewer's zone.
    token = i18n.current_zone.set("Pacific/Kiritimati")
    try:
        shown = form_fields(
            ConsultationCreate, {"opens_at": typed, "closes_at": "0001-01-01T00:00:00+01:00"}
        )
        assert [f.text for f in shown if f.widget == "datetime"] == [
            typed,
            "0001-01-01T00:00:00+01:00",
        ]
    finally:
        i18n.current_zone.reset(token)


def test_the_api_still_wants_an_offset_and_a_form_says_garbage_plainly() -> None:
    body = {"title": "T", "subject": "goals", "draft": "D", "opens_at": TYPED, "closes_at": TYPED}
    with pytest.raises(ValidationError, match="has no offset"):
        ConsultationCreate.model_validate(body)
    with pytest.raises(ValidationError) as refused:
        ConsultationCreate.model_validate(
            {**body, "closes_at": "next tuesday"}, context={FORM_ZONE: "UTC"}
        )
    problems = problems_of(refused.value, ConsultationCreate)
    assert set(problems) == {"closes_at"}
    assert str(problems["closes_at"]) == "Enter a date and a time such as 2026-04-01 09:30"


def test_date_and_time_fields_are_pickers_showing_the_viewers_wall_clock() -> None:
    stored = {"opens_at": STORED["ja"], "closes_at": STORED["ja"] + timedelta(days=30)}
    fields = {f.name: f for f in form_fields(ConsultationCreate, stored)}
    assert fields["opens_at"].widget == "datetime"
    zone = i18n.current_zone.set("Asia/Tokyo")
    try:
        assert fields["opens_at"].text == TYPED
        assert fields["closes_at"].text == "2026-05-01T09:30"
    finally:
        i18n.current_zone.reset(zone)
    assert fields["opens_at"].text == "2026-04-01T00:30"  # in UTC


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_time_typed_in_a_form_is_stored_in_utc_and_shown_back_as_typed(
    site: World, uow: Any, world: Cast, language: str
) -> None:
    scope = new_scope(uow, world.owner, world.business_id, visibility="public")
    editor = _in_language(sign_in(site, "editor"), language)
    form_path = f"/scopes/{scope}/consultations/new"
    page = editor.get(form_path)
    assert 'type="datetime-local"' in page.text
    zone_named = "UTC" if language == "en" else "JST (Asia/Tokyo)"
    assert f"{zone_named}" in page.text and 'aria-describedby="help-opens_at"' in page.text

    # Garbage: the form again, the typed time kept, the error in plain words, nothing stored.
    before = snapshot(site.engine)
    refused = post_form(
        editor,
        form_path,
        f"/scopes/{scope}/consultations",
        _consultation_form(scope, closes_at="next tuesday"),
    )
    assert refused.status_code == 422
    assert GARBAGE_TIME[language] in field_error(refused, "closes_at")
    assert _input_value(refused.text, "opens_at") == TYPED
    assert_unchanged(before, site.engine)

    created = post_form(
        editor, form_path, f"/scopes/{scope}/consultations", _consultation_form(scope)
    )
    assert created.status_code == 303, created.text[:500]
    read = ok(site.client.get(f"{API}{created.headers['location']}", headers=site.auth("editor")))
    assert datetime.fromisoformat(read["opens_at"]) == STORED[language]
    # Shown back in the same zone, it is the time typed.
    zone = i18n.current_zone.set("UTC" if language == "en" else "Asia/Tokyo")
    try:
        shown = {f.name: f for f in form_fields(ConsultationCreate, read)}
        assert shown["opens_at"].text == TYPED
    finally:
        i18n.current_zone.reset(zone)


def test_a_time_with_its_offset_is_still_taken_from_a_form(
    site: World, uow: Any, world: Cast
) -> None:
    scope = new_scope(uow, world.owner, world.business_id, visibility="public")
    editor = sign_in(site, "editor")
    created = post_form(
        editor,
        f"/scopes/{scope}/consultations/new",
        f"/scopes/{scope}/consultations",
        _consultation_form(scope, opens_at="2026-04-01T09:30:00+09:00"),
    )
    assert created.status_code == 303, created.text[:500]
    read = ok(site.client.get(f"{API}{created.headers['location']}", headers=site.auth("editor")))
    assert datetime.fromisoformat(read["opens_at"]) == STORED["ja"]


# ---------------------------------------------------------------- scales, references, help


@pytest.fixture(scope="module")
def ids(shared: World) -> dict[str, Any]:
    return names_for(shared)


@pytest.mark.parametrize(
    ("language", "rare", "certain", "negligible"),
    [("en", "rare", "almost certain", "negligible"), ("ja", "まれ", "ほぼ確実", "無視できる")],
)
def test_the_five_point_scales_are_chosen_by_their_words(
    shared: World, ids: dict[str, Any], language: str, rare: str, certain: str, negligible: str
) -> None:
    editor = _in_language(sign_in(shared, "editor"), language)
    page = editor.get(f"/scopes/{ids['scope']}/risks/new").text
    likelihood = page.split('<select id="f-inherent_likelihood"')[1].split("</select>")[0]
    assert f'<option value="1">1 — {rare}</option>' in likelihood
    assert f'<option value="5">5 — {certain}</option>' in likelihood
    # No point is chosen for the person: the first option is the empty one.
    assert likelihood.split("<option")[1] == ' value="">—</option>' and "selected" not in likelihood
    assert f"1 — {negligible}" in page.split('id="f-inherent_severity"')[1].split("</select>")[0]
    assert 'name="inherent_likelihood" value=' not in page  # not a bare number input
    # Left unchosen, a point is asked for in plain words.
    refused = post_form(
        editor,
        f"/scopes/{ids['scope']}/risks/new",
        f"/scopes/{ids['scope']}/risks",
        {"title": "T", "inherent_likelihood": "", "treatment": "accept"},
    )
    assert refused.status_code == 422
    assert field_error(refused, "inherent_likelihood") == (
        "This field is required" if language == "en" else "この項目は必須です"
    )
    # A risk's page offers its stored points selected.
    item = editor.get(f"/scopes/{ids['scope']}/risks/{ids['risk']}").text
    assert (
        f'<option value="4" selected>4 — {"likely" if language == "en" else "起こりやすい"}' in item
    )


def test_references_are_chosen_and_shown_by_name(shared: World, ids: dict[str, Any]) -> None:
    editor = sign_in(shared, "editor")
    base = f"/scopes/{ids['scope']}"
    new_risk = editor.get(f"{base}/risks/new").text
    assert f'<option value="{ids["impact"]}">#{ids["impact"]} Unfair rejection</option>' in new_risk
    # A reader sees the names of what a risk and a goal refer to, not their numbers.
    viewer = sign_in(shared, "viewer")
    risk = viewer.get(f"{base}/risks/{ids['risk']}").text
    assert f"#{ids['impact']} Unfair rejection" in risk
    assert f"#{ids['condition']} Equal-opportunity law" in risk
    assert "<dd>4 — likely</dd>" in risk  # a scale's point with its word
    goal = viewer.get(f"{base}/goals/{ids['goal']}").text
    assert f"#{ids['core_goal']} Fairness" in goal
    # The scope to assess is chosen by name too, the one the link named already chosen.
    public = ids["public_scope"]
    assess = editor.get(f"/assessments/new?scope_id={public}").text
    scope_select = assess.split('<select id="f-scope_id"')[1].split("</select>")[0]
    assert re.search(rf'<option value="{public}" selected>#{public} [^<]+</option>', scope_select)


def test_a_goal_adopts_another_organizations_published_goal_by_name(
    shared: World, ids: dict[str, Any]
) -> None:
    """The regulator's editor sees the business's published goals to adopt; a
    value no longer offered stays chosen rather than being dropped on saving."""
    foreign = ids["foreign_scope"]
    page = sign_in(shared, "outsider").get(f"/scopes/{foreign}/goals/new").text
    adopt = page.split('<select id="f-derives_from_id"')[1].split("</select>")[0]
    assert re.search(rf'<option value="{ids["public_goal"]}">#{ids["public_goal"]} ', adopt)
    assert f'value="{ids["goal"]}"' not in adopt  # the business's private goal
    kept = {
        f.name: f
        for f in form_fields(ConsultationCreate, {"goal_ids": [77]}, choices={"goal_ids": []})
    }
    assert kept["goal_ids"].options == (("77", "#77"),) and kept["goal_ids"].chosen == {"77"}


def test_a_long_list_of_options_gets_a_filter_box_that_needs_no_inline_script(
    shared: World,
) -> None:
    options = tuple((str(n), f"#{n} Goal {n}") for n in range(1, 10))
    field = FormField("goal_ids", "Goals", "multiselect", False, options=options)
    short = FormField("goal_ids", "Goals", "multiselect", False, options=options[:3])
    assert field.searchable and not short.searchable
    macros = templates.env.get_template("macros.html").module
    shown = str(macros.field(field))  # type: ignore[attr-defined]
    assert 'data-filter="Type to narrow the list"' in shown
    assert all(f">{label}</option>" in shown for _, label in options)  # usable without scripts
    page = browser(shared).get("/login")
    assert '<script src="/static/select-filter.js" defer></script>' in page.text
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    script = browser(shared).get("/static/select-filter.js")
    assert script.status_code == 200 and "select[data-filter]" in script.text


@pytest.mark.parametrize(("language", "example"), [("en", "e.g. 0.8"), ("ja", "例: 0.8")])
def test_help_under_a_field_gives_its_unit_and_an_example(
    shared: World, ids: dict[str, Any], language: str, example: str
) -> None:
    editor = _in_language(sign_in(shared, "editor"), language)
    page = editor.get(f"/scopes/{ids['scope']}/goals/new").text
    field = page.split('<input id="f-acceptable_level"')[1].split("</div>")[0]
    assert 'aria-describedby="help-acceptable_level"' in field
    help_text = field.split('id="help-acceptable_level">')[1].split("</p>")[0]
    assert example in help_text
    window = editor.get(f"/scopes/{ids['scope']}/indicators/new").text
    assert "30" in window.split('id="help-window_days">')[1].split("</p>")[0]


# ---------------------------------------------------------------- answering


def test_the_answer_form_shows_what_it_answers(site: World, uow: Any, world: Cast) -> None:
    scope = new_scope(uow, world.owner, world.business_id, visibility="public")
    now = datetime.now(UTC)
    consultation = ok(
        site.client.post(
            f"{API}/scopes/{scope}/consultations",
            json={
                "title": "Fair screening rules",
                "subject": "goals",
                "draft": "Applicants are told why.\n\nA person reviews on request.",
                "opens_at": (now - timedelta(days=1)).isoformat(),
                "closes_at": (now + timedelta(days=30)).isoformat(),
                "statements": ["Explain every rejection"],
            },
            headers=site.auth("editor"),
        ),
        201,
    )
    path = f"/consultations/{consultation['id']}"
    visitor = browser(site)
    said = post_form(
        visitor, path, f"{path}/comments", {"paragraph": "2", "body": "Within a week."}
    )
    assert said.status_code == 303
    comment = ok(site.client.get(f"{API}{path}/comments"))[0]
    with Session(site.engine) as session:
        pseudonym = session.scalars(
            select(Participant.pseudonym).where(Participant.id == comment["participant_id"])
        ).one()

    editor = sign_in(site, "editor")
    page = editor.get(f"{path}/responses/comment/{comment['id']}")
    assert page.status_code == 200
    shown = html.unescape(page.text)
    assert "Within a week." in shown and "A person reviews on request." in shown
    assert f"The comment on ¶ 2, by {pseudonym}" in shown
    assert 'name="decision"' in shown  # the form is below it

    statement = ok(site.client.get(f"{API}{path}/statements"))[0]
    answer = html.unescape(editor.get(f"{path}/responses/statement/{statement['id']}").text)
    assert "Explain every rejection" in answer and "the organizers, with the draft" in answer
    assert editor.get(f"{path}/responses/comment/999999").status_code == 404
