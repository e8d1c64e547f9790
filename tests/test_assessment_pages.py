"""The assessment pages: the form that opens an assessment, the assessment with
its criteria, findings, evidence and improvement actions (each form shown only
to those who may submit it), the scope's public assurance tab, the regulator's
comparison of a requirement's adopters, and the overdue actions on the dashboard."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from agilegov import clock
from agilegov.assurance.schemas import (
    AssessmentComplete,
    AssessmentRead,
    FindingSet,
    ImprovementActionCreate,
)
from agilegov.assurance.service import add_action, complete_assessment, set_finding
from agilegov.design.service import MEASURE
from api_helpers import World, world_from_fixture
from builders import (
    change,
    completed_assessment,
    measure,
    new_scope,
    open_assessment,
    row_counts,
    specific_goal,
)
from web_helpers import browser, field_error, post_form, sign_in

DIGEST = "ab" * 32
LATER = datetime.now(UTC) + timedelta(days=30)


@dataclass
class Assessed:
    site: World
    cast: Any
    assessor_id: int
    scope_id: int
    goal_id: int
    measure_id: int
    assessment: AssessmentRead
    action_id: int


@pytest.fixture
def assessed(database_url: str, engine: Engine, world: Any, assessor: Any) -> Assessed:
    """The business's published scope, peer-reviewed by the outsider's assessor:
    one major nonconformity with its evidence, and an improvement action the
    editor owns, due in ten days."""
    actor, assessor_id, scope_id, _ = assessor
    uow = world.uow
    goal = specific_goal(uow, world.owner, scope_id)
    opened = open_assessment(
        uow, actor, world.owner, assessor_id, scope_id, goal_id=goal.id, method="peer_review"
    )
    evidence = [
        {"kind": "record", "index": 0},
        {"kind": "document", "sha256": DIGEST, "name": "audit-report.pdf"},
    ]
    found = FindingSet.model_validate(
        {"finding": "major", "cause": "measure", "note": "Ratio fell to 0.7", "evidence": evidence}
    )
    set_finding(uow, actor, opened.id, opened.criteria[0].id, found)
    done = complete_assessment(uow, actor, opened.id, AssessmentComplete(result="One major"))
    fix = measure(uow, world.owner, scope_id)
    action = add_action(
        uow,
        world.owner,
        opened.id,
        ImprovementActionCreate(
            criterion_id=opened.criteria[0].id,
            title="Re-weight the training data",
            owner_id=world.editor.user_id,
            due=date.today() + timedelta(days=10),
            becomes="measure_change",
            measure_id=fix.id,
        ),
    )
    site = world_from_fixture(database_url, engine, world)
    return Assessed(site, world, assessor_id, scope_id, goal.id, fix.id, done, action.id)


def _forms(page: str, assessment_id: int) -> set[str]:
    """The forms of the assessment page shown, by the last part of their action."""
    base = f'action="/assessments/{assessment_id}/'
    names = ("findings", "complete", "actions#", "actions/done", "closings", "attestations")
    return {name.rstrip("#") for name in names if base + name in page}


def test_the_assessment_page_shows_criteria_findings_evidence_and_an_overdue_action(
    assessed: Assessed,
) -> None:
    path = f"/assessments/{assessed.assessment.id}"
    with clock.frozen_at(LATER):
        page = browser(assessed.site).get(path)
    assert page.status_code == 200
    text = page.text
    assert "Fair shortlisting" in text and "≥ 0.8 ratio" in text
    assert "Major" in text and "Cause: Measure" in text and "Ratio fell to 0.7" in text
    assert 'href="/api/v1/record/receipts/0"' in text
    assert DIGEST[:12] in text and "audit-report.pdf" in text
    assert "Re-weight the training data" in text and "Editor" in text
    assert "overdue" in text and "open nonconformity" in text
    # Not overdue before its date.
    assert "overdue" not in browser(assessed.site).get(path).text
    japanese = browser(assessed.site).get(path, headers={"Accept-Language": "ja"}).text
    assert "改善措置" in japanese


# Who sees which form on the completed assessment.
FORMS = {
    None: set(),
    "viewer": set(),
    "owner": {"actions", "actions/done"},
    "editor": {"actions", "actions/done"},
    "outsider": {"closings", "attestations"},
}


@pytest.mark.parametrize("who", list(FORMS), ids=lambda who: who or "anonymous")
def test_forms_show_only_to_those_allowed(assessed: Assessed, who: str | None) -> None:
    client = sign_in(assessed.site, who) if who else browser(assessed.site)
    page = client.get(f"/assessments/{assessed.assessment.id}")
    assert _forms(page.text, assessed.assessment.id) == FORMS[who]


def test_those_not_allowed_are_refused_and_nothing_is_stored(assessed: Assessed) -> None:
    path = f"/assessments/{assessed.assessment.id}"
    criterion = assessed.assessment.criteria[0].id
    viewer = sign_in(assessed.site, "viewer")
    owner = sign_in(assessed.site, "owner")
    before = row_counts(assessed.cast.uow)
    refused = {
        "actions": {
            "nonconformity_id": criterion,
            "title": "Another",
            "owner_id": assessed.cast.viewer.user_id,
            "due": "2099-01-01",
            "becomes": "review",
        },
        "actions/done": {"action_id": assessed.action_id, "done_note": "Done", "review_id": 1},
        "closings": {
            "closing_criterion_id": criterion,
            "closing_note": "Fixed",
            "closing_evidence": "record 0",
        },
        "findings": {"criterion_id": criterion, "finding": "conforms"},
    }
    for action, data in refused.items():
        response = post_form(viewer, path, f"{path}/{action}", data)
        assert response.status_code == 403, (action, response.status_code)
    # The scope's owner neither closes the nonconformity nor issues an attestation.
    assert post_form(owner, path, f"{path}/closings", refused["closings"]).status_code == 403
    issued = post_form(owner, path, f"{path}/attestations", {"valid_until": "2099-01-01T00:00:00Z"})
    assert issued.status_code == 403
    assert row_counts(assessed.cast.uow) == before


def test_an_action_is_done_then_the_nonconformity_closed_on_its_evidence(
    assessed: Assessed,
) -> None:
    path = f"/assessments/{assessed.assessment.id}"
    criterion = assessed.assessment.criteria[0].id
    cast = assessed.cast
    change(
        cast.uow, cast.owner, assessed.scope_id, MEASURE, assessed.measure_id, title="Re-weighted"
    )
    editor = sign_in(assessed.site, "editor")
    wrong = post_form(
        editor,
        path,
        f"{path}/actions/done",
        {"action_id": assessed.action_id, "done_note": "Done", "measure_version": "9"},
    )
    assert wrong.status_code == 422 and field_error(wrong, "measure_version")
    done = {"action_id": assessed.action_id, "done_note": "Retrained", "measure_version": "2"}
    assert post_form(editor, path, f"{path}/actions/done", done).status_code == 303
    outsider = sign_in(assessed.site, "outsider")
    closing = {"closing_criterion_id": criterion, "closing_note": "Ratio back at 0.85"}
    before = row_counts(cast.uow)
    bare = post_form(outsider, path, f"{path}/closings", closing | {"closing_evidence": ""})
    assert bare.status_code == 422 and field_error(bare, "closing_evidence")
    typo = post_form(outsider, path, f"{path}/closings", closing | {"closing_evidence": "memo 3"})
    assert typo.status_code == 422 and field_error(typo, "closing_evidence")
    assert row_counts(cast.uow) == before
    closed = post_form(
        outsider, path, f"{path}/closings", closing | {"closing_evidence": "record 1"}
    )
    assert closed.status_code == 303
    page = outsider.get(path).text
    assert "Ratio back at 0.85" in page and 'href="/api/v1/record/receipts/1"' in page
    assert "closings" not in _forms(page, assessed.assessment.id)


def test_findings_are_recorded_while_open_then_it_is_completed(
    assessed: Assessed, assessor: Any
) -> None:
    actor = assessor[0]
    cast = assessed.cast
    opened = open_assessment(
        cast.uow,
        actor,
        cast.owner,
        assessed.assessor_id,
        assessed.scope_id,
        goal_id=assessed.goal_id,
    )
    path = f"/assessments/{opened.id}"
    outsider = sign_in(assessed.site, "outsider")
    assert _forms(outsider.get(path).text, opened.id) == {"findings", "complete"}
    criterion = opened.criteria[0].id
    before = row_counts(cast.uow)
    major = post_form(
        outsider, path, f"{path}/findings", {"criterion_id": criterion, "finding": "major"}
    )
    assert major.status_code == 422 and field_error(major, "cause")
    unknown = post_form(
        outsider,
        path,
        f"{path}/findings",
        {"criterion_id": criterion, "finding": "conforms", "evidence": "record 99999"},
    )
    assert unknown.status_code == 422 and "99999" in field_error(unknown, "evidence")
    assert row_counts(cast.uow) == before
    found = {
        "criterion_id": criterion,
        "finding": "conforms",
        "evidence": f"document {DIGEST} r.pdf",
    }
    assert post_form(outsider, path, f"{path}/findings", found).status_code == 303
    assert post_form(outsider, path, f"{path}/complete", {"result": "Conforms"}).status_code == 303
    page = outsider.get(path).text
    assert "Conforms" in page and "r.pdf" in page
    assert _forms(page, opened.id) == {"attestations"}


def test_the_assessment_form_refuses_bad_input_naming_the_field(assessed: Assessed) -> None:
    cast = assessed.cast
    owner = sign_in(assessed.site, "owner")
    scope = assessed.scope_id
    form = owner.get(f"/assessments/new?scope_id={scope}").text
    goals = form.split('<select id="f-goal_ids"')[1].split("</select>")[0]
    assert f'<option value="{assessed.goal_id}">#{assessed.goal_id} Fair shortlisting' in goals
    good = {
        "assessor_organization_id": cast.business_id,
        "scope_id": scope,
        "method": "self_declaration",
        "coverage": "Everything",
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "independence": "Assessed by the compliance team",
    }
    before = row_counts(cast.uow)
    cases = [
        ({"requirements": "nist-ai-rmf@1.0#NOPE-1"}, "requirements"),
        ({}, "requirements"),
        ({"goal_ids": str(assessed.goal_id), "period_end": "2025-01-01"}, "period_end"),
        ({"goal_ids": str(assessed.goal_id), "method": "peer_review"}, "method"),
        ({"goal_ids": str(assessed.goal_id), "coverage": ""}, "coverage"),
    ]
    for changed, field in cases:
        page = post_form(owner, "/assessments/new", "/assessments", good | changed)
        assert page.status_code == 422, changed
        assert field_error(page, field), (changed, field)
    assert row_counts(cast.uow) == before
    created = post_form(
        owner, "/assessments/new", "/assessments", good | {"goal_ids": str(assessed.goal_id)}
    )
    assert created.status_code == 303 and created.headers["location"].startswith("/assessments/")


def test_the_assurance_tab_is_public_for_a_published_scope(assessed: Assessed) -> None:
    anonymous = browser(assessed.site)
    page = anonymous.get(f"/scopes/{assessed.scope_id}/trust")
    assert page.status_code == 200
    text = page.text
    assert "Assurance" in text and f'href="/assessments/{assessed.assessment.id}"' in text
    assert "Peer review" in text and "Major 1" in text and "FairBench Assurance" in text
    cast = assessed.cast
    private = new_scope(cast.uow, cast.owner, cast.business_id, "Internal")
    assert anonymous.get(f"/scopes/{private}/trust").status_code == 404


def test_the_comparison_lists_adopters_hiding_private_ones_from_outsiders(
    assessed: Assessed,
) -> None:
    cast = assessed.cast
    rules = new_scope(cast.uow, cast.outsider, cast.regulator_id, "Hiring AI rules", "public")
    requirement = specific_goal(cast.uow, cast.outsider, rules, title="Selection parity")
    private = new_scope(cast.uow, cast.owner, cast.business_id, "Internal screening")
    for scope, title in ((assessed.scope_id, "Public parity"), (private, "Private parity")):
        specific_goal(cast.uow, cast.owner, scope, title=title, derives_from_id=requirement.id)
    path = f"/goals/{requirement.id}/assurance"
    tab = browser(assessed.site).get(f"/scopes/{rules}/trust").text
    assert f'href="{path}"' in tab
    anonymous = browser(assessed.site).get(path)
    assert anonymous.status_code == 200
    assert "Selection parity" in anonymous.text and "Ministry" in anonymous.text
    assert "Public parity" in anonymous.text and "Private parity" not in anonymous.text
    assert "Peer review" in anonymous.text
    regulator = sign_in(assessed.site, "outsider").get(path).text
    assert "Public parity" in regulator and "Private parity" in regulator
    assert "Not assessed yet." in regulator


def test_the_dashboard_lists_an_overdue_action_to_its_owner(assessed: Assessed) -> None:
    link = f'href="/assessments/{assessed.assessment.id}#action-{assessed.action_id}"'
    with clock.frozen_at(LATER):
        editor = sign_in(assessed.site, "editor").get("/").text
        viewer = sign_in(assessed.site, "viewer").get("/").text
    assert "Improvement actions overdue" in editor and link in editor
    assert link not in viewer
    assert link not in sign_in(assessed.site, "editor").get("/").text


def test_the_organizations_own_audit_shows_on_the_tab_too(assessed: Assessed) -> None:
    cast = assessed.cast
    done = completed_assessment(
        cast.uow,
        cast.owner,
        cast.owner,
        cast.business_id,
        assessed.scope_id,
        method="internal_audit",
    )
    page = browser(assessed.site).get(f"/scopes/{assessed.scope_id}/trust").text
    assert f'href="/assessments/{done.id}"' in page and "Internal audit" in page
