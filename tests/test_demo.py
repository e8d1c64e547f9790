"""The demo scenario: it loads, it tells the double loop, and every change is on the record."""

import contextlib
import json
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from agilegov import clock
from agilegov.analysis.models import Condition, Impact, Risk, Stakeholder
from agilegov.assurance.models import Assessment, AssessmentPlan, Attestation, TrustArea
from agilegov.auth import Principal, Role, verify_password
from agilegov.cli import app
from agilegov.cycle.models import Cycle, Review, Transition, Trigger
from agilegov.cycle.rules import TriggerKind, loop_for
from agilegov.cycle.service import tick
from agilegov.db import Base, make_engine, make_session_factory
from agilegov.demo.chapters.inner_loop import FAIRNESS_REVIEW
from agilegov.demo.data import ministry_series, provider_series, screening_series
from agilegov.demo.feed import FAILURE_STEP, feed_step
from agilegov.demo.scenario import load_demo
from agilegov.demo.story import ACCOUNTS, CLIENT_DRIFT, DEMO_SLUG, HOTFIX, TEMPLATE_CHANGE
from agilegov.design.models import Measure
from agilegov.dialogue.models import Comment, Consultation, Participant, Response
from agilegov.goals.models import Allocation, Goal, Indicator, TradeOff
from agilegov.goals.service import weaker
from agilegov.library.service import citations_of, followed_refs, scope_coverage
from agilegov.monitor.models import BreachEpisode, Evaluation, Observation
from agilegov.organizations.models import Membership, Organization, User
from agilegov.organizations.service import principal_for_token, principal_for_user
from agilegov.record.models import Event
from agilegov.record.trust_lists import (
    accreditation_finding,
    check_trust_list,
    credential_scheme,
    signed_at,
)
from agilegov.regulation.models import (
    Programme,
    RegulatoryReport,
    ReportEvaluation,
    SectorSummary,
)
from agilegov.settings import get_settings
from agilegov.tables import metadata
from agilegov.tenancy import Scope
from agilegov.trust.models import TrustListVersion
from agilegov.uow import UnitOfWork
from agilegov.versioning import versions_of
from api_helpers import new_postgres_database

TODAY = date(2025, 6, 30)
START = datetime(2025, 6, 30, tzinfo=UTC) - timedelta(days=180)

# Every kind of row the story writes, and the event that records its creation.
RECORDED: tuple[tuple[type[Base], str], ...] = (
    (User, "user.created"),
    (Organization, "organization.created"),
    (Scope, "scope.created"),
    (Stakeholder, "stakeholder.created"),
    (Impact, "impact.created"),
    (Condition, "condition.created"),
    (Risk, "risk.created"),
    (Goal, "goal.created"),
    (Indicator, "indicator.created"),
    (TradeOff, "trade_off.created"),
    (Allocation, "allocation.created"),
    (Measure, "measure.created"),
    (Trigger, "trigger.opened"),
    (Review, "review.created"),
    (Transition, "transition.created"),
    (Consultation, "consultation.created"),
    (Participant, "participant.joined"),
    (Comment, "comment.created"),
    (Response, "response.created"),
)

# What the platform writes on its own: each morning's evaluation, the breach
# episodes it follows and the owners it tells of them, the triggers its rules open
# and the cycle's moves to evaluation that they start.
JAPAN = ZoneInfo("Asia/Tokyo")
PLATFORM_EVENTS = {
    "evaluation.recorded",
    "breach_episode.opened",
    "breach_episode.recovered",
    "notification.sent",
    "trigger.opened",
    "transition.created",
    "trust_list.published",  # the periodic refresh before a version lapses
    "report.drafted",  # the reports of a period that has ended
    "report.late",  # and those not submitted by their due date
    "complaint.lapsed",  # a complaint whose reply deadline passed in silence
    "complaint_cluster.opened",  # complaints about one goal reached the threshold
    "complaint_cluster.joined",
    "shared_incident.published",  # the commons does not say who shared it
    "commons_signal.opened",  # a match of the commons
}


def count(uow: UnitOfWork, model: type[Base], *where: object) -> int:
    with uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def told(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[UnitOfWork]:
    """The demo loaded once per engine, for the tests that only read the story
    (it takes seconds to tell)."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            copy = tmp_path_factory.mktemp("demo") / "agilegov.db"
            shutil.copyfile(sqlite_template, copy)
            url = f"sqlite:///{copy}"
        else:
            url = stack.enter_context(new_postgres_database())
        engine = make_engine(url)
        stack.callback(engine.dispose)
        if request.param == "postgresql":
            metadata.create_all(engine)
        uow = UnitOfWork(make_session_factory(engine))
        load_demo(uow, today=TODAY)
        yield uow


def events_of(uow: UnitOfWork, type: str) -> int:
    return count(uow, Event, Event.type == type)


def test_the_screening_service_runs_two_inner_loops_and_one_outer(told: UnitOfWork) -> None:
    uow = told
    with uow:
        session = uow.session
        business = session.scalar(select(Organization).where(Organization.slug == DEMO_SLUG))
        assert business is not None and business.kind == "business"
        scope = session.scalar(select(Scope).where(Scope.organization_id == business.id))
        assert scope is not None and scope.kind == "ai_system"
        assert followed_refs(session, scope.id) == ["aigb@1.1", "nist-ai-rmf@1.0"]

        cycle = session.get(Cycle, scope.id)
        assert cycle is not None
        assert (cycle.stage, cycle.inner_iterations, cycle.outer_iterations) == ("operation", 2, 2)

        # Each completed iteration left evaluation through a review of that evaluation.
        completed = session.scalars(
            select(Transition)
            .where(Transition.scope_id == scope.id, Transition.loop.is_not(None))
            .order_by(Transition.id)
        ).all()
        assert [t.loop for t in completed] == ["inner", "inner", "outer", "outer"]
        for transition in completed:
            review = session.get(Review, transition.review_id)
            assert review is not None and review.stage == "evaluation"
            assert review.decisions and review.evidence
        # The inner loops changed measures; the outer loop revised a goal.
        changed = Counter(
            change["kind"]
            for review in session.scalars(select(Review).where(Review.scope_id == scope.id))
            for change in review.changes
        )
        assert changed["measure"] >= 5 and changed["goal"] >= 1

        triggers = session.scalars(select(Trigger).where(Trigger.scope_id == scope.id)).all()
        assert {t.kind for t in triggers} >= {"indicator_breach", "incident", "framework_change"}
        assert all(t.status == "resolved" for t in triggers)

        # The ministry runs its own cycle, and published the requirement; the
        # sandbox's outcome sent it back to evaluating its rule.
        ministry = session.scalar(select(Scope).where(Scope.kind == "rule_domain"))
        assert ministry is not None and ministry.visibility == "public"
        assert session.get(Cycle, ministry.id).stage == "evaluation"  # type: ignore[union-attr]

        # Some review-by dates lie ahead; one lies behind, for `agilegov cycle tick`.
        review_by = session.scalars(
            select(Condition.review_by).where(Condition.scope_id == scope.id)
        ).all()
        assert sum(d < TODAY for d in review_by) == 1
        assert sum(d > TODAY for d in review_by) >= 5


def test_the_guidelines_new_version_moves_the_loop_and_the_citations(told: UnitOfWork) -> None:
    """Version 1.1 arrives in the library: the engine opens the framework change
    on the scope that followed 1.0, with the difference as evidence; the scope
    moves and every measure's citation goes with it."""
    uow = told
    operator = ACCOUNTS[[a.key for a in ACCOUNTS].index("operator")]
    with uow:
        session = uow.session
        business = session.scalar(select(Organization).where(Organization.slug == DEMO_SLUG))
        scope = session.scalar(select(Scope).where(Scope.organization_id == business.id))  # type: ignore[union-attr]
        assert scope is not None
        [change] = session.scalars(
            select(Trigger).where(
                Trigger.scope_id == scope.id, Trigger.kind == TriggerKind.framework_change
            )
        ).all()
        assert change.opened_by is None and change.loop == "outer"
        assert (change.facts["from"], change.facts["to"]) == ("aigb@1.0", "aigb@1.1")
        assert change.facts["counts"]["removed"] == 0
        cited = citations_of(
            session,
            "measure",
            session.scalars(select(Measure.id).where(Measure.scope_id == scope.id)).all(),
        )
        refs = [ref for refs in cited.values() for ref in refs]
        assert refs and not [ref for ref in refs if ref.startswith("aigb@1.0")]
        assert any(ref.startswith("nist-ai-rmf@1.0#") for ref in refs)
        assert operator.email.startswith("operator@")
        scope_id, organization_id = scope.id, scope.organization_id
    actor = principal_for_user_id(uow, organization_id)
    coverage = scope_coverage(uow, actor, scope_id)
    followed = {c.version: c for c in coverage.followed}
    assert set(followed) == {"aigb@1.1", "nist-ai-rmf@1.0"}
    aigb = followed["aigb@1.1"]
    assert 0 < aigb.addressed < aigb.applicable == len(aigb.gaps) + aigb.addressed
    # Through NIST's crosswalk, the work on the AI RMF reaches ISO/IEC 42001.
    reached = {r.version: r for r in coverage.reached}
    assert reached["iso-iec-42001@2023"].covered or reached["iso-iec-42001@2023"].partly


def principal_for_user_id(uow: UnitOfWork, organization_id: int) -> Principal:
    with uow:
        owner = uow.session.scalar(
            select(Membership.user_id).where(
                Membership.organization_id == organization_id, Membership.role == "owner"
            )
        )
        return principal_for_user(uow.session, owner)


def test_the_platforms_rules_open_every_trigger_and_choose_its_loop(told: UnitOfWork) -> None:
    uow = told
    with uow:
        session = uow.session
        business = session.scalar(select(Organization).where(Organization.slug == DEMO_SLUG))
        assert business is not None
        scope = session.scalar(select(Scope).where(Scope.organization_id == business.id))
        assert scope is not None
        # Nobody opened a trigger by hand: on the screening, the platform's rules
        # opened each; on the ministry's scope, the rule for a sandbox's outcome
        # did, when the ministry concluded the sandbox; on HireSense's, a match
        # of the incident TalentBridge shared to the commons.
        everywhere = session.scalars(select(Trigger).order_by(Trigger.id)).all()
        triggers = [t for t in everywhere if t.scope_id == scope.id]
        assert all(t.opened_by is None for t in triggers)
        others = [t for t in everywhere if t.scope_id != scope.id]
        assert sorted(t.kind for t in others) == ["commons_signal", "sandbox_outcome"]
        for other in others:
            assert other.loop == loop_for(TriggerKind(other.kind), other.facts) == "outer"
        opened = session.scalars(
            select(Event).where(Event.type == "trigger.opened", Event.scope_id == scope.id)
        ).all()
        assert len(opened) == len(triggers) and all(e.actor_id is None for e in opened)
        indicators = {
            i.id: i.key
            for i in session.scalars(select(Indicator).where(Indicator.scope_id == scope.id))
        }
        complaints, explanations, fairness, incident, guideline = triggers
        assert [(t.kind, t.loop) for t in triggers] == [
            ("complaint_cluster", "inner"),
            ("indicator_breach", "inner"),
            ("indicator_breach", "inner"),
            ("incident", "outer"),
            ("framework_change", "outer"),
        ]
        # No risk of the register foresaw the incident; its review named the one added.
        assert incident.facts == {"foreseeable": False, "risk_ids": []}
        settled = session.get(Review, incident.resolved_by_review_id)
        assert settled is not None and len(settled.risks) == 1
        assert indicators[explanations.subject_id] == "transparency.explanation_share"
        assert indicators[fairness.subject_id] == "fairness.selection_rate_ratio"
        for trigger in triggers:
            assert trigger.loop == loop_for(TriggerKind(trigger.kind), trigger.facts)
        # The third complaint about the explanation goal opened the cluster, the
        # fourth joined it; the review of the first inner loop settled both triggers.
        assert complaints.opened_at == START + timedelta(days=TEMPLATE_CHANGE + 1, hours=16)
        explained = session.get(Indicator, explanations.subject_id)
        assert explained is not None
        assert complaints.facts["about"] == f"goal:{explained.goal_id}"
        assert len(complaints.facts["complaints"]) == 3
        assert complaints.resolved_by_review_id == explanations.resolved_by_review_id
        assert complaints.resolved_by_review_id is not None
        # Reasons went missing from day 69: the second morning's evaluation caught it.
        # The ratio's breach came once the new client's volume had ramped up for six
        # days, and before the review that cites it.
        assert explanations.opened_at == START + timedelta(days=HOTFIX, hours=6)
        assert CLIENT_DRIFT + 6 < (fairness.opened_at - START).days < FAIRNESS_REVIEW

        # Each breach was found by a morning's evaluation: its facts are that
        # evaluation's numbers, and it opened the indicator's one breach episode.
        for breach in (explanations, fairness):
            assert breach.opened_at.time() == time(6)
            evaluation = session.scalar(
                select(Evaluation).where(
                    Evaluation.indicator_id == breach.subject_id,
                    Evaluation.evaluated_at == breach.opened_at,
                )
            )
            assert evaluation is not None and evaluation.status == "breach"
            assert breach.facts["value"] == evaluation.value
            assert breach.facts["acceptable_level"] == evaluation.acceptable_level
            assert evaluation.value < evaluation.acceptable_level
            assert indicators[breach.subject_id] in breach.cause
            episode = session.get(BreachEpisode, breach.facts["episode"])
            assert episode is not None and episode.trigger_id == breach.id
            # Each recovered within its windows: no goal failed, nothing escalated.
            assert episode.recovered_at is not None and episode.escalation_trigger_id is None
            # The day before, the same evaluation found no breach.
            earlier = session.scalar(
                select(Evaluation.status).where(
                    Evaluation.indicator_id == breach.subject_id,
                    Evaluation.evaluated_at == breach.opened_at - timedelta(days=1),
                )
            )
            assert earlier in ("ok", "warning")
        assert explanations.facts["derived"] is False and "required_level" not in explanations.facts
        # The ratio missed TalentBridge's 0.85 but not the ministry's 0.80: inner loop.
        assert (fairness.facts["derived"], fairness.facts["required_level"]) == (False, 0.8)
        assert 0.8 <= fairness.facts["value"] < 0.85
        assert "the level 0.8 of the requirement its goal adopts is still met" in fairness.cause

        # Version 1.1 of the guideline the scope followed opened the outer loop's
        # trigger, with what changed since 1.0.
        assert guideline.facts["framework"] == "aigb"
        assert (guideline.facts["from"], guideline.facts["to"]) == ("aigb@1.0", "aigb@1.1")
        assert set(guideline.facts["counts"]) >= {"removed", "changed", "unchanged"}

        # A trigger arriving while the cycle operates moves it to evaluation (the
        # breach of the explanation goal found it already evaluating the complaints
        # about that goal); each evaluation ended in a review that cites and settles
        # the triggers it took up, and took their loop.
        starters = [complaints, fairness, incident, guideline]
        moves = session.scalars(
            select(Transition).where(Transition.scope_id == scope.id).order_by(Transition.id)
        ).all()
        started = [m for m in moves if m.to_stage == "evaluation"]
        assert [(m.trigger_id, m.actor_id, m.time) for m in started] == [
            (t.id, None, t.opened_at) for t in starters
        ]
        left = [m for m in moves if m.loop is not None]
        for trigger, move in zip(starters, left, strict=True):
            assert move.review_id == trigger.resolved_by_review_id
            assert move.loop == trigger.loop
        for trigger in triggers:
            review = session.get(Review, trigger.resolved_by_review_id)
            assert review is not None
            assert any(f"Trigger #{trigger.id} " in line for line in review.evidence)

        # The platform evaluated every scope with indicators each morning, as its server
        # does: the screening service from the morning after its indicators were set.
        mornings = session.scalars(
            select(Evaluation.evaluated_at).where(Evaluation.scope_id == scope.id).distinct()
        ).all()
        first = min(mornings)
        assert first.time() == time(6)
        days = (datetime.combine(TODAY, time(6), UTC) - first).days
        assert sorted(mornings) == [first + timedelta(days=n) for n in range(days)]


def test_the_business_adopts_the_ministrys_requirement_no_weaker(told: UnitOfWork) -> None:
    uow = told
    with uow:
        session = uow.session
        derived = session.scalars(select(Goal).where(Goal.derives_from_id.is_not(None))).all()
        # TalentBridge and the two other providers adopt the one requirement.
        assert len(derived) == 3 and len({g.derives_from_id for g in derived}) == 1
        assert all(g.acceptable_level >= 0.8 for g in derived)
        business = session.scalar(select(Organization).where(Organization.slug == DEMO_SLUG))
        assert business is not None
        (goal,) = [
            g
            for g in derived
            if session.get(Scope, g.scope_id).organization_id == business.id  # type: ignore[union-attr]
        ]
        source = session.get(Goal, goal.derives_from_id)
        assert source is not None
        goal_scope, source_scope = (
            session.get(Scope, goal.scope_id),
            session.get(Scope, source.scope_id),
        )
        assert goal_scope.organization_id != source_scope.organization_id  # type: ignore[union-attr]
        assert session.get(Organization, source_scope.organization_id).kind == "government"  # type: ignore[union-attr]
        assert (source.acceptable_level, source.direction, source.unit) == (
            0.8,
            "higher_is_better",
            "ratio",
        )
        assert goal.direction == source.direction and goal.unit == source.unit
        assert not weaker(goal.acceptable_level, source.acceptable_level, source.direction)  # type: ignore[arg-type]
        # The regulation layer of the goal is the ministry's.
        regulation = session.scalar(
            select(Allocation).where(
                Allocation.goal_id == goal.id, Allocation.layer == "regulation"
            )
        )
        assert regulation is not None
        assert regulation.responsible_organization_id == source_scope.organization_id  # type: ignore[union-attr]


def test_measures_goals_and_indicators_tell_the_story(told: UnitOfWork) -> None:
    uow = told
    with uow:
        session = uow.session
        business = session.scalar(select(Organization.id).where(Organization.slug == DEMO_SLUG))
        scope_id = session.scalar(select(Scope.id).where(Scope.organization_id == business))
        measures = session.scalars(select(Measure).where(Measure.scope_id == scope_id)).all()
        assert {m.kind for m in measures} == {"technology", "rule", "organization"}
        assert {m.rule_layer for m in measures} >= {"provider_user", "voluntary"}
        assert all(m.risks and m.goals for m in measures)
        # Versions accumulate and every version is kept.
        assert max(m.version for m in measures) >= 4
        goals = session.scalars(select(Goal)).all()
        assert any(g.version > 1 for g in goals)
        for entity, kind in [*((m, "measure") for m in measures), *((g, "goal") for g in goals)]:
            versions = versions_of(session, kind, entity.id)
            assert [v.version for v in versions] == list(range(1, entity.version + 1))

        # Every indicator has its history, exactly as the scenario's series say.
        expected = {**screening_series(), **ministry_series()}
        slugs = {o.id: o.slug for o in session.scalars(select(Organization))}
        owner = {scope.id: slugs[scope.organization_id] for scope in session.scalars(select(Scope))}
        # Mirai Match's sandbox feeds nothing yet; the sector summary's value is
        # checked with the regulator's loop.
        fed = (Observation.source != "sector summary",)
        for indicator in session.scalars(select(Indicator)):
            slug = owner[indicator.scope_id]
            if slug == "mirai-match":
                continue
            providers = ("hiresense", "hokuriku-staffing")
            series = provider_series(slug) if slug in providers else expected
            rows = session.scalars(
                select(Observation).where(Observation.indicator_id == indicator.id, *fed)
            ).all()
            assert rows, indicator.key
            by_day = {(o.time - START).days: o.value for o in rows}
            assert by_day == series[indicator.key]
            assert max(o.time for o in rows) < datetime(2025, 6, 30, tzinfo=UTC)

        # The selection-rate ratio dipped below TalentBridge's line, never below the
        # ministry's, and recovered.
        ratio = expected["fairness.selection_rate_ratio"]
        assert min(ratio.values()) < 0.85 and min(ratio.values()) >= 0.8
        last_week = [ratio[day] for day in sorted(ratio)[-7:]]
        assert sum(last_week) / 7 > 0.9


def test_every_change_is_on_the_record_in_time_order(uow: UnitOfWork) -> None:
    before = count(uow, Event)
    load_demo(uow, today=TODAY)
    assert count(uow, Event) > before + 150
    for model, event_type in RECORDED:
        assert count(uow, model) == events_of(uow, event_type), event_type
    # Owners join by founding their organization; everyone else by an event.
    assert count(uow, Membership) == events_of(uow, "membership.created") + count(uow, Organization)
    with uow:
        session = uow.session
        stored = sum(
            e.payload["stored"]
            for e in session.scalars(select(Event).where(Event.type == "observations.recorded"))
        )
        assert stored == session.scalar(select(func.count()).select_from(Observation))
        events = session.scalars(select(Event).order_by(Event.id)).all()
        story = [e for e in events if e.type != "api_token.created"]
        times = [e.time for e in story]
        assert times == sorted(times)
        assert times[0] >= START and times[-1] < datetime(2025, 6, 30, tzinfo=UTC)
        # Only the platform's own rules, the consultation's pseudonymous participants
        # and complainants without an account act as nobody in particular.
        nobody = [e for e in story if e.actor_id is None]
        pseudonymous = {"participant.joined", "vote.cast", "comment.created"}
        complainants = {"complaint.filed", "complaint.accepted"}
        assert {e.type for e in nobody} == pseudonymous | complainants | PLATFORM_EVENTS
        assert all(
            e.subject_type.startswith("consultation_") for e in nobody if e.type in pseudonymous
        )


def test_one_review_by_date_has_passed_for_the_tick(uow: UnitOfWork) -> None:
    load_demo(uow, today=TODAY)
    opened = tick(uow, today=TODAY)
    assert [(t.kind, t.subject_type, t.loop) for t in opened] == [
        ("condition_review_due", "condition", "outer")
    ]
    with uow:
        cycle = uow.session.get(Cycle, opened[0].scope_id)
        assert cycle is not None and cycle.stage == "evaluation"
    assert tick(uow, today=TODAY) == []


def test_loading_twice_loads_once_and_issues_working_tokens(uow: UnitOfWork) -> None:
    first = load_demo(uow, today=TODAY)
    goals, scopes, measures = count(uow, Goal), count(uow, Scope), count(uow, Measure)
    events = count(uow, Event)
    with clock.frozen_at(datetime(2025, 7, 1, tzinfo=UTC)):
        second = load_demo(uow)
    assert (count(uow, Goal), count(uow, Scope), count(uow, Measure)) == (goals, scopes, measures)
    # The second load only issues tokens.
    assert count(uow, Event) == events + len(ACCOUNTS)

    assert [(a["email"], a["role"]) for a in first] == [(a["email"], a["role"]) for a in second]
    assert {a["token"] for a in first}.isdisjoint(a["token"] for a in second)
    assert len({a["email"] for a in second}) == len(ACCOUNTS) >= 7
    for account in second:
        assert len(account["password"]) >= 10
        principal = principal_for_token(uow, account["token"])
        with uow:
            organization = uow.session.scalar(
                select(Organization.id).where(
                    Organization.name == account["organization"],
                    Organization.slug == account["handle"],
                )
            )
            user = uow.session.get(User, principal.user_id)
            assert user is not None and user.email == account["email"]
            assert verify_password(account["password"], user.password_hash)
        assert principal.role_in(organization) == Role(account["role"])
    assert {a["role"] for a in second} == {"owner", "editor", "reviewer", "viewer"}


def test_the_demo_command_loads_and_writes_the_accounts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGILEGOV_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    out = tmp_path / "accounts.json"
    runner = CliRunner()
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["demo", "--no-serve", "--credentials-out", str(out)])
        assert result.exit_code == 0, result.output
        assert "Demo accounts" in result.output
        accounts = json.loads(out.read_text())
        assert [a["email"] for a in accounts] == [a.email for a in ACCOUNTS]
        assert all(
            set(a) == {"organization", "handle", "role", "email", "password", "token"}
            for a in accounts
        )
        assert out.stat().st_mode & 0o777 == 0o600

        # Run again on the same file: nothing is loaded twice, new tokens work.
        again = runner.invoke(app, ["demo", "--no-serve", "--credentials-out", str(out)])
        assert again.exit_code == 0, again.output
        tokens = [a["token"] for a in json.loads(out.read_text())]
        assert set(tokens).isdisjoint(a["token"] for a in accounts)
        # The overdue review-by date is there for `agilegov cycle tick`.
        ticked = runner.invoke(app, ["cycle", "tick"])
        assert ticked.exit_code == 0, ticked.output
        assert "1 trigger(s) opened" in ticked.output
        engine = make_engine(get_settings().database_url)
        try:
            uow = UnitOfWork(make_session_factory(engine))
            assert count(uow, Organization, Organization.slug == DEMO_SLUG) == 1
            with uow:
                business = uow.session.scalar(
                    select(Organization.id).where(Organization.slug == DEMO_SLUG)
                )
            assert principal_for_token(uow, tokens[0]).role_in(business) == Role.owner
        finally:
            engine.dispose()
    finally:
        get_settings.cache_clear()


def test_the_live_feed_shows_a_breach_opening_an_inner_loop_trigger(uow: UnitOfWork) -> None:
    load_demo(uow, today=TODAY)
    start = datetime.combine(TODAY, time(12), UTC)
    steps = [
        feed_step(uow, number, at=start + timedelta(minutes=number))
        for number in range(FAILURE_STEP + 2)
    ]
    assert all(step.stored == 5 for step in steps)
    # Healthy until the retention job stops; then one trigger for the whole breach.
    assert [step.counts["breach"] for step in steps] == [0] * FAILURE_STEP + [1, 1]
    assert [bool(step.opened) for step in steps] == [False] * FAILURE_STEP + [True, False]
    [trigger_id] = steps[FAILURE_STEP].opened
    with uow:
        trigger = uow.session.get(Trigger, trigger_id)
        assert trigger is not None
        assert (trigger.kind, trigger.loop, trigger.status) == ("indicator_breach", "inner", "open")
        assert "retention" in trigger.cause


def test_simulate_needs_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGILEGOV_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["simulate", "--steps", "1", "--interval", "0"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "the demo is not loaded here" in result.output


def test_fairbench_is_verified_and_accredited_and_its_look_alike_is_neither(
    told: UnitOfWork,
) -> None:
    with told as uow:
        session = uow.session
        (attestation,) = session.scalars(select(Attestation)).all()
        latest = session.scalars(
            select(TrustListVersion).order_by(TrustListVersion.version.desc())
        ).first()
        assert latest is not None
        organizations = {o.slug: o for o in session.scalars(select(Organization))}
        fairbench, lookalike = organizations["fairbench"], organizations["fairbench-assurance-jp"]
        assert fairbench.name == lookalike.name
        listed = latest.document
        at = latest.published_at + timedelta(minutes=1)
        check_trust_list(listed, anchor=listed["issuer"], at=at)
        # Republished by the mornings' refresh, so the list in force covers today.
        assert latest.valid_until.date() > TODAY
        credential = attestation.credential
        assert (
            credential["credentialSubject"]["scheme"]["id"]
            == "urn:agilegov:scheme:aigb-third-party"
        )
        found = accreditation_finding(
            listed,
            issuer=credential["issuer"]["id"],
            scheme=credential_scheme(credential),
            issued_at=signed_at(credential),
            at=at,
        )
        assert found.accredited and found.accredited_by == "AI Assurance Accreditation Council"
        entries = listed["credentialSubject"]["accreditations"]
        assert {e["organization"] for e in entries} == {"urn:agilegov:organization:fairbench"}
        assert fairbench.verified_until is not None and fairbench.verified_until.date() > TODAY
        assert lookalike.verified_until is None


def test_the_demo_tells_assurance_through_the_engine(told: UnitOfWork) -> None:
    """FairBench certifies with one minor finding, closed once its improvement
    action became a change of the explanations measure; TalentBridge declares
    itself against AI Guidelines 1.1 and its internal audit, carried out from
    its plan, sets the plan's next date."""
    with told as uow:
        session = uow.session
        by_method = {a.method: a for a in session.scalars(select(Assessment))}
        assert set(by_method) == {
            "third_party_certification",
            "self_declaration",
            "internal_audit",
        }
        assert all(a.status == "completed" for a in by_method.values())
        certification = by_method["third_party_certification"]
        findings = [c.finding for c in certification.criteria]
        assert findings.count("minor") == 1 and "major" not in findings
        (minor,) = [c for c in certification.criteria if c.finding == "minor"]
        assert minor.closed_at is not None and minor.closing_evidence
        (action,) = certification.actions
        assert action.criterion_id == minor.id and action.becomes == "measure_change"
        assert action.done_at is not None and action.done_at <= minor.closed_at
        version = versions_of(session, "measure", action.measure_id)
        assert action.measure_version in {v.version for v in version}
        (attestation,) = session.scalars(select(Attestation)).all()
        assert attestation.assessment_id == certification.id
        assert attestation.suspended_at is None and attestation.revoked_at is None
        declared = by_method["self_declaration"]
        assert {c.reference.partition("#")[0] for c in declared.criteria if c.reference} == {
            "aigb@1.1"
        }
        audit = by_method["internal_audit"]
        plan = session.get(AssessmentPlan, audit.plan_id)
        assert plan is not None and audit.completed_at is not None
        assert plan.next_due > audit.completed_at.date()
        assert (
            session.scalar(
                select(func.count())
                .select_from(TrustArea)
                .where(TrustArea.scope_id == certification.scope_id)
            )
            == 2
        )


def test_the_demo_tells_the_regulators_loop(told: UnitOfWork) -> None:
    """The engine drafts three adopters' reports of the period; one is corrected
    after a question, one is late; each is reviewed and evaluated; the sector
    summary feeds the ministry's indicator; a sandbox's outcome opens the
    ministry's outer loop and a gray-zone inquiry is answered in public."""
    with told as uow:
        session = uow.session
        reports = session.scalars(select(RegulatoryReport)).all()
        assert len(reports) == 3 and {r.status for r in reports} == {"reviewed"}
        assert sorted(r.late for r in reports) == [False, False, True]
        assert sorted(r.submissions for r in reports) == [1, 1, 2]
        assert all(r.submitted_at.date() > r.period_end for r in reports)
        assert session.scalar(select(func.count()).select_from(ReportEvaluation)) == 3
        (summary,) = session.scalars(select(SectorSummary)).all()
        assert summary.figures["reports"] == {"submitted": 3, "late": 1, "corrected": 1}
        fed = session.scalars(
            select(Observation).where(Observation.source == "sector summary")
        ).all()
        assert [o.value for o in fed] == [
            summary.figures["indicators"]["sector.lowest_reported_ratio"]["worst"]
        ]
        programmes = {p.kind: p for p in session.scalars(select(Programme))}
        assert programmes["gray_zone"].status == "answered"
        assert programmes["gray_zone"].published_summary
        sandbox = programmes["sandbox"]
        assert sandbox.status == "concluded" and sandbox.trigger_id is not None
        trigger = session.get(Trigger, sandbox.trigger_id)
        assert trigger is not None and trigger.loop == "outer"


def test_complaints_climb_the_ladder_by_the_engines_clocks(told: UnitOfWork) -> None:
    """One complaint resolved by TalentBridge, one settled at the ADR body its
    terms name, a cluster that opened the inner loop, and one complaint the
    morning job closed when its reply deadline passed."""
    from agilegov.remedy.models import AdrRoute, Complaint, ComplaintStep

    with told as uow:
        session = uow.session
        complaints = session.scalars(select(Complaint).order_by(Complaint.id)).all()
        outcomes = [(c.category, c.status, c.outcome) for c in complaints]
        assert outcomes == [
            ("explanation", "resolved", "resolved"),
            ("explanation", "resolved", "resolved"),
            ("explanation", "resolved", "resolved"),
            ("explanation", "closed", "no_reply"),
            ("decision", "resolved", "resolved"),
            ("discrimination", "settled", "settled"),
        ]
        assert len({c.cluster_id for c in complaints[:4]}) == 1 and complaints[0].cluster_id
        route = session.scalar(select(AdrRoute))
        assert route is not None and complaints[5].adr_provider_id == route.adr_provider_id
        # The lapse was the platform's move, the day after the reply deadline.
        lapse = session.scalar(
            select(ComplaintStep).where(
                ComplaintStep.complaint_id == complaints[3].id, ComplaintStep.action == "lapse"
            )
        )
        answer = session.scalar(
            select(ComplaintStep).where(
                ComplaintStep.complaint_id == complaints[3].id, ComplaintStep.action == "answer"
            )
        )
        assert lapse is not None and answer is not None and answer.due_on is not None
        assert lapse.party == "platform" and lapse.user_id is None
        assert lapse.at.astimezone(JAPAN).date() > answer.due_on
        # Every step is on the record, privately: only a commitment is public.
        steps = session.scalars(select(ComplaintStep)).all()
        events = {
            e.leaf_index: e
            for e in session.scalars(select(Event).where(Event.subject_type == "complaint"))
        }
        assert {s.record_index for s in steps} == set(events)
        assert all(e.payload_salt is not None and e.scope_id is None for e in events.values())
