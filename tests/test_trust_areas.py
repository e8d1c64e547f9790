"""Where trust is needed (report 4.5(1)): trust areas kept by a scope's owner,
assessment plans whose method must meet the area's robustness, and the site's
table of which methods do."""

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from agilegov.assurance import robustness
from agilegov.assurance.models import AssessmentPlan, RobustnessMethod, TrustArea
from agilegov.assurance.robustness import Robustness
from agilegov.assurance.service import (
    ASSESSMENT_PLAN,
    TRUST_AREA,
    robustness_table,
    set_robustness_methods,
)
from agilegov.cli import app
from agilegov.errors import Forbidden, InvalidInput
from agilegov.migrations import upgrade
from agilegov.record.credentials import AttestationMethod
from agilegov.settings import get_settings
from api_helpers import API, assert_problem, ok, world_from_fixture
from builders import World, add, new_scope, site_operator

AREA = {
    "title": "Screening decisions",
    "robustness": "high",
    "reason": "A wrong rejection bars an applicant from work.",
    "relied_on_by": "Applicants and the labour regulator",
}


def _count(world: World, model: Any) -> int:
    with world.uow:
        return world.uow.session.scalar(select(func.count()).select_from(model))


def _plan(area_id: int, method: str) -> dict[str, Any]:
    return {
        "trust_area_id": area_id,
        "method": method,
        "every_months": 12,
        "next_due": date(2027, 3, 1),
    }


def test_the_default_table_grows_stricter_with_the_level() -> None:
    low, medium, high = (robustness.DEFAULT[level] for level in Robustness)
    assert low == set(AttestationMethod) and high < medium < low
    assert robustness.meets("high", "external_audit")
    assert not robustness.meets("high", "peer_review")
    assert robustness.meets("medium", "peer_review")
    assert not robustness.meets("medium", "self_declaration")
    custom = {Robustness.high: {AttestationMethod.peer_review}}
    assert robustness.meets("high", "peer_review", custom)
    assert not robustness.meets("low", "peer_review", custom)


def test_the_owner_declares_a_trust_area_and_an_editor_may_not(world: World) -> None:
    scope = new_scope(world.uow, world.owner, world.business_id)
    area = add(world.uow, world.owner, scope, TRUST_AREA, **AREA)
    assert (area.robustness, area.relied_on_by) == ("high", AREA["relied_on_by"])
    with pytest.raises(Forbidden):
        add(world.uow, world.editor, scope, TRUST_AREA, **{**AREA, "title": "Other"})
    assert _count(world, TrustArea) == 1


def test_a_plan_must_meet_the_areas_robustness_under_the_sites_table(world: World) -> None:
    scope = new_scope(world.uow, world.owner, world.business_id)
    area = add(world.uow, world.owner, scope, TRUST_AREA, **AREA)
    with pytest.raises(InvalidInput) as refused:
        add(world.uow, world.editor, scope, ASSESSMENT_PLAN, **_plan(area.id, "peer_review"))
    assert [problem.field for problem in refused.value.problems] == ["method"]
    assert "external_audit" in str(refused.value)
    assert _count(world, AssessmentPlan) == 0

    with pytest.raises(Forbidden):
        set_robustness_methods(
            world.uow, world.owner, Robustness.high, [AttestationMethod.peer_review]
        )
    assert _count(world, RobustnessMethod) == 0

    operator = site_operator(world.uow)
    changed = set_robustness_methods(
        world.uow,
        operator,
        Robustness.high,
        [AttestationMethod.peer_review, AttestationMethod.external_audit],
    )
    assert changed.customized
    with world.uow:
        table = robustness_table(world.uow.session)
    assert table[Robustness.high] == {
        AttestationMethod.peer_review,
        AttestationMethod.external_audit,
    }
    # The other levels keep the default's methods.
    assert table[Robustness.medium] == robustness.DEFAULT[Robustness.medium]
    plan = add(world.uow, world.editor, scope, ASSESSMENT_PLAN, **_plan(area.id, "peer_review"))
    assert plan.method == "peer_review"


def test_the_api_refuses_bad_input_naming_the_field(
    database_url: str, engine: Engine, world: World
) -> None:
    api = world_from_fixture(database_url, engine, world)
    scope = new_scope(world.uow, world.owner, world.business_id, visibility="public")
    base = f"{API}/scopes/{scope}"
    owner = api.auth("owner")
    area = ok(api.client.post(f"{base}/trust-areas", json=AREA, headers=owner), 201)
    bad_level = api.client.post(
        f"{base}/trust-areas", json={**AREA, "robustness": "utmost"}, headers=owner
    )
    assert_problem(bad_level, 422, "robustness")
    editor = api.client.post(f"{base}/trust-areas", json=AREA, headers=api.auth("editor"))
    assert editor.status_code == 403
    weak = {**_plan(area["id"], "self_declaration"), "next_due": "2027-03-01"}
    assert_problem(
        api.client.post(f"{base}/assessment-plans", json=weak, headers=owner), 422, "method"
    )
    often = {**weak, "method": "external_audit", "every_months": 61}
    assert_problem(
        api.client.post(f"{base}/assessment-plans", json=often, headers=owner), 422, "every_months"
    )
    table = ok(api.client.get(f"{API}/assurance/robustness"))
    assert not table["customized"] and table["levels"][2]["robustness"] == "high"
    refused = api.client.put(
        f"{API}/assurance/robustness/high", json={"methods": ["peer_review"]}, headers=owner
    )
    assert refused.status_code == 403
    empty = api.client.put(f"{API}/assurance/robustness/high", json={"methods": []}, headers=owner)
    assert_problem(empty, 422, "methods")

    plans = f"{base}/assessment-plans"
    ok(api.client.post(plans, json={**often, "every_months": 6}, headers=owner), 201)
    page = api.client.get(f"/scopes/{scope}/trust")
    assert page.status_code == 200, page.text[:300]
    assert AREA["title"] in page.text and AREA["relied_on_by"] in page.text
    assert "overdue" not in page.text
    late = {**often, "every_months": 6, "next_due": "2020-01-01"}
    ok(api.client.post(plans, json=late, headers=owner), 201)
    assert "overdue" in api.client.get(f"/scopes/{scope}/trust").text


def test_the_documented_table_is_the_default() -> None:
    text = (Path(__file__).parents[1] / "docs" / "assurance.md").read_text(encoding="utf-8")
    # The rows of methods: a name and a mark (or none) per level.
    rows = re.findall(r"^\| `(\w+)` \|((?:[ ✓]*\|){2}[ ✓]*)\|$", text, re.M)
    levels = list(Robustness)
    documented = {
        level: {AttestationMethod(name) for name, marks in rows if marks.split("|")[i].strip()}
        for i, level in enumerate(levels)
    }
    assert {name for name, _ in rows} == set(AttestationMethod)
    assert documented == robustness.DEFAULT


def test_the_command_shows_and_sets_the_table(tmp_path: Path, monkeypatch: Any) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    monkeypatch.setenv("AGILEGOV_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        shown = runner.invoke(app, ["assurance", "robustness"])
        assert shown.exit_code == 0, shown.output
        assert "high: external_audit, third_party_certification, third_party_rating" in shown.output
        half = runner.invoke(app, ["assurance", "robustness", "--level", "high"])
        assert half.exit_code == 1
        unknown = ["assurance", "robustness", "--level", "high", "--methods", "hearsay"]
        assert runner.invoke(app, unknown).exit_code == 1
        methods = "external_audit,expert_declaration"
        set_ = runner.invoke(
            app, ["assurance", "robustness", "--level", "high", "--methods", methods]
        )
        assert set_.exit_code == 0, set_.output
        assert "high: external_audit, expert_declaration" in set_.output
        assert "medium: cross_check" in set_.output
    finally:
        get_settings.cache_clear()
