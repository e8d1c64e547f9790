"""Transparency reports: composed from the live governance over a period (figures
equal to the data, each with its source), explained by the author and nothing
else, published signed and unchangeable, superseded by a new version that
leaves the old readable, compared with the previous period; served as JSON
valid by its schema, as pages and as a PDF with its Japanese text."""

import base64
import hashlib
import re
import sys
import zlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from agilegov import clock
from agilegov.auth import SYSTEM
from agilegov.design.service import MEASURE
from agilegov.disclosure import compose, reports
from agilegov.disclosure.report_models import TransparencyReport
from agilegov.disclosure.report_schemas import ReportCreate, TransparencyDocument
from agilegov.disclosure.report_templates import GENERAL
from agilegov.errors import Conflict, Forbidden, InvalidInput, NotFound
from agilegov.library.service import install_shipped
from agilegov.monitor.ingest import Row
from agilegov.monitor.service import evaluate_scope, ingest
from agilegov.record.canonical import canonical_json
from agilegov.record.credentials import public_key_from_did
from agilegov.record.models import Event
from agilegov.scopes.schemas import ScopeCreate
from agilegov.scopes.service import create_scope
from api_helpers import API, PASSWORD, assert_problem, bearer, make_client, ok
from builders import World, change, indicator, measure, new_scope, review, row_counts, specific_goal
from web_helpers import csrf_of

APRIL = (date(2026, 4, 1), date(2026, 4, 30))
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def _at(day: int, month: int = 4) -> datetime:
    return datetime(2026, month, day, 3, tzinfo=UTC)


def _evaluate(world: World, scope_id: int, value: float, at: datetime) -> None:
    rows = [Row("selection.ratio", at - timedelta(hours=1), value, "test", "observations[0]")]
    ingest(world.uow, world.owner, rows, scope_id=scope_id)
    with clock.frozen_at(at):
        evaluate_scope(world.uow, world.owner, scope_id, at=at)


class Built:
    def __init__(self, scope: int, goal: Any, indicator: Any, measure: Any) -> None:
        self.scope, self.goal, self.indicator, self.measure = scope, goal, indicator, measure


def _governed(world: World, visibility: str = "public") -> Built:
    """A scope with a goal, an indicator evaluated in March and April (one
    breach in April), a measure changed and a review decided in April."""
    scope = new_scope(world.uow, world.owner, world.business_id, visibility=visibility)
    goal = specific_goal(world.uow, world.owner, scope, acceptable_level=0.8, target=0.95)
    own = indicator(world.uow, world.owner, scope, goal.id)
    _evaluate(world, scope, 0.9, _at(3, 3))
    _evaluate(world, scope, 0.82, _at(5))
    _evaluate(world, scope, 0.6, _at(12))
    _evaluate(world, scope, 0.88, _at(20))
    with clock.frozen_at(_at(1, 3)):
        kept = measure(world.uow, world.owner, scope, status="implemented")
    with clock.frozen_at(_at(15)):
        change(world.uow, world.owner, scope, MEASURE, kept.id, title="Re-weighting, tuned")
        review(world.uow, world.owner, scope)
    return Built(scope, goal, own, kept)


def _create(world: World, scope: int, period: tuple[date, date] = APRIL, **fields: Any) -> Any:
    data = ReportCreate(
        scope_id=scope,
        template=fields.pop("template", "general"),
        period_start=period[0],
        period_end=period[1],
    )
    return reports.create_report(world.uow, fields.pop("actor", world.editor), data)


def _section(sections: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return next(s for s in sections if s["key"] == key)


def _figures(sections: list[dict[str, Any]]) -> dict[str, Any]:
    return compose.figure_values(sections)


# ---------------------------------------------------------------- pure: composing


def _facts(**changes: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "goals": [],
        "indicators": [],
        "measures_in_force": [],
        "measure_changes": [],
        "reviews": [],
        "transitions": [],
        "consultations": [],
        "assessments": [],
        "frameworks": [],
        "complaints": {"cases": 0, "minimum": 5, "by_status": {"open": 2}, "hidden": True},
        "incidents": {"total": 3, "by_kind": {"harm": 1}},
    }
    return facts | changes


@pytest.mark.parametrize(
    ("changes", "key", "value"),
    [
        ({}, "goals.count", 0),
        (
            {"goals": [{"id": 4, "title": "G", "acceptable_level": 0.8, "target": None}]},
            "goal-4.acceptable_level",
            0.8,
        ),
        (
            {"transitions": [{"loop": "inner"}, {"loop": "outer"}, {"loop": "inner"}]},
            "cycle.inner_loops",
            2,
        ),
        ({}, "complaints.by_status.open", 2),
        ({}, "incidents.by_kind.harm", 1),
        (
            {
                "consultations": [
                    {
                        "id": 1,
                        "title": "C",
                        "comments": 7,
                        "responses": {"accepted": 2, "rejected": 1},
                    }
                ]
            },
            "consultations.responses.accepted",
            2,
        ),
    ],
)
def test_figures_are_read_from_the_facts(changes: dict[str, Any], key: str, value: float) -> None:
    assert _figures(compose.general(_facts(**changes), 9))[key] == value


def test_flags_are_not_figures_and_every_figure_has_a_source() -> None:
    sections = compose.general(_facts(), 9)
    assert "complaints.hidden" not in _figures(sections)
    assert [s["key"] for s in sections] == [key for key, _ in GENERAL]
    assert all(f["source"].startswith("/scopes/9/") for s in sections for f in s["figures"])


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        ({"a": 3}, {"a": 1}, {"a": {"previous": 1, "difference": 2}}),
        ({"a": 0.88}, {"a": 0.82}, {"a": {"previous": 0.82, "difference": 0.06}}),
        ({"a": 3}, {}, {"a": {"previous": None, "difference": None}}),
        ({"a": None}, {"a": 2}, {"a": {"previous": 2, "difference": None}}),
    ],
)
def test_year_over_year(
    current: dict[str, float], previous: dict[str, float], expected: dict[str, Any]
) -> None:
    assert compose.year_over_year(current, previous) == expected


# ---------------------------------------------------------------- the service


def test_a_reports_figures_equal_the_data(world: World) -> None:
    built = _governed(world)
    report = _create(world, built.scope)
    assert report.status == "draft" and report.version == 1
    figures = _figures(report.sections)
    key = f"indicator-{built.indicator.id}"
    assert figures[f"{key}.evaluations"] == 3, "March's evaluation is outside the period"
    assert figures[f"{key}.latest_value"] == 0.88
    assert figures[f"{key}.worst_value"] == 0.6
    assert figures[f"{key}.breach_episodes_opened"] == 1
    assert figures["indicators.breach_episodes"] == 1
    assert figures[f"goal-{built.goal.id}.acceptable_level"] == 0.8
    assert figures[f"goal-{built.goal.id}.target"] == 0.95
    assert figures["measures.in_force"] == 1 and figures["measures.changes"] == 1
    assert figures["reviews.count"] == 1
    assert figures["complaints.cases"] == 0 and figures["incidents.total"] == 0
    [item] = _section(report.sections, "measures")["items"]
    assert item["title"] == "Re-weighting, tuned"
    assert item["source"] == f"/scopes/{built.scope}/measures/{built.measure.id}"
    goal_item = _section(report.sections, "goals")["items"][0]
    assert goal_item["source"] == f"/scopes/{built.scope}/goals/{built.goal.id}"
    march = _create(world, built.scope, MARCH)
    assert _figures(march.sections)[f"{key}.evaluations"] == 1
    assert _figures(march.sections)["reviews.count"] == 0


def test_the_haip_template_has_the_frameworks_seven_sections(world: World) -> None:
    built = _governed(world)
    report = _create(world, built.scope, template="haip")
    assert [s["key"] for s in report.sections] == [f"haip-{n}" for n in range(1, 8)]
    first = report.sections[0]
    assert first["title"] == {
        "ja": "リスクの特定と評価",
        "en": "Risk identification and evaluation",
    }
    assert f"indicator-{built.indicator.id}.worst_value" in _figures([first])


LEAVE_OUT = [
    "aigb@1.0",
    "eu-ai-act@2024",
    "eu-ai-act@2026",
    "haip-reporting@2025",
    "hiroshima-coc@2023",
    "iso-iec-42001@2023",
    "nist-ai-rmf@1.0",
    "oecd-ai-principles@2019",
    "oecd-ai-principles@2024",
]


def test_the_aigb_checklist_lists_each_requirement_the_scope_follows(world: World) -> None:
    plain = new_scope(world.uow, world.owner, world.business_id, name="Following nothing")
    before = row_counts(world.uow)
    with pytest.raises(InvalidInput) as raised:
        _create(world, plain, template="aigb_checklist")
    assert raised.value.problems[0].field == "template"
    assert row_counts(world.uow) == before
    install_shipped(world.uow, SYSTEM, leave_out=LEAVE_OUT)
    data = ScopeCreate(
        organization_id=world.business_id,
        name="Following the guidelines",
        kind="ai_system",
        visibility="private",
        frameworks=["aigb@1.1"],
    )
    scope = create_scope(world.uow, world.owner, data).id
    report = _create(world, scope, template="aigb_checklist")
    [section] = report.sections
    assert section["key"] == "aigb@1.1"
    refs = [item["key"] for item in section["items"]]
    assert refs and all(ref.startswith("aigb@1.1#") for ref in refs)
    assert all(item["facts"]["applicable"] for item in section["items"])
    explained = reports.set_explanations(world.uow, world.editor, report.id, {refs[0]: "We do."})
    assert explained.explanations == {refs[0]: "We do."}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"period_start": date(2026, 4, 30), "period_end": date(2026, 4, 1)}, "period_end"),
        ({"period_start": date(2024, 1, 1), "period_end": date(2026, 4, 1)}, "period_end"),
        ({"scope_id": 10**6}, "scope_id"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    world: World, fields: dict[str, Any], field: str
) -> None:
    scope = new_scope(world.uow, world.owner, world.business_id)
    values = {"scope_id": scope, "template": "general", "period_start": APRIL[0]} | {
        "period_end": APRIL[1]
    }
    before = row_counts(world.uow)
    with pytest.raises(InvalidInput) as raised:
        reports.create_report(world.uow, world.editor, ReportCreate(**(values | fields)))
    assert raised.value.problems[0].field == field
    assert row_counts(world.uow) == before


def test_an_unknown_template_is_refused_by_the_schema() -> None:
    with pytest.raises(ValidationError) as raised:
        ReportCreate(scope_id=1, template="annual", period_start=APRIL[0], period_end=APRIL[1])
    assert raised.value.errors()[0]["loc"] == ("template",)


def test_only_editors_draft_and_a_period_is_drafted_once(world: World) -> None:
    scope = new_scope(world.uow, world.owner, world.business_id)
    with pytest.raises(Forbidden):
        _create(world, scope, actor=world.viewer)
    report = _create(world, scope)
    with pytest.raises(Conflict):
        _create(world, scope)
    assert reports.get_report(world.uow, world.viewer, report.id).id == report.id
    with pytest.raises(NotFound):
        reports.get_report(world.uow, world.outsider, report.id)


def test_the_author_edits_explanations_only(world: World) -> None:
    built = _governed(world)
    report = _create(world, built.scope)
    before = row_counts(world.uow)
    with pytest.raises(InvalidInput) as raised:
        reports.set_explanations(
            world.uow, world.editor, report.id, {"goals": "ok", "goals.count": "12"}
        )
    assert raised.value.problems[0].field == "goals.count"
    assert "goals.count" in str(raised.value.problems[0].message)
    with pytest.raises(Forbidden):
        reports.set_explanations(world.uow, world.viewer, report.id, {"goals": "ok"})
    assert row_counts(world.uow) == before
    item = f"indicator-{built.indicator.id}"
    reports.set_explanations(world.uow, world.editor, report.id, {"goals": " Our goals. "})
    explained = reports.set_explanations(world.uow, world.editor, report.id, {item: "A dip."})
    assert explained.explanations == {"goals": "Our goals.", item: "A dip."}
    assert explained.sections == report.sections, "figures are never edited"


def _signature_holds(document: dict[str, Any]) -> None:
    assert canonical_json(document["content"]) == rfc8785.dumps(document["content"])
    digest = hashlib.sha256(canonical_json(document["content"]))
    signed = document["signature"]
    assert signed["sha256"] == digest.hexdigest()
    raw = base64.urlsafe_b64decode(signed["signature"] + "=" * (-len(signed["signature"]) % 4))
    public_key_from_did(signed["signer_did"]).verify(raw, digest.digest())  # raises if not


def test_a_published_report_is_signed_and_cannot_change(world: World, tmp_path: Path) -> None:
    built = _governed(world)
    report = _create(world, built.scope)
    reports.set_explanations(world.uow, world.editor, report.id, {"goals": "Our goals."})
    with pytest.raises(Forbidden):
        reports.publish_report(world.uow, world.editor, report.id, tmp_path)
    published = reports.publish_report(world.uow, world.owner, report.id, tmp_path)
    assert published.status == "published" and published.signer_did.startswith("did:key:")
    document = reports.document(world.uow, world.outsider, report.id)
    _signature_holds(document)
    assert document["content"]["explanations"] == {"goals": "Our goals."}
    with world.uow:
        stored = world.uow.session.get(TransparencyReport, report.id)
        kept = (stored.sections, stored.explanations, stored.sha256)
        event = world.uow.session.scalars(
            select(Event).where(Event.type == "transparency_report.published")
        ).one()
        assert event.payload["sha256"] == published.sha256
    before = row_counts(world.uow)
    with pytest.raises(Conflict):
        reports.set_explanations(world.uow, world.editor, report.id, {"goals": "Changed."})
    with pytest.raises(Conflict):
        reports.publish_report(world.uow, world.owner, report.id, tmp_path)
    assert row_counts(world.uow) == before
    with world.uow:
        stored = world.uow.session.get(TransparencyReport, report.id)
        assert (stored.sections, stored.explanations, stored.sha256) == kept


def test_a_new_version_supersedes_and_the_old_stays_readable(world: World, tmp_path: Path) -> None:
    built = _governed(world)
    first = _create(world, built.scope)
    with pytest.raises(Conflict):
        reports.supersede_report(world.uow, world.editor, first.id)  # a draft: edit it
    reports.set_explanations(world.uow, world.editor, first.id, {"goals": "First words."})
    reports.publish_report(world.uow, world.owner, first.id, tmp_path)
    second = reports.supersede_report(world.uow, world.editor, first.id)
    assert (second.version, second.supersedes_id, second.status) == (2, first.id, "draft")
    assert second.explanations == {"goals": "First words."}
    with pytest.raises(Conflict):
        reports.supersede_report(world.uow, world.editor, first.id)  # not the latest
    reports.set_explanations(world.uow, world.editor, second.id, {"goals": "Better words."})
    reports.publish_report(world.uow, world.owner, second.id, tmp_path)
    old = reports.document(world.uow, world.outsider, first.id)
    assert old["status"] == "superseded" and old["superseded_by"] == second.id
    assert old["content"]["explanations"] == {"goals": "First words."}
    _signature_holds(old)
    new = reports.document(world.uow, world.outsider, second.id)
    assert new["content"]["supersedes"] == first.id
    _signature_holds(new)


def test_year_over_year_compares_with_the_previous_published_period(
    world: World, tmp_path: Path
) -> None:
    built = _governed(world)
    march = _create(world, built.scope, MARCH)
    april = _create(world, built.scope)
    key = f"indicator-{built.indicator.id}.evaluations"
    unpublished = reports.document(world.uow, world.owner, april.id)
    assert unpublished["previous_report"] is None
    assert unpublished["year_over_year"][key] == {"previous": None, "difference": None}
    reports.publish_report(world.uow, world.owner, march.id, tmp_path)
    compared = reports.document(world.uow, world.owner, april.id)
    assert compared["previous_report"] == march.id
    assert compared["year_over_year"][key] == {"previous": 1, "difference": 2}
    assert compared["year_over_year"]["reviews.count"] == {"previous": 0, "difference": 1}


def test_drafts_and_private_scopes_reports_are_their_members_only(
    world: World, tmp_path: Path
) -> None:
    public = new_scope(world.uow, world.owner, world.business_id, visibility="public")
    private = new_scope(world.uow, world.owner, world.business_id, name="Inner")
    draft = _create(world, public)
    with pytest.raises(NotFound):
        reports.document(world.uow, world.outsider, draft.id)
    assert reports.list_reports(world.uow, world.outsider, public) == []
    reports.publish_report(world.uow, world.owner, draft.id, tmp_path)
    assert [r.id for r in reports.list_reports(world.uow, world.outsider, public)] == [draft.id]
    hidden = _create(world, private)
    reports.publish_report(world.uow, world.owner, hidden.id, tmp_path)
    with pytest.raises(NotFound):
        reports.document(world.uow, world.outsider, hidden.id)


def test_the_document_validates_against_its_schema(world: World, tmp_path: Path) -> None:
    built = _governed(world)
    report = _create(world, built.scope)
    reports.publish_report(world.uow, world.owner, report.id, tmp_path)
    document = reports.document(world.uow, world.outsider, report.id)
    TransparencyDocument.model_validate(document)
    with pytest.raises(ValidationError):
        TransparencyDocument.model_validate({**document, "status": "retracted"})


# ---------------------------------------------------------------- API, pages, PDF


def test_the_api_carries_a_report_through(world: World, database_url: str, tmp_path: Path) -> None:
    built = _governed(world)
    with make_client(database_url, assessor_key_dir=tmp_path) as client:
        editor, owner = bearer(world.tokens["editor"]), bearer(world.tokens["owner"])
        body = {
            "scope_id": built.scope,
            "template": "general",
            "period_start": "2026-04-01",
            "period_end": "2026-04-30",
        }
        assert_problem(
            client.post(
                f"{API}/transparency-reports", json=body | {"template": "x"}, headers=editor
            ),
            422,
            "template",
        )
        assert_problem(
            client.post(
                f"{API}/transparency-reports",
                json=body | {"period_end": "2026-03-01"},
                headers=editor,
            ),
            422,
            "period_end",
        )
        created = ok(client.post(f"{API}/transparency-reports", json=body, headers=editor), 201)
        url = f"{API}/transparency-reports/{created['id']}"
        assert_problem(
            client.put(f"{url}/explanations", json={"goals.count": "9"}, headers=editor),
            422,
            "goals.count",
        )
        ok(client.put(f"{url}/explanations", json={"goals": "Our goals."}, headers=editor))
        assert_problem(client.get(f"{url}/document"), 404)  # a draft: members only
        assert_problem(client.post(f"{url}/publish", headers=editor), 403)
        published = ok(client.post(f"{url}/publish", headers=owner))
        assert published["status"] == "published"
        assert_problem(
            client.put(f"{url}/explanations", json={"goals": "Other."}, headers=editor), 409
        )
        document = ok(client.get(f"{url}/document"))
        _signature_holds(document)
        TransparencyDocument.model_validate(document)
        schema = ok(client.get(f"{API}/schemas/transparency-report.json"))
        assert schema["$id"].endswith("/schemas/transparency-report.json")
        assert set(schema["required"]) >= {"content", "signature", "year_over_year"}
        listed = ok(client.get(f"{API}/scopes/{built.scope}/transparency-reports"))
        assert [r["id"] for r in listed] == [created["id"]]
        second = ok(client.post(f"{url}/supersede", headers=editor), 201)
        assert second["supersedes_id"] == created["id"]


def test_the_pages_draft_explain_publish_and_show_it_in_both_languages(
    world: World, database_url: str, tmp_path: Path
) -> None:
    built = _governed(world)
    with make_client(database_url, assessor_key_dir=tmp_path) as client:
        _signed_in(client, "editor")
        tab = client.get(f"/scopes/{built.scope}/transparency")
        assert tab.status_code == 200
        drafted = client.post(
            f"/scopes/{built.scope}/transparency-reports",
            data={
                "template": "haip",
                "period_start": "2026-04-01",
                "period_end": "2026-04-30",
                "csrf_token": csrf_of(tab),
            },
            follow_redirects=False,
        )
        assert drafted.status_code == 303, drafted.text
        page_path = drafted.headers["location"]
        refused = client.post(
            f"/scopes/{built.scope}/transparency-reports",
            data={
                "template": "haip",
                "period_start": "2026-04-01",
                "period_end": "April",
                "csrf_token": csrf_of(tab),
            },
            headers={"Accept-Language": "en"},
        )
        assert "period_end: a date is asked for (YYYY-MM-DD)" in refused.text
        page = client.get(page_path)
        refused = client.post(
            f"{page_path}/explanations",
            data={"explain-weather": "sunny", "csrf_token": csrf_of(page)},
        )
        assert refused.status_code == 422 and "weather" in refused.text
        saved = client.post(
            f"{page_path}/explanations",
            data={"explain-haip-1": "We test before release.", "csrf_token": csrf_of(page)},
            follow_redirects=False,
        )
        assert saved.status_code == 303
        japanese = client.get(page_path, headers={"Accept-Language": "ja"})
        assert "リスクの特定と評価" in japanese.text and "We test before release." in japanese.text
        english = client.get(page_path, headers={"Accept-Language": "en"})
        assert "Risk identification and evaluation" in english.text
    report_id = int(page_path.rsplit("/", 1)[1])
    reports.publish_report(world.uow, world.owner, report_id, tmp_path)
    with make_client(database_url, assessor_key_dir=tmp_path) as anyone:
        public = anyone.get(page_path, headers={"Accept-Language": "en"})
        assert public.status_code == 200 and "We test before release." in public.text
        assert "did:key:" in public.text and "<textarea" not in public.text


def _signed_in(client: TestClient, who: str) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": f"{who}@example.com", "password": PASSWORD, "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _streams(pdf: bytes) -> list[bytes]:
    """Every compressed stream of the PDF, inflated (object streams hold its
    dictionaries); each read to the end of its own data, whatever bytes end it."""
    streams = []
    for found in re.finditer(rb"(?<!end)stream\r?\n", pdf):
        try:
            streams.append(zlib.decompressobj().decompress(pdf[found.end() :]))
        except zlib.error:
            continue
    return streams


def _pdf_text(pdf: bytes) -> str:
    """The text a PDF shows, read through its fonts' ToUnicode maps: enough for
    a PDF set in one font, as the report's is (no PDF library is at hand)."""
    streams = _streams(pdf)
    glyphs: dict[int, str] = {}
    for stream in streams:
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.DOTALL):
            for code, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                glyphs[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.DOTALL):
            for low, high, text in re.findall(
                rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
            ):
                first = ord(bytes.fromhex(text.decode()).decode("utf-16-be")[0])
                for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                    glyphs[code] = chr(first + offset)

    def decoded(hexes: bytes) -> str:
        text = hexes.decode()
        return "".join(glyphs.get(int(text[i : i + 4], 16), "") for i in range(0, len(text), 4))

    shown = []
    for stream in streams:
        for operand in re.findall(rb"\[(.*?)\]\s*TJ|(<[0-9a-fA-F]+>)\s*Tj", stream, re.DOTALL):
            shown += [decoded(h) for h in re.findall(rb"<([0-9a-fA-F]+)>", b"".join(operand))]
    return "".join(shown)


def test_the_pdf_is_set_in_ipagothic_with_the_japanese_title(
    world: World, database_url: str, tmp_path: Path
) -> None:
    pytest.importorskip("weasyprint")
    built = _governed(world)
    report = _create(world, built.scope)
    reports.set_explanations(world.uow, world.editor, report.id, {"goals": "公平な選考"})
    reports.publish_report(world.uow, world.owner, report.id, tmp_path)
    with make_client(database_url, assessor_key_dir=tmp_path) as client:
        response = client.get(
            f"/transparency-reports/{report.id}.pdf", headers={"Accept-Language": "ja"}
        )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert any(b"/BaseFont /" in part and b"+IPAGothic" in part for part in _streams(pdf))
    text = _pdf_text(pdf)
    assert "透明性報告書" in text and "公平な選考" in text and "目標と許容水準" in text


def test_without_weasyprint_the_pdf_is_unavailable_not_an_error(
    world: World, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # importing it fails
    report = _create(world, new_scope(world.uow, world.owner, world.business_id))
    with make_client(database_url, assessor_key_dir=tmp_path) as client:
        _signed_in(client, "viewer")
        assert client.get(f"/transparency-reports/{report.id}.pdf").status_code == 503
        assert client.get(f"/transparency-reports/{report.id + 1}.pdf").status_code == 404


def test_published_reports_are_in_the_feed_and_the_open_data(
    world: World, database_url: str, tmp_path: Path
) -> None:
    import xml.etree.ElementTree as ElementTree

    from agilegov.disclosure.opendata import public_tables

    built = _governed(world)
    draft = _create(world, built.scope)
    private = _governed(world, "private")
    hidden = _create(world, private.scope)
    client = make_client(database_url)
    atom = "{http://www.w3.org/2005/Atom}"
    empty = ElementTree.fromstring(client.get("/open/reports.atom").content)
    assert empty.findall(f"{atom}entry") == []
    reports.publish_report(world.uow, world.owner, draft.id, tmp_path)
    reports.publish_report(world.uow, world.owner, hidden.id, tmp_path)
    feed = client.get("/open/reports.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    entries = ElementTree.fromstring(feed.content).findall(f"{atom}entry")
    # The private scope's report is in neither.
    assert [e.find(f"{atom}link").get("href").rsplit("/", 1)[1] for e in entries] == [str(draft.id)]
    (table,) = [t for t in public_tables() if t.name == "transparency_reports"]
    from agilegov.disclosure.opendata import licence_of

    with world.uow:
        rows = world.uow.session.execute(table.query(licence_of)).all()
    assert [row.id for row in rows] == [draft.id]
    assert rows[0].record_entry is not None and rows[0].licence == "CC-BY-4.0"
