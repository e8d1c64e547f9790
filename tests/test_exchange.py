"""A scope's whole governance as one document: export, import, and the CLI."""

import copy
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from typer.testing import CliRunner

from agilegov import scoped
from agilegov.analysis.service import RISK
from agilegov.assurance.service import ASSESSMENT_PLAN, TRUST_AREA
from agilegov.auth import SYSTEM, Principal
from agilegov.cli import app
from agilegov.cycle import service as cycle
from agilegov.cycle.rules import Stage, TriggerKind
from agilegov.cycle.schemas import TriggerCreate
from agilegov.db import make_engine, make_session_factory
from agilegov.design.service import MEASURE
from agilegov.errors import Forbidden, InvalidInput
from agilegov.goals.service import ALLOCATION, GOAL, TRADE_OFF
from agilegov.library import service
from agilegov.migrations import upgrade
from agilegov.monitor.schemas import ObservationBatch
from agilegov.monitor.service import ingest
from agilegov.organizations.schemas import OrganizationCreate, UserCreate
from agilegov.organizations.service import create_organization, create_user, principal_for_user
from agilegov.record.service import list_events
from agilegov.scopes.exchange import document_model, export_scope, import_scope
from agilegov.scopes.schemas import ScopeUpdate
from agilegov.scopes.service import update_scope
from agilegov.settings import get_settings
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from builders import (
    add,
    change,
    condition,
    impact,
    indicator,
    measure,
    move,
    new_scope,
    review,
    row_counts,
    specific_goal,
    stakeholder,
    vouch_for,
)

GUIDE = b"""urn: urn:test:risk:library:guide-1
name: Guide
objects:
  framework:
    urn: urn:test:risk:framework:guide-1
    name: Guide 1
    requirement_nodes:
    - {urn: "urn:test:risk:req_node:guide-1:c-3", ref_id: C-3, name: Fairness, assessable: true}
"""


def governed_scope(
    uow: UnitOfWork,
    owner: Principal,
    business_id: int,
    regulator: Principal,
    regulator_id: int,
) -> int:
    """A scope with something of every kind, versions and a cycle with history."""
    rules = new_scope(uow, regulator, regulator_id, "Hiring AI rules", visibility="public")
    requirement = specific_goal(uow, regulator, rules, title="Selection parity")

    scope_id = new_scope(uow, owner, business_id)
    # It follows a framework in the library (once per database), and a measure cites it.
    if not service.list_frameworks(uow):
        service.import_file(uow, SYSTEM, GUIDE, "guide-1.yaml")
    update_scope(uow, owner, scope_id, ScopeUpdate(frameworks=["guide@1"]))
    applicants = stakeholder(uow, owner, scope_id)
    ministry = stakeholder(
        uow, owner, scope_id, name="Ministry", category="regulator", organization_id=regulator_id
    )
    harm = impact(uow, owner, scope_id, applicants.id)
    gain = impact(
        uow,
        owner,
        scope_id,
        ministry.id,
        title="Faster review",
        nature="positive",
        area="efficiency",
        magnitude=2,
    )
    law = condition(uow, owner, scope_id, review_by=date(2030, 1, 10))
    condition(uow, owner, scope_id, title="LLM costs fall", category="technology")
    bias = add(
        uow,
        owner,
        scope_id,
        RISK,
        title="Biased shortlist",
        inherent_likelihood=4,
        inherent_severity=5,
        residual_likelihood=2,
        residual_severity=3,
        treatment="mitigate",
        impact_ids=[harm.id, gain.id],
        condition_ids=[law.id],
    )
    add(
        uow,
        owner,
        scope_id,
        RISK,
        title="Vendor lock-in",
        inherent_likelihood=2,
        inherent_severity=2,
        residual_likelihood=2,
        residual_severity=2,
        treatment="accept",
    )

    wellbeing = add(uow, owner, scope_id, GOAL, title="Well-being", level="ultimate")
    fairness = add(
        uow, owner, scope_id, GOAL, title="Fairness", level="core_value", parent_id=wellbeing.id
    )
    parity = specific_goal(
        uow,
        owner,
        scope_id,
        parent_id=fairness.id,
        derives_from_id=requirement.id,
        acceptable_level=0.85,
        review_by=date(2031, 6, 1),
    )
    errors = specific_goal(
        uow,
        owner,
        scope_id,
        title="Few wrongful rejections",
        parent_id=fairness.id,
        direction="lower_is_better",
        unit="rate",
        acceptable_level=0.05,
        target=0.02,
    )
    # A parent created after its child: the document must still import.
    access = add(
        uow, owner, scope_id, GOAL, title="Equal access", level="core_value", parent_id=fairness.id
    )
    change(uow, owner, scope_id, GOAL, errors.id, parent_id=access.id)
    parity = change(uow, owner, scope_id, GOAL, parity.id, title="Selection-rate parity")
    dropped = specific_goal(uow, owner, scope_id, title="Interview speed")
    scoped.delete_item(uow, owner, scope_id, GOAL, dropped.id)

    ratio = indicator(uow, owner, scope_id, parity.id)
    wrongful = indicator(
        uow,
        owner,
        scope_id,
        errors.id,
        key="wrongful.rejections",
        name="Wrongful rejections",
        window_days=30,
        aggregate="rate",
    )
    start = datetime(2029, 11, 1, tzinfo=UTC)
    batch = ObservationBatch(
        observations=[
            {"indicator": ratio.key, "time": start + timedelta(days=n), "value": 0.9 - n / 10}
            for n in range(3)
        ]
        + [{"indicator": wrongful.key, "time": start, "value": 0.01, "source": "audit"}]
    )
    ingest(uow, owner, batch.rows(), scope_id=scope_id)
    add(uow, owner, scope_id, TRADE_OFF, goal_a_id=parity.id, goal_b_id=errors.id, balance="both")
    add(
        uow,
        owner,
        scope_id,
        ALLOCATION,
        goal_id=parity.id,
        layer="regulation",
        responsible_organization_id=regulator_id,
    )
    add(uow, owner, scope_id, ALLOCATION, goal_id=errors.id, layer="voluntary")
    reweighting = measure(uow, owner, scope_id, goal_ids=[parity.id], risk_ids=[bias.id])
    change(uow, owner, scope_id, MEASURE, reweighting.id, requirements=["guide@1#C-3"])
    measure(
        uow,
        owner,
        scope_id,
        kind="rule",
        rule_layer="provider_user",
        title="Right to a human review",
        status="planned",
        goal_ids=[errors.id, parity.id],
    )
    screening = add(
        uow,
        owner,
        scope_id,
        TRUST_AREA,
        title="Screening decisions",
        robustness="high",
        reason="A biased rejection bars applicants from work.",
        relied_on_by="Applicants and the labour regulator",
        risk_ids=[bias.id],
    )
    add(
        uow,
        owner,
        scope_id,
        ASSESSMENT_PLAN,
        trust_area_id=screening.id,
        method="external_audit",
        every_months=12,
        next_due=date(2030, 6, 1),
    )

    move(uow, owner, scope_id, Stage.goals, Stage.design, Stage.operation)
    cycle.raise_trigger(
        uow,
        owner,
        scope_id,
        TriggerCreate(
            kind=TriggerKind.indicator_breach,
            cause="ratio below 0.85",
            subject_type="indicator",
            subject_id=ratio.id,
            facts={"value": 0.7},
        ),
    )
    review(uow, owner, scope_id, changes=[{"kind": "goal", "id": parity.id, "version": 2}])
    move(uow, owner, scope_id, Stage.design)
    cycle.tick(uow, today=date(2030, 1, 11))  # the law's review-by date has passed
    asked = cycle.raise_trigger(
        uow,
        owner,
        scope_id,
        TriggerCreate(kind=TriggerKind.manual, cause="press report", facts={"loop": "inner"}),
    )
    review(uow, owner, scope_id, summary="Press report answered", resolves=[asked.id])
    return scope_id


@pytest.fixture
def exported(world) -> dict[str, Any]:
    scope_id = governed_scope(
        world.uow, world.owner, world.business_id, world.outsider, world.regulator_id
    )
    return export_scope(world.uow, world.owner, scope_id)


def test_the_document_holds_every_kind(exported) -> None:
    sections = [name for name, field in document_model().model_fields.items() if name != "format"]
    empty = [name for name in sections if not exported[name]]
    assert empty == []
    assert {g["status"] for g in exported["goals"]} == {"active", "retired"}
    assert {t["status"] for t in exported["triggers"]} == {"open", "resolved"}
    assert max(g["version"] for g in exported["goals"]) > 1
    assert max(m["version"] for m in exported["measures"]) > 1


def test_an_imported_scope_exports_the_same_document(world, exported) -> None:
    document = document_model().model_validate(copy.deepcopy(exported))
    imported = import_scope(world.uow, world.owner, world.business_id, document)
    assert (imported.organization_id, imported.name) == (
        world.business_id,
        exported["scope"]["name"],
    )

    again = export_scope(world.uow, world.owner, imported.id)
    assert again == exported

    # The imported scope is live: its cycle carries on where the document left it.
    state = cycle.get_cycle(world.uow, world.viewer, imported.id)
    assert (state.stage, state.inner_iterations) == (Stage.design, 1)
    assert [t.kind for t in state.open_triggers] == [TriggerKind.condition_review_due]


def test_an_import_is_one_record_event(world, exported) -> None:
    before = list_events(world.uow, world.owner, 1000, 0).total
    imported = import_scope(
        world.uow, world.owner, world.business_id, document_model().model_validate(exported)
    )
    events = list_events(world.uow, world.owner, 1000, 0, scope_id=imported.id).items
    assert [e.type for e in events] == ["scope.imported"]
    assert list_events(world.uow, world.owner, 1000, 0).total == before + 1
    assert events[0].payload["counts"]["goals"] == len(exported["goals"])


def _path(loc: tuple[Any, ...]) -> str:
    """A pydantic location as a document path: ('risks', 0, 'title') -> risks[0].title."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def _refusal(world, raw: dict[str, Any]) -> list[str]:
    """Import ``raw``; it must be refused. The field paths of the refusal."""
    try:
        document = document_model().model_validate(raw)
    except ValidationError as error:
        return [_path(item["loc"]) for item in error.errors()]
    with pytest.raises(InvalidInput) as refused:
        import_scope(world.uow, world.editor, world.business_id, document)
    return [problem.field for problem in refused.value.problems]


def _set(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target: Any = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


def _goal_index(document: dict[str, Any], title: str) -> int:
    return next(n for n, goal in enumerate(document["goals"]) if goal["title"] == title)


# What is broken: (where, the bad value, the place the refusal must name).
# "{last}" stands for the index of the last item of that section.
BROKEN = {
    "dangling impact": (("risks", 0, "impact_ids", 0), "impact-99", "risks[0].impact_ids[0]"),
    "impact ref of a wrong kind": (
        ("risks", 0, "impact_ids", 1),
        "condition-1",
        "risks[0].impact_ids[1]",
    ),
    "dangling parent": (("goals", 1, "parent_id"), "goal-42", "goals[1].parent_id"),
    "dangling indicator": (
        ("observations", 0, "indicator"),
        "indicator-9",
        "observations[0].indicator",
    ),
    "dangling trigger subject": (("triggers", 0, "subject"), "indicator-9", "triggers[0].subject"),
    "dangling change": (
        ("reviews", 0, "changes", 0, "ref"),
        "goal-77",
        "reviews[0].changes[0].ref",
    ),
    "dangling review, last in the document": (
        ("transitions", -1, "review"),
        "review-9",
        "transitions[{last}].review",
    ),
    "bad likelihood type": (
        ("risks", 0, "inherent_likelihood"),
        "very",
        "risks[0].inherent_likelihood",
    ),
    "likelihood off the matrix": (
        ("risks", 0, "inherent_likelihood"),
        6,
        "risks[0].inherent_likelihood",
    ),
    "bad citation type": (
        ("measures", 0, "requirements", 0),
        {"a": 1},
        "measures[0].requirements[0]",
    ),
    "bad observation value": (("observations", 0, "value"), "high", "observations[0].value"),
    "observation not a number": (
        ("observations", 0, "value"),
        float("nan"),
        "observations[0].value",
    ),
    "observation infinite": (("observations", 1, "value"), float("inf"), "observations[1].value"),
    "bad time": (("triggers", 0, "opened_at"), "yesterday", "triggers[0].opened_at"),
    "bad stage": (("cycle", "stage"), "limbo", "cycle.stage"),
    "overlong trigger subject type": (
        ("triggers", 2, "subject_type"),
        "x" * 40,
        "triggers[2].subject_type",
    ),
    "unknown goal field": (("goals", 0, "colour"), "red", "goals[0].colour"),
    "unknown review field": (("reviews", 0, "mood"), "calm", "reviews[0].mood"),
    "unknown scope field": (("scope", "owner"), "me", "scope.owner"),
    "unknown section": (("colour",), "red", "colour"),
    "no versions": (("measures", 0, "versions"), [], "measures[0].versions"),
    "version beyond those kept": (("measures", 0, "version"), 10**6, "measures[0].versions"),
    "a measure's status on a goal": (("goals", 0, "status"), "implemented", "goals[0].status"),
    "a goal's status on a measure": (("measures", 0, "status"), "active", "measures[0].status"),
    "duplicate ref": (("stakeholders", 1, "ref"), "stakeholder-1", "stakeholders[1].ref"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_document_is_refused_naming_the_place(world, exported, case) -> None:
    path, value, place = BROKEN[case]
    raw = copy.deepcopy(exported)
    _set(raw, path, value)
    before = row_counts(world.uow)
    assert _refusal(world, raw) == [place.format(last=len(raw[path[0]]) - 1)]
    assert row_counts(world.uow) == before


def test_a_repeated_observation_is_refused(world, exported) -> None:
    raw = copy.deepcopy(exported)
    raw["observations"].append(copy.deepcopy(raw["observations"][0]))
    before = row_counts(world.uow)
    assert _refusal(world, raw) == [f"observations[{len(raw['observations']) - 1}]"]
    assert row_counts(world.uow) == before


def test_a_rule_broken_inside_the_document_is_refused(world, exported) -> None:
    raw = copy.deepcopy(exported)
    parity = _goal_index(raw, "Selection-rate parity")
    raw["goals"][parity]["acceptable_level"] = 0.5  # weaker than the regulator's 0.8
    before = row_counts(world.uow)
    assert _refusal(world, raw) == [f"goals[{parity}].acceptable_level"]
    assert row_counts(world.uow) == before


def test_a_goal_cannot_be_its_own_ancestor_in_a_document(world, exported) -> None:
    raw = copy.deepcopy(exported)
    top, below = _goal_index(raw, "Well-being"), _goal_index(raw, "Fairness")
    raw["goals"][top]["level"] = "core_value"
    raw["goals"][top]["parent_id"] = raw["goals"][below]["ref"]
    before = row_counts(world.uow)
    # Whichever of the two links closes the loop is the one refused.
    [field] = _refusal(world, raw)
    assert field in {f"goals[{top}].parent_id", f"goals[{below}].parent_id"}
    assert row_counts(world.uow) == before


def test_only_an_editor_imports(world, exported) -> None:
    before = row_counts(world.uow)
    with pytest.raises(Forbidden):
        import_scope(
            world.uow, world.reviewer, world.business_id, document_model().model_validate(exported)
        )
    assert row_counts(world.uow) == before
    # Trust areas are the owner's to decide: an editor's import that holds them is refused.
    assert exported["trust_areas"]
    with pytest.raises(Forbidden):
        import_scope(
            world.uow, world.editor, world.business_id, document_model().model_validate(exported)
        )
    assert row_counts(world.uow) == before


# ---------------------------------------------------------------- the CLI


@pytest.fixture
def cli_database(tmp_path, monkeypatch) -> Iterator[UnitOfWork]:
    """A migrated SQLite file that the ``agilegov`` command is pointed at."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    monkeypatch.setenv("AGILEGOV_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    yield UnitOfWork(make_session_factory(engine))
    engine.dispose()
    get_settings.cache_clear()


def _organization(uow: UnitOfWork, slug: str, kind: str) -> tuple[Principal, int]:
    user = create_user(
        uow, UserCreate(email=f"{slug}@example.com", name=slug.title(), password="a-long-password")
    )
    with uow:
        person = principal_for_user(uow.session, user.id)
    organization = create_organization(
        uow, person, OrganizationCreate(slug=slug, name=slug.title(), kind=kind)
    )
    if kind == "government":
        vouch_for(uow, organization.id)
    with uow:
        return principal_for_user(uow.session, user.id), organization.id


def _said(result: Any) -> str:
    """What the command printed, with Rich's line wrapping undone."""
    return " ".join((result.stdout + result.stderr).split())


def test_the_cli_exports_and_imports_a_scope(cli_database, tmp_path) -> None:
    uow = cli_database
    owner, business_id = _organization(uow, "hireright", "business")
    regulator, regulator_id = _organization(uow, "ministry", "government")
    scope_id = governed_scope(uow, owner, business_id, regulator, regulator_id)
    runner = CliRunner()

    first = tmp_path / "first.json"
    result = runner.invoke(app, ["export", str(scope_id), "--output", str(first)])
    assert result.exit_code == 0, _said(result)
    assert json.loads(first.read_text()) == export_scope(uow, owner, scope_id)

    result = runner.invoke(app, ["import", str(first), "--organization", str(business_id)])
    assert result.exit_code == 0, _said(result)
    with uow:
        new_id = uow.session.scalar(select(func.max(Scope.id)))
    assert new_id != scope_id
    assert f"imported as scope {new_id}" in _said(result)

    second = tmp_path / "second.json"
    result = runner.invoke(app, ["export", str(new_id), "-o", str(second)])
    assert result.exit_code == 0, _said(result)
    assert json.loads(second.read_text()) == json.loads(first.read_text())

    result = runner.invoke(app, ["export", str(new_id)])  # to standard output
    assert json.loads(result.stdout) == json.loads(first.read_text())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{ not json", "not JSON"),
        (b"\xff\xfe\x00", "not JSON"),
        ('{"format": "agilegov.scope/1"}', "scope: Field required"),
    ],
    ids=["missing", "not json", "not text", "incomplete"],
)
def test_the_cli_refuses_a_bad_file(cli_database, tmp_path, content, message) -> None:
    _, business_id = _organization(cli_database, "hireright", "business")
    file = tmp_path / "scope.json"
    if isinstance(content, bytes):
        file.write_bytes(content)
    elif content is not None:
        file.write_text(content)
    before = row_counts(cli_database)
    result = CliRunner().invoke(app, ["import", str(file), "--organization", str(business_id)])
    assert result.exit_code == 1
    said = _said(result)
    assert said.startswith("error:")
    assert message in said
    assert "Traceback" not in said
    assert row_counts(cli_database) == before


def test_the_cli_names_the_place_of_a_dangling_ref(cli_database, tmp_path) -> None:
    uow = cli_database
    owner, business_id = _organization(uow, "hireright", "business")
    regulator, regulator_id = _organization(uow, "ministry", "government")
    raw = export_scope(uow, owner, governed_scope(uow, owner, business_id, regulator, regulator_id))
    raw["risks"][0]["impact_ids"][0] = "impact-99"
    file = tmp_path / "scope.json"
    file.write_text(json.dumps(raw))
    before = row_counts(uow)
    result = CliRunner().invoke(app, ["import", str(file), "--organization", str(business_id)])
    assert result.exit_code == 1
    assert "risks[0].impact_ids[0]" in _said(result)
    assert row_counts(uow) == before


def test_the_cli_refuses_to_export_an_unknown_scope(cli_database) -> None:
    result = CliRunner().invoke(app, ["export", "4242"])
    assert result.exit_code == 1
    assert "scope 4242 not found" in _said(result)
