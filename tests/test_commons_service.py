"""Incidents and the commons on real databases: the foreseeable rule and the
trigger an incident opens; the path on both branches, allowed and refused;
reports a regulator's clocks ask for; sanctions suspending attestations;
deadlines told once; sharing refused while it names the organization,
corrections in the open; signals reaching exactly the scopes above their
threshold; dismissals; imports with their licence; the figures a regulator's
report reads."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from agilegov import clock
from agilegov.analysis.service import RISK
from agilegov.commons import service
from agilegov.commons.models import CommonsSignal, SharedIncident
from agilegov.commons.path import Action, Branch, Consequence, Status
from agilegov.commons.schemas import (
    ChannelChoice,
    Compensation,
    Correction,
    Dismissal,
    ImportSource,
    IncidentCreate,
    Note,
    Pledge,
    ReportFiling,
    ReportingRuleSet,
    Retraction,
    Sanction,
    ShareInput,
    SubscriptionSet,
)
from agilegov.cycle import service as cycle
from agilegov.cycle.models import Trigger
from agilegov.cycle.rules import Loop, TriggerKind
from agilegov.cycle.schemas import TriggerCreate
from agilegov.design.service import MEASURE
from agilegov.errors import Conflict, Forbidden, InvalidInput, NotFound
from agilegov.notify.models import Notification
from agilegov.record.models import Event
from agilegov.regulation.channels import open_channel
from agilegov.regulation.models import RiskReport
from agilegov.regulation.schemas import ReportingChannelCreate
from agilegov.scoped import update_item
from builders import (
    World,
    add,
    measure,
    move,
    new_scope,
    review,
    row_counts,
    site_operator,
    to_operation,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "incidents"
NOW = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)  # Monday 1 March 2027 in Japan
TODAY = date(2027, 3, 1)
RESUME = (
    "Résumés carried hidden instructions in white text; the ranking model read them "
    "and moved those candidates to the top of the shortlist."
)


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with clock.frozen_at(NOW):
        yield


def _risk(world: World, scope_id: int, title: str = "Biased ranking of applicants") -> int:
    return add(
        world.uow,
        world.owner,
        scope_id,
        RISK,
        title=title,
        description="The ranking favours some groups.",
        inherent_likelihood=3,
        inherent_severity=4,
        residual_likelihood=2,
        residual_severity=3,
        treatment="mitigate",
    ).id


def _incident(**changes: Any) -> IncidentCreate:
    values: dict[str, Any] = {
        "title": "Hidden instructions in résumés pushed candidates up the ranking",
        "description": RESUME,
        "occurred_on": "2027-02-20",
        "discovered_on": "2027-02-26",
        "harms": [
            {"type": "fairness", "severity": "serious", "affected": "applicants", "count": 340}
        ],
        "systems": [{"name": "Shortlist ranker", "kind": "ranking"}],
        "techniques": ["AML.T0051.001"],
    }
    return IncidentCreate.model_validate(values | changes)


def _channel(world: World) -> int:
    return open_channel(
        world.uow,
        world.outsider,
        ReportingChannelCreate(
            organization_id=world.regulator_id,
            title="AI incidents",
            what="Serious incidents of AI systems",
            who="Providers and deployers",
            hours_to_report=72,
        ),
    ).id


def _trigger(world: World, trigger_id: int) -> Trigger:
    with world.uow:
        trigger = world.uow.session.get(Trigger, trigger_id)
        assert trigger is not None
        world.uow.session.expunge(trigger)
        return trigger


# ---------------------------------------------------------------- recording


def test_linked_risks_make_it_foreseeable_and_the_inner_loop(world: World) -> None:
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    risk_id = _risk(world, scope_id)
    incident = service.record_incident(
        world.uow, world.editor, scope_id, _incident(risk_ids=[risk_id])
    )
    assert incident.foreseeable and incident.branch is Branch.foreseeable
    assert incident.status is Status.open and incident.risk_ids == [risk_id]
    # Offering compensation is due 30 days after discovery.
    assert incident.due_on == date(2027, 2, 26) + timedelta(days=30)
    trigger = _trigger(world, incident.trigger_id or 0)
    assert (trigger.kind, trigger.loop) == ("incident", "inner")
    assert (trigger.subject_type, trigger.subject_id) == ("incident", incident.id)
    assert trigger.facts["foreseeable"] is True and trigger.facts["risk_ids"] == [risk_id]


def test_no_linked_risk_is_unforeseen_and_the_outer_loop(world: World) -> None:
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    _risk(world, scope_id)  # in the register, but not what happened
    incident = service.record_incident(world.uow, world.editor, scope_id, _incident())
    assert not incident.foreseeable and incident.branch is Branch.unforeseeable
    assert _trigger(world, incident.trigger_id or 0).loop == Loop.outer
    assert [step.action for step in incident.steps] == ["recorded"]
    with world.uow:
        event = world.uow.session.scalars(
            select(Event).where(Event.type == "incident.recorded")
        ).one()
        assert event.payload_salt is not None and event.organization_id == world.business_id


def test_an_incident_trigger_is_never_opened_by_hand(world: World) -> None:
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    before = row_counts(world.uow)
    for kind in (TriggerKind.incident, TriggerKind.commons_signal):
        with pytest.raises(InvalidInput) as refused:
            cycle.raise_trigger(
                world.uow,
                world.editor,
                scope_id,
                TriggerCreate(kind=kind, cause="x", facts={"foreseeable": True}),
            )
        assert refused.value.problems[0].field == "kind"
    assert row_counts(world.uow) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"risk_ids": [999_999]}, "risk_ids[0]"),
        ({"discovered_on": "2027-03-02", "occurred_on": "2027-03-01"}, "discovered_on"),
        ({"channel_id": 999_999}, "channel_id"),
    ],
)
def test_bad_incidents_are_refused_and_store_nothing(
    world: World, changes: dict[str, Any], field: str
) -> None:
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    before = row_counts(world.uow)
    with pytest.raises(InvalidInput) as refused:
        service.record_incident(world.uow, world.editor, scope_id, _incident(**changes))
    assert refused.value.problems[0].field == field
    assert row_counts(world.uow) == before


def test_a_risk_of_another_scope_is_not_in_this_register(world: World) -> None:
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    other = new_scope(world.uow, world.owner, world.business_id, "Chat assistant")
    foreign = _risk(world, other)
    with pytest.raises(InvalidInput):
        service.record_incident(world.uow, world.editor, scope_id, _incident(risk_ids=[foreign]))


def test_readers_and_writers(world: World) -> None:
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    with pytest.raises(Forbidden):
        service.record_incident(world.uow, world.viewer, scope_id, _incident())
    incident = service.record_incident(world.uow, world.editor, scope_id, _incident())
    assert service.get_incident(world.uow, world.viewer, incident.id).id == incident.id
    # The regulator's people see nothing until it is reported to them.
    with pytest.raises(NotFound):
        service.get_incident(world.uow, world.outsider, incident.id)
    service.report_to(
        world.uow, world.editor, incident.id, ChannelChoice(channel_id=_channel(world))
    )
    assert service.get_incident(world.uow, world.outsider, incident.id).channel_id is not None


# ---------------------------------------------------------------- the review says what changed


def test_the_review_settling_an_incident_names_the_risks_of_the_register(world: World) -> None:
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    risk_id = _risk(world, scope_id)
    to_operation(world.uow, world.owner, scope_id)
    incident = service.record_incident(world.uow, world.editor, scope_id, _incident())
    with pytest.raises(InvalidInput) as refused:
        review(world.uow, world.reviewer, scope_id, resolves=[incident.trigger_id])
    assert refused.value.problems[0].field == "risks"
    # Leaving evaluation settles every trigger: the visit's review must name risks too.
    review(world.uow, world.reviewer, scope_id)
    with pytest.raises(InvalidInput) as refused:
        move(world.uow, world.editor, scope_id, "analysis")
    assert "register" in str(refused.value)
    new_risk = _risk(world, scope_id, "Instructions hidden in applicant documents")
    review(world.uow, world.reviewer, scope_id, risks=[new_risk, risk_id])
    assert move(world.uow, world.editor, scope_id, "analysis").stage == "analysis"
    assert _trigger(world, incident.trigger_id or 0).status == "resolved"
    with pytest.raises(InvalidInput) as refused:
        review(world.uow, world.reviewer, scope_id, risks=[999_999])
    assert refused.value.problems[0].field == "risks[0]"


# ---------------------------------------------------------------- the foreseeable path


def test_foreseeable_path_informs_then_compensates(world: World) -> None:
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    incident = service.record_incident(
        world.uow, world.editor, scope_id, _incident(risk_ids=[_risk(world, scope_id)])
    )
    offer = Compensation(note="A human review and a new interview for every applicant affected")
    # Unforeseeable moves are refused on this branch.
    with pytest.raises(InvalidInput) as refused:
        service.cooperate(world.uow, world.editor, incident.id, Note())
    assert refused.value.problems[0].field == "branch"
    offered = service.offer_compensation(world.uow, world.editor, incident.id, offer)
    assert offered.status is Status.compensating
    with pytest.raises(InvalidInput) as refused:
        service.compensate(world.uow, world.editor, incident.id, offer)
    assert refused.value.problems[0].field == "affected_informed"
    service.inform_affected(world.uow, world.editor, incident.id, Note(note="Mail to all 340"))
    with pytest.raises(InvalidInput):
        service.inform_affected(world.uow, world.editor, incident.id, Note())
    done = service.compensate(world.uow, world.editor, incident.id, offer)
    assert done.status is Status.compensated and done.due_on is None
    assert done.affected_informed_on == TODAY
    with pytest.raises(Conflict):
        service.offer_compensation(world.uow, world.editor, incident.id, offer)
    assert [s.action for s in done.steps] == [
        "recorded",
        "offer_compensation",
        "inform_affected",
        "compensate",
    ]
    with pytest.raises(Forbidden):
        service.offer_compensation(world.uow, world.viewer, incident.id, offer)


# ---------------------------------------------------------------- the unforeseeable path


def _reported(world: World, **changes: Any) -> tuple[int, Any]:
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    channel_id = _channel(world)
    incident = service.record_incident(
        world.uow, world.editor, scope_id, _incident(channel_id=channel_id, **changes)
    )
    return scope_id, incident


def test_unforeseen_path_cooperation_pledge_deferral_completion(world: World) -> None:
    scope_id, incident = _reported(world)
    kept = measure(world.uow, world.owner, scope_id, title="Strip hidden text from résumés")
    # The channel's own hours (72) ask for an initial report in 3 days.
    assert [(r.kind, r.due_on) for r in incident.reports] == [("initial", date(2027, 3, 1))]
    reported = service.file_report(
        world.uow,
        world.editor,
        incident.id,
        ReportFiling(kind="initial", description="What we know so far"),
    )
    assert reported.regulator_informed_on == TODAY and reported.reports[0].filed_at is not None
    assert not reported.reports[0].late
    with world.uow:
        filed = world.uow.session.get(RiskReport, reported.reports[0].risk_report_id)
        assert filed is not None and filed.channel_id == incident.channel_id
        assert filed.severity == "high"  # the worst harm is serious
    with pytest.raises(Forbidden):  # the owner cannot defer its own sanctions
        service.defer(world.uow, world.editor, incident.id, Note())
    service.cooperate(world.uow, world.editor, incident.id, Note(note="Logs handed over"))
    with pytest.raises(InvalidInput) as refused:
        service.pledge(
            world.uow,
            world.editor,
            incident.id,
            Pledge(
                note="p", items=[{"measure_id": 999_999, "change": "x", "due_on": "2027-04-01"}]
            ),
        )
    assert refused.value.problems[0].field == "items[0].measure_id"
    pledged = service.pledge(
        world.uow,
        world.editor,
        incident.id,
        Pledge(
            note="We will sanitise every document before ranking",
            items=[{"measure_id": kept.id, "change": "strip hidden text", "due_on": "2027-05-31"}],
        ),
    )
    assert pledged.status is Status.pledged and pledged.pledge[0].pledged_version == 1
    deferred = service.defer(world.uow, world.outsider, incident.id, Note(note="Deferred"))
    assert deferred.status is Status.deferred
    with pytest.raises(InvalidInput) as refused:
        service.complete(world.uow, world.outsider, incident.id, Note())
    assert refused.value.problems[0].field == "pledge_items_done"
    # The measure's next version carries the pledge out.
    update_item(
        world.uow,
        world.owner,
        scope_id,
        MEASURE,
        kept.id,
        MEASURE.update(title="Strip hidden text and instructions"),
    )
    done = service.complete(world.uow, world.outsider, incident.id, Note(note="Pledge kept"))
    assert done.status is Status.completed and done.pledge[0].done_version == 2
    with world.uow:
        told = world.uow.session.scalars(
            select(Notification.kind).where(Notification.kind.like("incident.%"))
        ).all()
    assert "incident.defer" in told and "incident.complete" in told


def test_a_sanction_suspends_the_attestations_through_their_status_list(
    world: World, assessor: tuple[Any, int, int, Path]
) -> None:
    from test_engagements import _attestation

    _, _, scope_id, _ = assessor
    attestation = _attestation(world, assessor)
    channel_id = _channel(world)
    incident = service.record_incident(
        world.uow, world.editor, scope_id, _incident(channel_id=channel_id)
    )
    with pytest.raises(Conflict):  # nothing pledged, nothing to break
        service.sanction(
            world.uow,
            world.outsider,
            incident.id,
            Action.break_pledge,
            Sanction(consequence="public_notice", note="x"),
        )
    sanctioned = service.sanction(
        world.uow,
        world.refresh("outsider"),
        incident.id,
        Action.refuse_cooperation,
        Sanction(consequence=Consequence.attestation_suspended, note="No logs after 30 days"),
    )
    assert sanctioned.status is Status.sanctioned
    assert sanctioned.consequence is Consequence.attestation_suspended
    assert sanctioned.steps[-1].details["attestations_suspended"] == [attestation.id]
    from agilegov.assurance.models import Attestation

    with world.uow:
        row = world.uow.session.get(Attestation, attestation.id)
        assert row is not None and row.suspended_at is not None
        assert f"incident #{incident.id}" in (row.suspension_reason or "")


def test_clauses_set_the_reports_due(world: World) -> None:
    channel_id = _channel(world)
    eu = ReportingRuleSet.model_validate(
        {
            "name": "EU AI Act Article 73",
            "clauses": [
                {"name": "73(2)", "applies_when": "any", "initial_days": 15, "complete_days": 30},
                {"name": "73(4)", "applies_when": "death", "initial_days": 10, "complete_days": 30},
                {
                    "name": "73(3)",
                    "applies_when": "widespread",
                    "initial_days": 2,
                    "complete_days": 30,
                },
            ],
        }
    )
    with pytest.raises(Forbidden):
        service.set_reporting_rule(world.uow, world.owner, channel_id, eu)
    service.set_reporting_rule(world.uow, world.outsider, channel_id, eu)
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    discovered = date(2027, 2, 26)
    cases = [
        ({}, 15, "73(2)"),
        ({"harms": [{"type": "safety", "severity": "fatal", "count": 1}]}, 10, "73(4)"),
        ({"widespread": True}, 2, "73(3)"),
    ]
    for changes, days, clause in cases:
        incident = service.record_incident(
            world.uow, world.editor, scope_id, _incident(channel_id=channel_id, **changes)
        )
        initial, complete = incident.reports
        assert (initial.kind, initial.due_on, initial.clause) == (
            "initial",
            discovered + timedelta(days=days),
            clause,
        )
        assert (complete.kind, complete.due_on) == ("complete", discovered + timedelta(days=30))
    bad = {"name": "x", "clauses": [{"name": "a", "applies_when": "sometimes", "initial_days": 2}]}
    with pytest.raises(InvalidInput) as refused:
        service.set_reporting_rule(
            world.uow, world.outsider, channel_id, ReportingRuleSet.model_validate(bad)
        )
    assert refused.value.problems[0].field == "clauses[0].applies_when"


def test_missed_deadlines_are_told_once(world: World) -> None:
    _, incident = _reported(world)
    assert service.act_on_missed_deadlines(world.uow) == 0
    with clock.frozen_at(NOW + timedelta(days=20)):
        assert service.act_on_missed_deadlines(world.uow) == 1
        assert service.act_on_missed_deadlines(world.uow) == 0
        late = service.get_incident(world.uow, world.editor, incident.id)
    assert late.steps[-1].action == "overdue"
    assert set(late.steps[-1].details["missed"]) == {
        "inform_affected",
        "inform_regulator",
        "initial_report",
    }


# ---------------------------------------------------------------- sharing and the commons


def _subscribe(world: World, scope_id: int, **changes: Any) -> None:
    values = {"system_kinds": ["ranking"], "techniques": [], "harm_types": ["fairness"]}
    service.set_subscription(
        world.uow, world.owner, scope_id, SubscriptionSet.model_validate(values | changes)
    )


def test_sharing_refuses_what_names_the_organization_then_publishes(world: World) -> None:
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    incident = service.record_incident(
        world.uow,
        world.editor,
        scope_id,
        _incident(description=RESUME + " HireRight's team found it on 26 February 2027."),
    )
    proposal = service.share_proposal(world.uow, world.editor, incident.id)
    assert "HireRight" not in proposal.description and proposal.identifying == []
    assert proposal.occurred == "2027-02" and proposal.harms[0]["count"] == "100-999"
    before = row_counts(world.uow)
    with pytest.raises(InvalidInput) as refused:
        service.share_incident(
            world.uow,
            world.owner,
            incident.id,
            ShareInput(title=proposal.title, description="At HireRight, " + proposal.description),
        )
    assert refused.value.problems[0].field == "description"
    assert row_counts(world.uow) == before
    with pytest.raises(Forbidden):  # an editor proposes; the owner shares
        service.share_incident(
            world.uow, world.editor, incident.id, ShareInput(title="t", description="d")
        )
    shared = service.share_incident(
        world.uow,
        world.owner,
        incident.id,
        ShareInput(title=proposal.title, description=proposal.description),
    )
    assert shared.licence == "CC-BY-4.0" and shared.source == "platform"
    assert shared.foreseeable is False and shared.techniques == ["AML.T0051.001"]
    with world.uow:
        event = world.uow.session.scalars(
            select(Event).where(Event.type == "shared_incident.published")
        ).one()
        assert (
            event.payload_salt is None and event.organization_id is None and event.actor_id is None
        )
    with pytest.raises(Conflict):
        service.share_incident(
            world.uow, world.owner, incident.id, ShareInput(title="t", description="d")
        )
    # A correction is a new version; the first stays readable. Never silently deleted.
    with pytest.raises(Forbidden):
        service.correct_shared(
            world.uow, world.outsider, shared.id, Correction(title="Other", reason="mine")
        )
    corrected = service.correct_shared(
        world.uow, world.owner, shared.id, Correction(title="A clearer title", reason="clarity")
    )
    assert corrected.version == 2
    retracted = service.retract_shared(
        world.uow, world.owner, shared.id, Retraction(reason="Shared twice by mistake")
    )
    versions = service.shared_versions(world.uow, shared.id)
    assert [(v.version, v.reason) for v in versions] == [
        (1, ""),
        (2, "clarity"),
        (3, "Shared twice by mistake"),
    ]
    assert versions[0].content["title"] == proposal.title
    assert retracted.status == "retracted"
    assert service.list_shared(world.uow, 10, 0).total == 1


def test_signals_reach_exactly_the_scopes_above_their_threshold(world: World) -> None:
    sharer = new_scope(world.uow, world.owner, world.business_id)
    _subscribe(world, sharer)  # its own scope is never signalled
    similar = new_scope(world.uow, world.owner, world.business_id, "Applicant ranking")
    _subscribe(world, similar, techniques=["AML.T0051.001"])
    _risk(world, similar, "Manipulated applicant documents change the ranking")
    strict = new_scope(world.uow, world.owner, world.business_id, "Another ranking")
    _subscribe(world, strict, techniques=["AML.T0051.001"], threshold=0.99)
    unrelated = new_scope(world.uow, world.owner, world.business_id, "Warehouse robots")
    _subscribe(world, unrelated, system_kinds=["robotics"], harm_types=["safety"])
    incident = service.record_incident(world.uow, world.editor, sharer, _incident())
    proposal = service.share_proposal(world.uow, world.editor, incident.id)
    shared = service.share_incident(
        world.uow,
        world.owner,
        incident.id,
        ShareInput(title=proposal.title, description=proposal.description),
    )
    with world.uow:
        signals = world.uow.session.scalars(select(CommonsSignal)).all()
        assert [s.scope_id for s in signals] == [similar]
        signal_id, trigger_id = signals[0].id, signals[0].trigger_id
        facets = {reason["facet"] for reason in signals[0].reasons}
        assert {"system_kinds", "harm_types"} <= facets
        trigger = world.uow.session.get(Trigger, trigger_id)
        assert trigger is not None and (trigger.kind, trigger.loop) == ("commons_signal", "outer")
        assert trigger.facts["shared_incident_id"] == shared.id
    listed = service.list_signals(world.uow, world.viewer, similar, 10, 0)
    assert [s.status for s in listed.items] == ["open"]
    with pytest.raises(NotFound):
        service.get_signal(world.uow, world.outsider, signal_id)
    with pytest.raises(Forbidden):
        service.dismiss_signal(world.uow, world.viewer, signal_id, Dismissal(reason="no"))
    dismissed = service.dismiss_signal(
        world.uow, world.reviewer, signal_id, Dismissal(reason="Our ranker reads no free text")
    )
    assert dismissed.status == "dismissed" and dismissed.reason.startswith("Our ranker")
    assert _trigger(world, trigger_id or 0).status == "resolved"
    with pytest.raises(Conflict):
        service.dismiss_signal(world.uow, world.reviewer, signal_id, Dismissal(reason="again"))


def test_a_signal_reviewed_in_the_cycle_reads_reviewed(world: World) -> None:
    sharer = new_scope(world.uow, world.owner, world.business_id)
    similar = new_scope(world.uow, world.owner, world.business_id, "Applicant ranking")
    _subscribe(world, similar, techniques=["AML.T0051.001"])
    incident = service.record_incident(world.uow, world.editor, sharer, _incident())
    proposal = service.share_proposal(world.uow, world.editor, incident.id)
    service.share_incident(
        world.uow,
        world.owner,
        incident.id,
        ShareInput(title=proposal.title, description=proposal.description),
    )
    signal = service.list_signals(world.uow, world.viewer, similar, 10, 0).items[0]
    review(world.uow, world.reviewer, similar, resolves=[signal.trigger_id])
    assert service.get_signal(world.uow, world.viewer, signal.id).status == "reviewed"


# ---------------------------------------------------------------- imports


def _data(name: str) -> Path:
    if not DATA.is_dir():
        pytest.skip("../shared/data is absent")
    return DATA / name


def test_atlas_and_avid_imports_mark_their_licence(world: World) -> None:
    atlas = _data("atlas/ATLAS.yaml").read_bytes()
    operator = site_operator(world.uow)
    with pytest.raises(Forbidden):
        service.import_shared(world.uow, world.owner, ImportSource.atlas, [atlas])
    result = service.import_shared(world.uow, operator, ImportSource.atlas, [atlas])
    assert (result.added, result.corrected, result.unchanged) == (57, 0, 0)
    again = service.import_shared(world.uow, operator, ImportSource.atlas, [atlas])
    assert (again.added, again.unchanged) == (0, 57)
    reports = sorted(_data("avid/reports").glob("*.json"))
    avid = service.import_shared(
        world.uow, operator, ImportSource.avid, [p.read_bytes() for p in reports]
    )
    assert avid.added == 33
    with world.uow:
        licences = dict(
            world.uow.session.execute(
                select(SharedIncident.source, func.count()).group_by(SharedIncident.source)
            ).all()
        )
        assert licences == {"atlas": 57, "avid": 33}
        marked = set(
            world.uow.session.execute(
                select(SharedIncident.source, SharedIncident.licence).distinct()
            ).all()
        )
        assert marked == {("atlas", "Apache-2.0"), ("avid", "MIT")}


@pytest.mark.parametrize(
    ("source", "content"),
    [
        (ImportSource.atlas, b"case-studies: [{id: AML.CS0000}"),
        (ImportSource.avid, b'{"data_type": "CVE"}'),
        (ImportSource.aiid, b"incident_id,date\n1,2020-01-01\n"),
    ],
)
def test_a_bad_import_stores_nothing(world: World, source: ImportSource, content: bytes) -> None:
    operator = site_operator(world.uow)
    before = row_counts(world.uow)
    with pytest.raises(InvalidInput):
        service.import_shared(world.uow, operator, source, [content])
    assert row_counts(world.uow) == before


# ---------------------------------------------------------------- figures


def test_period_figures_count_incidents_discovered(world: World) -> None:
    scope_id = new_scope(world.uow, world.owner, world.business_id)
    service.record_incident(world.uow, world.editor, scope_id, _incident())
    service.record_incident(
        world.uow,
        world.editor,
        scope_id,
        _incident(risk_ids=[_risk(world, scope_id)], kind="near_miss"),
    )
    with world.uow:
        figures = service.scope_figures(
            world.uow.session, scope_id, date(2027, 2, 1), date(2027, 2, 28)
        )
        before = service.scope_figures(
            world.uow.session, scope_id, date(2027, 1, 1), date(2027, 1, 31)
        )
    assert figures["total"] == 2 and figures["foreseeable"] == 1 and figures["unforeseeable"] == 1
    assert figures["by_kind"]["near_miss"] == 1 and figures["by_status"] == {"open": 2}
    assert before["total"] == 0


def test_similar_incidents_rank_those_sharing_techniques_first(world: World) -> None:
    atlas = _data("atlas/ATLAS.yaml").read_bytes()
    operator = site_operator(world.uow)
    service.import_shared(world.uow, operator, ImportSource.atlas, [atlas])
    with world.uow:
        ids = dict(
            world.uow.session.execute(select(SharedIncident.source_id, SharedIncident.id)).all()
        )
        techniques = dict(
            world.uow.session.execute(select(SharedIncident.id, SharedIncident.techniques)).all()
        )
    query = ids["AML.CS0000"]
    similar = service.similar_shared(world.uow, query)
    assert len(similar) == 5 and query not in [s.incident.id for s in similar]
    scores = [s.score for s in similar]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    # The first shares techniques with the query, and says so.
    assert set(techniques[similar[0].incident.id]) & set(techniques[query])
    assert "techniques" in {reason["facet"] for reason in similar[0].reasons}
    retracted = similar[0].incident.id
    service.retract_shared(world.uow, operator, retracted, Retraction(reason="duplicate"))
    again = service.similar_shared(world.uow, query)
    assert retracted not in [s.incident.id for s in again]
