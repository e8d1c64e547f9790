"""Complaints up the remedy ladder on real databases: every move allowed and
refused, the periodic job on missed deadlines, paused and extended clocks,
clusters that open the inner loop, privacy across organizations, the
published figures and the evidence bundle for a court."""

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import pytest
from sqlalchemy import func, select

from agilegov import clock
from agilegov.auth import ANONYMOUS, Principal
from agilegov.cycle import service as cycle
from agilegov.cycle.rules import Loop, TriggerKind
from agilegov.design.service import MEASURE
from agilegov.errors import Forbidden, InvalidInput, NotFound, TooManyRequests
from agilegov.notify.models import Notification
from agilegov.organizations.schemas import OrganizationCreate, UserCreate
from agilegov.organizations.service import create_organization, create_user, principal_for_user
from agilegov.record import notes
from agilegov.record.checkpoints import get_entry
from agilegov.record.models import Event
from agilegov.record.verify import BundleError, verify_bundle
from agilegov.remedy import service
from agilegov.remedy.ladder import Party, Status
from agilegov.remedy.models import Complaint
from agilegov.remedy.schemas import (
    AdrClosing,
    AdrProviderCreate,
    AdrRouteSet,
    Answer,
    Assessment,
    ClusterRuleSet,
    ComplaintCreate,
    ComplaintDeskSet,
    ComplaintRead,
    CountdownRead,
    DocumentAdd,
    Escalation,
    Extension,
    Note,
    Pause,
    Referral,
    Refusal,
    Statement,
)
from agilegov.remedy.service import JAPAN, Caller
from agilegov.scopes.schemas import ScopeUpdate
from agilegov.scopes.service import update_scope
from agilegov.uow import UnitOfWork
from builders import World, add, new_scope, review, row_counts, specific_goal

FRIDAY = date(2027, 1, 8)  # Monday 11 January is Coming of Age Day
NAME = "Hanako Yamada"
CONTACT = "hanako@example.jp"
ORIGIN = "agilegov.test/remedy"


@contextmanager
def on(day: date, hour: int = 10) -> Iterator[None]:
    """The service's clock at ``hour`` o'clock in Japan on ``day``."""
    with clock.frozen_at(datetime.combine(day, time(hour), JAPAN)):
        yield


def person(uow: UnitOfWork, name: str) -> Principal:
    user = create_user(
        uow, UserCreate(email=f"{name}@example.com", name=name.title(), password="a-long-password")
    )
    with uow:
        return principal_for_user(uow.session, user.id)


def organization_of(uow: UnitOfWork, name: str, kind: str) -> tuple[Principal, int]:
    """A new organization of ``kind``, owned by a new person of that name."""
    founder = person(uow, name)
    made = create_organization(uow, founder, OrganizationCreate(slug=name, name=name, kind=kind))
    with uow:
        return principal_for_user(uow.session, founder.user_id), made.id


def register_adr(uow: UnitOfWork, owner: Principal, organization_id: int, **fields: Any) -> int:
    values: dict[str, Any] = {
        "organization_id": organization_id,
        "handles": "Disputes over automated decisions about people",
        "fees": "Free for complainants",
        "independence": "No ties to any provider it hears",
        # Not "before_court": a ground it did not declare.
        "refusal_grounds": ["provider_not_contacted", "out_of_scope"],
    }
    return service.register_adr_provider(uow, owner, AdrProviderCreate(**(values | fields))).id


@dataclass
class Desk:
    """The business's published scope with a goal to complain about and its
    terms (a rule measure), which ``name_route`` makes name the regulator, an
    ADR body owned by the cast's outsider, as the scope's route. The clock
    stands at 10:00 in Japan on ``FRIDAY``."""

    world: World
    scope_id: int
    goal_id: int
    terms_id: int
    adr_id: int
    adr: Caller
    provider: Caller

    @property
    def uow(self) -> UnitOfWork:
        return self.world.uow

    def file(self, actor: Principal = ANONYMOUS, **fields: Any) -> tuple[ComplaintRead, Caller]:
        """File a complaint (by default without an account): it, and its complainant."""
        values: dict[str, Any] = {
            "scope_id": self.scope_id,
            "category": "decision",
            "what_happened": "My application was rejected by the screening model.",
            "happened_on": "2027-01-05",
            "remedy_sought": "A review of my application by a person.",
            "complainant_name": NAME,
            "contact_preference": "email",
            "contact": CONTACT,
        }
        filed = service.file_complaint(self.uow, actor, ComplaintCreate(**(values | fields)))
        return filed.complaint, Caller(actor, filed.follow_secret)

    def name_route(self) -> None:
        service.name_adr_route(
            self.uow,
            self.world.editor,
            self.scope_id,
            AdrRouteSet(measure_id=self.terms_id, adr_provider_id=self.adr_id),
        )

    def answered(self, **fields: Any) -> tuple[ComplaintRead, Caller]:
        """A complaint the provider has answered (not upheld)."""
        complaint, complainant = self.file(**fields)
        service.acknowledge(self.uow, self.provider, complaint.id, Note())
        service.assess(
            self.uow, self.provider, complaint.id, Assessment(severity="high", urgency="low")
        )
        answered = service.answer(
            self.uow,
            self.provider,
            complaint.id,
            Answer(decision="not_upheld", reason="The model's decision stands."),
        )
        return answered, complainant

    def before_adr(self) -> tuple[ComplaintRead, Caller]:
        """A complaint the complainant escalated to the ADR body after the answer."""
        complaint, complainant = self.answered()
        escalated = service.escalate(
            self.uow, complainant, complaint.id, Escalation(adr_provider_id=self.adr_id)
        )
        return escalated, complainant


@pytest.fixture
def desk(world: World) -> Iterator[Desk]:
    with on(FRIDAY, 9):
        scope_id = new_scope(world.uow, world.owner, world.business_id, "Screening", "public")
        goal = specific_goal(world.uow, world.editor, scope_id)
        terms = add(
            world.uow,
            world.editor,
            scope_id,
            MEASURE,
            kind="rule",
            rule_layer="provider_user",
            title="Terms of use",
            status="implemented",
        )
        adr_id = register_adr(world.uow, world.outsider, world.regulator_id)
    with on(FRIDAY):
        yield Desk(
            world,
            scope_id,
            goal.id,
            terms.id,
            adr_id,
            Caller(world.refresh("outsider")),
            Caller(world.editor),
        )


def actions(complaint: ComplaintRead) -> list[tuple[str, Party, Status]]:
    return [(step.action, step.party, step.status) for step in complaint.steps]


# ---------------------------------------------------------------- every move, end to end


def test_filing_starts_the_acknowledgement_clock(desk: Desk) -> None:
    complaint, complainant = desk.file()
    assert complainant.secret is not None and complainant.secret.startswith("agr_")
    assert (complaint.status, complaint.waiting_for) == (Status.filed, Party.provider)
    # The example: filed on Friday, three business days over the holiday.
    assert (complaint.filed_on, complaint.due_on) == (FRIDAY, date(2027, 1, 14))
    assert complaint.case_due_on == date(2027, 10, 5)
    assert actions(complaint) == [("file", Party.complainant, Status.filed)]
    # The secret opens it; only its hash is kept.
    assert service.followed(desk.uow, complainant.secret) == complaint.id
    with desk.uow:
        stored = desk.uow.session.get(Complaint, complaint.id)
        assert stored is not None and stored.follow_hash != complainant.secret
    # A signed-in complainant gets no secret and follows it with their account.
    applicant = person(desk.uow, "applicant")
    mine, caller = desk.file(applicant)
    assert caller.secret is None
    assert service.get_complaint(desk.uow, Caller(applicant), mine.id).id == mine.id


def test_the_complainant_sees_each_deadline_as_a_date_and_a_countdown(desk: Desk) -> None:
    complaint, complainant = desk.file()
    assert complaint.deadline == CountdownRead(
        due=date(2027, 1, 14), business_days=3, days=6, missed=False
    )
    assert complaint.case_deadline is not None
    assert complaint.case_deadline.due == date(2027, 10, 5)
    with on(date(2027, 1, 15)):
        late = service.get_complaint(desk.uow, complainant, complaint.id)
    assert late.deadline == CountdownRead(
        due=date(2027, 1, 14), business_days=-1, days=-1, missed=True
    )
    # A paused clock counts down nothing; nor does a closed complaint.
    paused = service.pause(desk.uow, desk.provider, complaint.id, Pause(reason="Waiting"))
    assert (paused.deadline, paused.case_deadline) == (None, None)
    withdrawn = service.withdraw(desk.uow, complainant, complaint.id, Note())
    assert (withdrawn.deadline, withdrawn.case_deadline) == (None, None)


def test_complaints_without_an_account_are_limited_per_scope_and_minute(desk: Desk) -> None:
    for _ in range(service.ANONYMOUS_PER_MINUTE):
        desk.file()
    with pytest.raises(TooManyRequests):
        desk.file()
    # Signed in, or a minute later, one may file again.
    desk.file(person(desk.uow, "applicant"))
    with on(FRIDAY, 11):
        desk.file()


def test_the_provider_answers_and_the_complainant_accepts(desk: Desk) -> None:
    complaint, complainant = desk.file()
    provider = desk.provider
    acknowledged = service.acknowledge(desk.uow, provider, complaint.id, Note(note="Received"))
    # The answer's deadline counts from filing: 20 business days.
    assert (acknowledged.status, acknowledged.due_on) == (Status.acknowledged, date(2027, 2, 8))
    assessed = service.assess(
        desk.uow, provider, complaint.id, Assessment(severity="high", urgency="medium")
    )
    assert (assessed.status, assessed.severity, assessed.urgency) == (
        Status.investigating,
        "high",
        "medium",
    )
    with on(date(2027, 1, 20)):
        answered = service.answer(
            desk.uow,
            provider,
            complaint.id,
            Answer(decision="upheld", reason="A person reviews it.", remedy_offered="A review"),
        )
    assert (answered.status, answered.waiting_for) == (Status.answered, Party.complainant)
    # The complainant's reply: 20 business days from the answer.
    assert (answered.answered_on, answered.due_on) == (date(2027, 1, 20), date(2027, 2, 18))
    with on(date(2027, 1, 21)):
        accepted = service.accept(desk.uow, complainant, complaint.id, Note())
    assert (accepted.status, accepted.outcome, accepted.waiting_for) == (
        Status.resolved,
        "resolved",
        None,
    )
    assert (accepted.due_on, accepted.closed_on) == (None, date(2027, 1, 21))
    assert actions(accepted) == [
        ("file", Party.complainant, Status.filed),
        ("acknowledge", Party.provider, Status.acknowledged),
        ("assess", Party.provider, Status.investigating),
        ("answer", Party.provider, Status.answered),
        ("accept", Party.complainant, Status.resolved),
    ]


def test_escalated_by_the_named_route_heard_and_settled(desk: Desk) -> None:
    desk.name_route()
    complaint, complainant = desk.answered()
    # No body named in the escalation: the provider's route.
    escalated = service.escalate(desk.uow, complainant, complaint.id, Escalation())
    assert (escalated.status, escalated.adr_provider_id) == (Status.escalated, desk.adr_id)
    assert (escalated.waiting_for, escalated.due_on) == (Party.adr, date(2027, 1, 25))
    hearing = service.adr_accept(desk.uow, desk.adr, complaint.id, Note(note="Taken"))
    assert (hearing.status, hearing.waiting_for) == (Status.adr_hearing, Party.adr)
    service.add_statement(desk.uow, complainant, complaint.id, Statement(text="My side."))
    service.add_statement(desk.uow, desk.provider, complaint.id, Statement(text="Our side."))
    document = DocumentAdd(name="decision.pdf", sha256="ab" * 32, size=1024)
    service.add_document(desk.uow, desk.provider, complaint.id, document)
    settled = service.adr_close(
        desk.uow, desk.adr, complaint.id, AdrClosing(result="settled", text="A human review.")
    )
    assert (settled.status, settled.outcome, settled.adr_outcome_text) == (
        Status.settled,
        "settled",
        "A human review.",
    )
    assert [doc.party for doc in settled.documents] == [Party.provider]
    assert actions(settled)[-6:] == [
        ("escalate", Party.complainant, Status.escalated),
        ("adr_accept", Party.adr, Status.adr_hearing),
        ("statement", Party.complainant, Status.adr_hearing),
        ("statement", Party.provider, Status.adr_hearing),
        ("document", Party.provider, Status.adr_hearing),
        ("adr_close", Party.adr, Status.settled),
    ]


def test_not_settled_at_adr_then_referred_to_a_court(desk: Desk) -> None:
    complaint, complainant = desk.before_adr()
    service.adr_accept(desk.uow, desk.adr, complaint.id, Note())
    # Failing to settle needs no hearing of both sides.
    closed = service.adr_close(
        desk.uow, desk.adr, complaint.id, AdrClosing(result="not_settled", text="No agreement.")
    )
    assert (closed.status, closed.waiting_for) == (Status.not_settled, Party.complainant)
    referred = service.refer(
        desk.uow, complainant, complaint.id, Referral(court="Tokyo District Court")
    )
    assert (referred.status, referred.outcome) == (Status.referred, "referred_to_court")


def test_the_adr_body_refuses_on_a_declared_ground_and_the_complainant_goes_to_court(
    desk: Desk,
) -> None:
    complaint, complainant = desk.before_adr()
    refused = service.adr_refuse(
        desk.uow, desk.adr, complaint.id, Refusal(ground="out_of_scope", note="Not ours")
    )
    assert (refused.status, refused.refusal_ground, refused.waiting_for) == (
        Status.adr_refused,
        "out_of_scope",
        Party.complainant,
    )
    referred = service.refer(
        desk.uow, complainant, complaint.id, Referral(court="Tokyo District Court")
    )
    assert (referred.status, referred.outcome) == (Status.referred, "referred_to_court")
    assert referred.steps[-1].details == {"court": "Tokyo District Court"}


def test_after_a_refusal_another_adr_body_may_take_it(desk: Desk) -> None:
    complaint, complainant = desk.before_adr()
    service.adr_refuse(desk.uow, desk.adr, complaint.id, Refusal(ground="out_of_scope"))
    mediator, centre = organization_of(desk.uow, "mediation", "community")
    other = register_adr(desk.uow, mediator, centre)
    with pytest.raises(InvalidInput) as again:
        service.escalate(
            desk.uow, complainant, complaint.id, Escalation(adr_provider_id=desk.adr_id)
        )
    assert again.value.problems[0].field == "adr_provider_id"
    escalated = service.escalate(
        desk.uow, complainant, complaint.id, Escalation(adr_provider_id=other)
    )
    assert (escalated.status, escalated.adr_provider_id, escalated.refusal_ground) == (
        Status.escalated,
        other,
        None,
    )
    # The first body no longer sees it; the new one does.
    with pytest.raises(NotFound):
        service.get_complaint(desk.uow, desk.adr, complaint.id)
    assert service.get_complaint(desk.uow, Caller(mediator), complaint.id).id == complaint.id


@pytest.mark.parametrize("stage", ["filed", "answered", "adr_hearing"])
def test_the_complainant_withdraws_at_any_open_stage(desk: Desk, stage: str) -> None:
    if stage == "filed":
        complaint, complainant = desk.file()
    elif stage == "answered":
        complaint, complainant = desk.answered()
    else:
        complaint, complainant = desk.before_adr()
        service.adr_accept(desk.uow, desk.adr, complaint.id, Note())
    withdrawn = service.withdraw(desk.uow, complainant, complaint.id, Note(note="Sorted out"))
    assert (withdrawn.status, withdrawn.outcome, withdrawn.closed_on) == (
        Status.withdrawn,
        "withdrawn",
        FRIDAY,
    )


# ---------------------------------------------------------------- refused moves


def refused(desk: Desk, error: type[Exception], move: Any, *args: Any) -> Exception:
    """Make a move that must be refused with ``error``; nothing is stored."""
    before = row_counts(desk.uow)
    with pytest.raises(error) as raised:
        move(desk.uow, *args)
    assert row_counts(desk.uow) == before
    return raised.value


def field_of(error: Exception) -> str:
    assert isinstance(error, InvalidInput), error
    return error.problems[0].field


def test_a_move_by_the_wrong_side_is_forbidden(desk: Desk) -> None:
    complaint, complainant = desk.file()
    viewer = Caller(desk.world.viewer)
    refused(desk, Forbidden, service.acknowledge, complainant, complaint.id, Note())
    # The provider's viewers see it but may not act for it.
    refused(desk, Forbidden, service.acknowledge, viewer, complaint.id, Note())
    refused(desk, Forbidden, service.withdraw, desk.provider, complaint.id, Note())
    answered, complainant = desk.answered()
    refused(desk, Forbidden, service.accept, desk.provider, answered.id, Note())
    escalation = Escalation(adr_provider_id=desk.adr_id)
    refused(desk, Forbidden, service.escalate, desk.provider, answered.id, escalation)
    escalated = service.escalate(desk.uow, complainant, answered.id, escalation)
    refused(desk, Forbidden, service.adr_accept, complainant, escalated.id, Note())
    refused(desk, Forbidden, service.adr_accept, desk.provider, escalated.id, Note())


@pytest.mark.parametrize(
    ("move", "body"),
    [
        (service.answer, Answer(decision="not_upheld", reason="No")),
        (service.assess, Assessment(severity="low", urgency="low")),
    ],
)
def test_a_move_from_the_wrong_state_names_the_status(desk: Desk, move: Any, body: Any) -> None:
    complaint, _ = desk.file()
    assert (
        field_of(refused(desk, InvalidInput, move, desk.provider, complaint.id, body)) == "status"
    )


def test_moves_of_a_closed_complaint_name_the_status(desk: Desk) -> None:
    complaint, complainant = desk.file()
    service.withdraw(desk.uow, complainant, complaint.id, Note())
    for move, caller, body in [
        (service.acknowledge, desk.provider, Note()),
        (service.withdraw, complainant, Note()),
        (service.add_statement, complainant, Statement(text="Hello?")),
        (service.pause, desk.provider, Pause(reason="Waiting")),
    ]:
        assert field_of(refused(desk, InvalidInput, move, caller, complaint.id, body)) == "status"


def test_the_adr_body_refuses_only_on_a_ground_it_declared(desk: Desk) -> None:
    complaint, _ = desk.before_adr()
    error = refused(
        desk,
        InvalidInput,
        service.adr_refuse,
        desk.adr,
        complaint.id,
        Refusal(ground="before_court"),
    )
    assert field_of(error) == "ground"
    assert "provider_not_contacted, out_of_scope" in str(error)


@pytest.mark.parametrize("heard", [[], ["complainant"], ["provider"]])
def test_settling_needs_both_sides_heard(desk: Desk, heard: list[str]) -> None:
    complaint, complainant = desk.before_adr()
    # Statements to the provider before the ADR body do not count.
    service.add_statement(desk.uow, complainant, complaint.id, Statement(text="Early."))
    service.adr_accept(desk.uow, desk.adr, complaint.id, Note())
    speakers = {"complainant": complainant, "provider": desk.provider}
    for side in heard:
        service.add_statement(desk.uow, speakers[side], complaint.id, Statement(text="Heard."))
    closing = AdrClosing(result="settled", text="Agreed.")
    assert (
        field_of(refused(desk, InvalidInput, service.adr_close, desk.adr, complaint.id, closing))
        == "result"
    )


def test_escalation_waits_for_the_answer_deadline(desk: Desk) -> None:
    complaint, complainant = desk.file()
    service.acknowledge(desk.uow, desk.provider, complaint.id, Note())
    escalation = Escalation(adr_provider_id=desk.adr_id)
    with on(date(2027, 2, 8)):  # the answer's deadline: not yet passed
        error = refused(desk, InvalidInput, service.escalate, complainant, complaint.id, escalation)
    assert field_of(error) == "status"
    with on(date(2027, 2, 9)):
        escalated = service.escalate(desk.uow, complainant, complaint.id, escalation)
    assert escalated.status is Status.escalated


def test_a_paused_clock_is_not_late(desk: Desk) -> None:
    complaint, complainant = desk.file()
    service.acknowledge(desk.uow, desk.provider, complaint.id, Note())
    with on(date(2027, 2, 5)):
        service.pause(desk.uow, desk.provider, complaint.id, Pause(reason="Asked for the letter"))
    escalation = Escalation(adr_provider_id=desk.adr_id)
    with on(date(2027, 2, 9)):  # past the deadline as it stood, but the clock stands still
        error = refused(desk, InvalidInput, service.escalate, complainant, complaint.id, escalation)
        assert field_of(error) == "status"
        resumed = service.resume(desk.uow, desk.provider, complaint.id, Note())
    # Two business days paused: the answer is due two business days later.
    assert resumed.due_on == date(2027, 2, 10)
    with on(date(2027, 2, 11)):
        assert service.escalate(desk.uow, complainant, complaint.id, escalation).status is (
            Status.escalated
        )


def test_escalation_needs_an_adr_body(desk: Desk) -> None:
    complaint, complainant = desk.answered()
    # No route named, none chosen.
    error = refused(desk, InvalidInput, service.escalate, complainant, complaint.id, Escalation())
    assert field_of(error) == "adr_provider_id"
    unknown = Escalation(adr_provider_id=desk.adr_id + 100)
    error = refused(desk, InvalidInput, service.escalate, complainant, complaint.id, unknown)
    assert field_of(error) == "adr_provider_id"


def test_an_adr_body_does_not_hear_complaints_about_its_own_organization(desk: Desk) -> None:
    world, own = desk.world, desk.adr.actor
    scope_id = new_scope(world.uow, own, world.regulator_id, "Benefits triage", "public")
    terms = add(
        world.uow, own, scope_id, MEASURE, kind="rule", rule_layer="provider_user", title="Terms"
    )
    itself = AdrRouteSet(measure_id=terms.id, adr_provider_id=desk.adr_id)
    error = refused(desk, InvalidInput, service.name_adr_route, own, scope_id, itself)
    assert field_of(error) == "adr_provider_id"
    complaint, complainant = desk.file(scope_id=scope_id)
    desk.provider = Caller(own)
    service.acknowledge(desk.uow, desk.provider, complaint.id, Note())
    with on(date(2027, 2, 9)):
        escalation = Escalation(adr_provider_id=desk.adr_id)
        error = refused(desk, InvalidInput, service.escalate, complainant, complaint.id, escalation)
    assert field_of(error) == "adr_provider_id"


def test_a_business_cannot_be_an_adr_body(desk: Desk) -> None:
    with pytest.raises(InvalidInput) as error:
        register_adr(desk.uow, desk.world.owner, desk.world.business_id)
    assert field_of(error.value) == "organization_id"


# ---------------------------------------------------------------- the periodic job


def overdue_notices(uow: UnitOfWork) -> int:
    with uow:
        return (
            uow.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.kind == "complaint.overdue")
            )
            or 0
        )


def run_job(uow: UnitOfWork, day: date) -> int:
    with on(day, 3):
        return service.act_on_missed_deadlines(uow)


def test_a_missed_acknowledgement_is_told_once(desk: Desk) -> None:
    complaint, complainant = desk.file()
    assert run_job(desk.uow, date(2027, 1, 14)) == 0  # due today
    assert run_job(desk.uow, date(2027, 1, 15)) == 1
    told = overdue_notices(desk.uow)
    assert told >= 1
    assert run_job(desk.uow, date(2027, 1, 18)) == 0
    assert overdue_notices(desk.uow) == told
    late = service.get_complaint(desk.uow, complainant, complaint.id)
    assert late.status is Status.filed
    assert actions(late)[-1] == ("overdue", Party.platform, Status.filed)
    assert late.steps[-1].details == {"missed": "2027-01-14"}
    # Acknowledging late starts the next clock, which the job watches again.
    with on(date(2027, 1, 18)):
        service.acknowledge(desk.uow, desk.provider, complaint.id, Note())
    assert run_job(desk.uow, date(2027, 2, 9)) == 1
    assert overdue_notices(desk.uow) > told


def test_a_late_answer_goes_to_the_named_adr_body_when_asked(desk: Desk) -> None:
    desk.name_route()
    asked, asker = desk.file(escalate_when_late=True)
    other, other_complainant = desk.file()
    for complaint in (asked, other):
        service.acknowledge(desk.uow, desk.provider, complaint.id, Note())
    assert run_job(desk.uow, date(2027, 2, 9)) == 2
    escalated = service.get_complaint(desk.uow, asker, asked.id)
    assert (escalated.status, escalated.adr_provider_id, escalated.escalated_on) == (
        Status.escalated,
        desk.adr_id,
        date(2027, 2, 9),
    )
    assert actions(escalated)[-1] == ("escalate", Party.platform, Status.escalated)
    assert escalated.steps[-1].details == {"adr_provider_id": desk.adr_id, "missed": "2027-02-08"}
    # The ADR body sees it now; the complaint that did not ask is only told.
    assert service.get_complaint(desk.uow, desk.adr, asked.id).status is Status.escalated
    told = service.get_complaint(desk.uow, other_complainant, other.id)
    assert (told.status, actions(told)[-1][0]) == (Status.acknowledged, "overdue")


@pytest.mark.parametrize("asked", [True, False])
def test_a_complaint_never_acknowledged_is_late_with_its_answer_too(
    desk: Desk, asked: bool
) -> None:
    desk.name_route()
    complaint, complainant = desk.file(escalate_when_late=asked)
    assert run_job(desk.uow, date(2027, 1, 15)) == 1  # the acknowledgement
    assert run_job(desk.uow, date(2027, 2, 8)) == 0
    assert run_job(desk.uow, date(2027, 2, 9)) == 1  # the answer
    assert run_job(desk.uow, date(2027, 2, 10)) == 0
    late = service.get_complaint(desk.uow, complainant, complaint.id)
    assert late.steps[-1].details["missed"] == "2027-02-08"
    if asked:
        assert (late.status, late.adr_provider_id) == (Status.escalated, desk.adr_id)
        assert actions(late)[-1] == ("escalate", Party.platform, Status.escalated)
    else:
        assert (late.status, actions(late)[-1][0]) == (Status.filed, "overdue")


def test_a_late_answer_without_a_route_is_only_told(desk: Desk) -> None:
    complaint, complainant = desk.file(escalate_when_late=True)
    service.acknowledge(desk.uow, desk.provider, complaint.id, Note())
    assert run_job(desk.uow, date(2027, 2, 9)) == 1
    late = service.get_complaint(desk.uow, complainant, complaint.id)
    assert (late.status, actions(late)[-1][0]) == (Status.acknowledged, "overdue")


@pytest.mark.parametrize(
    ("stage", "outcome"),
    [("answered", "no_reply"), ("adr_refused", "refused_by_adr"), ("not_settled", "not_settled")],
)
def test_the_complainants_silence_closes_the_case(desk: Desk, stage: str, outcome: str) -> None:
    if stage == "answered":
        complaint, complainant = desk.answered()
    else:
        complaint, complainant = desk.before_adr()
        if stage == "adr_refused":
            complaint = service.adr_refuse(
                desk.uow, desk.adr, complaint.id, Refusal(ground="out_of_scope")
            )
        else:
            service.adr_accept(desk.uow, desk.adr, complaint.id, Note())
            complaint = service.adr_close(
                desk.uow, desk.adr, complaint.id, AdrClosing(result="not_settled", text="No.")
            )
    assert complaint.due_on == date(2027, 2, 8)
    assert run_job(desk.uow, date(2027, 2, 8)) == 0
    assert run_job(desk.uow, date(2027, 2, 9)) == 1
    closed = service.get_complaint(desk.uow, complainant, complaint.id)
    assert (closed.status, closed.outcome, closed.closed_on) == (
        Status.closed,
        outcome,
        date(2027, 2, 9),
    )
    assert actions(closed)[-1] == ("lapse", Party.platform, Status.closed)
    assert run_job(desk.uow, date(2027, 3, 9)) == 0


def test_the_whole_case_deadline_is_told_once(desk: Desk) -> None:
    service.set_desk(
        desk.uow,
        desk.world.owner,
        desk.world.business_id,
        ComplaintDeskSet(case_business_days=5),
    )
    complaint, complainant = desk.file()
    assert complaint.case_due_on == date(2027, 1, 18)
    service.acknowledge(desk.uow, desk.provider, complaint.id, Note())
    assert run_job(desk.uow, date(2027, 1, 18)) == 0
    assert run_job(desk.uow, date(2027, 1, 19)) == 1
    late = service.get_complaint(desk.uow, complainant, complaint.id)
    assert late.status is Status.acknowledged
    assert late.steps[-1].details == {"missed": "2027-01-18", "which": "case"}
    assert run_job(desk.uow, date(2027, 1, 20)) == 0
    # The answer's deadline, missed later, is a move of its own.
    assert run_job(desk.uow, date(2027, 2, 9)) == 1


def test_a_late_adr_body_and_the_provider_are_told(desk: Desk) -> None:
    complaint, complainant = desk.before_adr()
    assert complaint.due_on == date(2027, 1, 25)  # ten business days to accept or refuse
    assert run_job(desk.uow, date(2027, 1, 26)) == 1
    late = service.get_complaint(desk.uow, complainant, complaint.id)
    assert (late.status, actions(late)[-1][0]) == (Status.escalated, "overdue")
    with desk.uow:
        told = set(
            desk.uow.session.scalars(
                select(Notification.organization_id).where(Notification.kind == "complaint.overdue")
            )
        )
    assert told == {desk.world.business_id, desk.world.regulator_id}


def test_each_provider_and_adr_body_keeps_its_own_clocks(desk: Desk) -> None:
    before, _ = desk.file()
    service.set_desk(
        desk.uow,
        desk.world.owner,
        desk.world.business_id,
        ComplaintDeskSet(acknowledge_business_days=5, answer_business_days=10),
    )
    after, complainant = desk.file()
    assert (before.due_on, after.due_on) == (date(2027, 1, 14), date(2027, 1, 18))
    acknowledged = service.acknowledge(desk.uow, desk.provider, after.id, Note())
    assert acknowledged.due_on == date(2027, 1, 25)
    mediator, centre = organization_of(desk.uow, "mediation", "community")
    quick = register_adr(desk.uow, mediator, centre, accept_business_days=2)
    with on(date(2027, 1, 26)):
        escalated = service.escalate(
            desk.uow, complainant, after.id, Escalation(adr_provider_id=quick)
        )
    assert escalated.due_on == date(2027, 1, 28)


# ---------------------------------------------------------------- pause, resume, extend


def test_a_pause_moves_the_deadlines_on_by_the_business_days_paused(desk: Desk) -> None:
    complaint, _ = desk.file()
    paused = service.pause(
        desk.uow, desk.provider, complaint.id, Pause(reason="Asked for the letter")
    )
    assert paused.paused_on == FRIDAY
    assert paused.steps[-1].note == "Asked for the letter"
    # A paused clock is not late.
    assert run_job(desk.uow, date(2027, 1, 20)) == 0
    with on(date(2027, 1, 12)):  # one business day later: the Monday is a holiday
        running = service.resume(desk.uow, desk.provider, complaint.id, Note(note="Received"))
    assert (running.paused_on, running.due_on) == (None, date(2027, 1, 15))
    assert running.case_due_on == date(2027, 10, 6)
    assert running.steps[-1].details == {"paused_on": "2027-01-08", "due_on": "2027-01-15"}


def test_a_move_out_of_a_paused_state_resumes_the_case_clock(desk: Desk) -> None:
    complaint, _ = desk.file()
    service.acknowledge(desk.uow, desk.provider, complaint.id, Note())
    service.assess(desk.uow, desk.provider, complaint.id, Assessment(severity="low", urgency="low"))
    service.pause(desk.uow, desk.provider, complaint.id, Pause(reason="Asked for the letter"))
    with on(date(2027, 1, 13)):  # the letter came; answered at once, two business days on
        answered = service.answer(
            desk.uow, desk.provider, complaint.id, Answer(decision="not_upheld", reason="No.")
        )
    assert (answered.paused_on, answered.case_due_on) == (None, date(2027, 10, 7))


def test_pausing_and_resuming_are_refused_when_they_make_no_sense(desk: Desk) -> None:
    complaint, complainant = desk.file()
    reason = Pause(reason="Waiting")
    error = refused(desk, InvalidInput, service.resume, desk.provider, complaint.id, Note())
    assert field_of(error) == "status"
    # Only the side whose clock runs stops it.
    refused(desk, Forbidden, service.pause, complainant, complaint.id, reason)
    service.pause(desk.uow, desk.provider, complaint.id, reason)
    error = refused(desk, InvalidInput, service.pause, desk.provider, complaint.id, reason)
    assert field_of(error) == "status"
    answered, complainant = desk.answered()
    # The complainant's clock is not theirs to stop either.
    refused(desk, Forbidden, service.pause, complainant, answered.id, reason)
    refused(desk, Forbidden, service.pause, desk.provider, answered.id, reason)


def test_an_extension_needs_a_later_date(desk: Desk) -> None:
    complaint, complainant = desk.file()
    for until in (date(2027, 1, 14), date(2027, 1, 13)):
        extension = Extension(until=until, reason="More time")
        error = refused(desk, InvalidInput, service.extend, desk.provider, complaint.id, extension)
        assert field_of(error) == "until"
    refused(
        desk,
        Forbidden,
        service.extend,
        complainant,
        complaint.id,
        Extension(until=date(2027, 1, 20), reason="Mine"),
    )
    later = service.extend(
        desk.uow, desk.provider, complaint.id, Extension(until=date(2027, 1, 20), reason="Holiday")
    )
    assert later.due_on == date(2027, 1, 20)
    assert later.steps[-1].details == {
        "which": "state",
        "from": "2027-01-14",
        "until": "2027-01-20",
    }
    case = service.extend(
        desk.uow,
        desk.provider,
        complaint.id,
        Extension(until=date(2027, 12, 1), reason="Expert", case=True),
    )
    assert (case.due_on, case.case_due_on) == (date(2027, 1, 20), date(2027, 12, 1))
    assert run_job(desk.uow, date(2027, 1, 20)) == 0
    assert run_job(desk.uow, date(2027, 1, 21)) == 1


def test_an_extension_after_a_missed_deadline_is_watched_again(desk: Desk) -> None:
    complaint, _ = desk.file()
    assert run_job(desk.uow, date(2027, 1, 15)) == 1
    with on(date(2027, 1, 15)):
        service.extend(
            desk.uow, desk.provider, complaint.id, Extension(until=date(2027, 1, 20), reason="Late")
        )
    assert run_job(desk.uow, date(2027, 1, 20)) == 0
    assert run_job(desk.uow, date(2027, 1, 21)) == 1


# ---------------------------------------------------------------- clusters


def complaint_triggers(desk: Desk, status: str | None = None) -> list[Any]:
    found = cycle.list_triggers(desk.uow, desk.world.owner, desk.scope_id, 100, 0, status).items
    return [trigger for trigger in found if trigger.kind is TriggerKind.complaint_cluster]


def about(desk: Desk, goal_id: int | None = None) -> int:
    complaint, _ = desk.file(subject_type="goal", subject_id=goal_id or desk.goal_id)
    return complaint.id


def test_complaints_about_one_goal_open_one_trigger_in_the_inner_loop(desk: Desk) -> None:
    first = [about(desk), about(desk)]
    assert complaint_triggers(desk) == []
    third = about(desk)
    [trigger] = complaint_triggers(desk)
    assert (trigger.loop, trigger.status, trigger.subject_type) == (
        Loop.inner,
        "open",
        "complaint_cluster",
    )
    members = [*first, third]
    assert trigger.facts["complaints"] == members
    assert trigger.facts["about"] == f"goal:{desk.goal_id}"
    [cluster] = service.clusters_of(desk.uow, desk.world.viewer, desk.scope_id)
    assert (cluster.id, cluster.trigger_id, cluster.complaint_ids) == (
        trigger.subject_id,
        trigger.id,
        members,
    )
    # More join the open cluster; no new trigger.
    fourth = about(desk)
    other_goal = specific_goal(desk.uow, desk.world.editor, desk.scope_id, title="Explained")
    elsewhere = about(desk, other_goal.id)
    assert len(complaint_triggers(desk)) == 1
    [cluster] = service.clusters_of(desk.uow, desk.world.viewer, desk.scope_id)
    assert cluster.complaint_ids == [*members, fourth]
    with desk.uow:
        assert desk.uow.session.get(Complaint, elsewhere).cluster_id is None

    # Reviewed: a new cluster may open, of complaints not in the old one.
    review(desk.uow, desk.world.reviewer, desk.scope_id, resolves=[trigger.id])
    assert complaint_triggers(desk, "open") == []
    again = [about(desk), about(desk)]
    assert complaint_triggers(desk, "open") == []
    again.append(about(desk))
    [reopened] = complaint_triggers(desk, "open")
    assert reopened.id != trigger.id
    assert reopened.facts["complaints"] == again


def test_the_scopes_rule_sets_the_threshold(desk: Desk) -> None:
    service.set_cluster_rule(
        desk.uow, desk.world.editor, desk.scope_id, ClusterRuleSet(threshold=2)
    )
    # Complaints about no goal gather by scope.
    desk.file()
    assert complaint_triggers(desk) == []
    desk.file()
    [trigger] = complaint_triggers(desk)
    assert trigger.facts["about"] == "scope"


def test_clusters_are_for_the_scopes_members(desk: Desk) -> None:
    for stranger in (desk.adr.actor, ANONYMOUS):
        with pytest.raises(NotFound):
            service.clusters_of(desk.uow, stranger, desk.scope_id)


# ---------------------------------------------------------------- privacy


def test_only_the_parties_see_a_complaint(desk: Desk) -> None:
    uow = desk.uow
    complaint, complainant = desk.file()
    rival, _ = organization_of(uow, "rival", "business")
    mediator, centre = organization_of(uow, "mediation", "community")
    register_adr(uow, mediator, centre)
    stranger = person(uow, "stranger")
    strangers = {
        "anonymous": Caller(ANONYMOUS),
        "wrong secret": Caller(ANONYMOUS, "agr_" + "x" * 43),
        "a person": Caller(stranger),
        "another business": Caller(rival),
        "the ADR body before escalation": desk.adr,
        "another ADR body": Caller(mediator),
    }

    def shut_out() -> None:
        for who, caller in strangers.items():
            with pytest.raises(NotFound):
                service.get_complaint(uow, caller, complaint.id)
            with pytest.raises(NotFound):
                service.add_statement(uow, caller, complaint.id, Statement(text="Hi"))
            listed = service.list_complaints(uow, caller.actor, 100, 0)
            assert complaint.id not in [item.id for item in listed.items], who

    shut_out()
    for caller in (complainant, desk.provider, Caller(desk.world.viewer)):
        seen = service.get_complaint(uow, caller, complaint.id)
        assert (seen.complainant_name, seen.contact) == (NAME, CONTACT)
    service.acknowledge(uow, desk.provider, complaint.id, Note())
    with on(date(2027, 2, 9)):  # the answer is late
        service.escalate(uow, complainant, complaint.id, Escalation(adr_provider_id=desk.adr_id))
    del strangers["the ADR body before escalation"]
    shut_out()
    seen = service.get_complaint(uow, desk.adr, complaint.id)
    assert (seen.complainant_name, seen.contact) == (NAME, CONTACT)
    assert [item.id for item in service.list_complaints(uow, desk.adr.actor, 100, 0).items] == [
        complaint.id
    ]


def test_the_record_holds_commitments_and_no_names(desk: Desk) -> None:
    complaint, complainant = desk.answered()
    service.add_statement(desk.uow, complainant, complaint.id, Statement(text="A private note"))
    read = service.get_complaint(desk.uow, complainant, complaint.id)
    for step in read.steps:
        entry = get_entry(desk.uow, ANONYMOUS, step.record_index)
        assert entry.event is None and entry.salt is None
        leaf = json.loads(entry.leaf)
        assert "payload" not in leaf and leaf["payload_commitment"].startswith("sha256:")
        assert NAME not in entry.leaf.decode() and "private note" not in entry.leaf.decode()
    # Nor is the complainant's name or contact in any event's content.
    with desk.uow:
        payloads = [json.dumps(p) for p in desk.uow.session.scalars(select(Event.payload))]
    assert payloads and not [p for p in payloads if NAME in p or CONTACT in p]


# ---------------------------------------------------------------- statistics


def test_statistics_hide_small_cells_and_private_scopes(desk: Desk) -> None:
    world = desk.world
    for _ in range(5):
        desk.file()
    desk.file(category="privacy")
    hidden = new_scope(desk.uow, world.owner, world.business_id, "Chat", "public")
    for _ in range(4):
        desk.file(scope_id=hidden, category="privacy")
    update_scope(desk.uow, world.owner, hidden, ScopeUpdate(visibility="private"))

    def figures(actor: Principal, **fields: Any) -> Any:
        return service.complaint_statistics(
            desk.uow, actor, world.business_id, FRIDAY, FRIDAY, **fields
        )

    public = figures(ANONYMOUS)
    assert (public.cases, public.open_cases, public.suppressed) == (6, 6, True)
    # The one privacy complaint is hidden, and so the five others, which would tell it.
    assert (public.by_category["decision"], public.by_category["privacy"]) == (None, None)
    members = figures(world.viewer)
    assert (members.cases, members.suppressed) == (10, False)
    assert (members.by_category["decision"], members.by_category["privacy"]) == (5, 5)
    assert figures(world.viewer, scope_id=hidden).cases is None  # four: hidden
    with pytest.raises(NotFound):
        figures(ANONYMOUS, scope_id=hidden)
    with pytest.raises(InvalidInput) as error:
        figures(ANONYMOUS, minimum=4)
    assert field_of(error.value) == "minimum"


def test_statistics_count_handling_time_in_business_days(desk: Desk) -> None:
    # Filed on Friday, answered one to five business days later (over the holiday).
    for day in (12, 13, 14, 15, 18):
        complaint, _ = desk.file()
        service.acknowledge(desk.uow, desk.provider, complaint.id, Note())
        service.assess(
            desk.uow, desk.provider, complaint.id, Assessment(severity="low", urgency="low")
        )
        with on(date(2027, 1, day)):
            service.answer(
                desk.uow, desk.provider, complaint.id, Answer(decision="not_upheld", reason="No")
            )
    figures = service.complaint_statistics(
        desk.uow, ANONYMOUS, desk.world.business_id, FRIDAY, FRIDAY
    )
    assert (figures.cases, figures.mean_handling_days, figures.p90_handling_days) == (5, 3.0, 5)
    assert (figures.escalation_rate, figures.by_stage["provider"]) == (0.0, 5)
    # Filed the day before the period: not counted.
    later = service.complaint_statistics(
        desk.uow, ANONYMOUS, desk.world.business_id, date(2027, 1, 9), date(2027, 12, 31)
    )
    assert later.cases == 0


# ---------------------------------------------------------------- evidence for a court


@pytest.mark.parametrize("name", ["scans/letter.pdf", "..\\letter.pdf", "..", "letter.pdf"])
def test_a_document_needs_a_plain_name_not_given_before(desk: Desk, name: str) -> None:
    """Each document is a file of the evidence bundle's folder: one plain name each."""
    complaint, complainant = desk.file()
    letter = DocumentAdd(name="letter.pdf", sha256="ab" * 32, size=6)
    service.add_document(desk.uow, complainant, complaint.id, letter)
    other = DocumentAdd(name=name, sha256="cd" * 32, size=6)
    error = refused(desk, InvalidInput, service.add_document, desk.provider, complaint.id, other)
    assert field_of(error) == "name"
    signer = notes.generate_signer(ORIGIN)
    bundle = service.evidence(desk.uow, complainant, complaint.id, signer, ORIGIN)
    assert [doc["name"] for doc in bundle["documents"]] == ["letter.pdf"]


def test_the_evidence_bundle_verifies_and_a_changed_note_does_not(desk: Desk) -> None:
    complaint, complainant = desk.before_adr()
    service.adr_refuse(
        desk.uow, desk.adr, complaint.id, Refusal(ground="out_of_scope", note="Ours?")
    )
    signer = notes.generate_signer(ORIGIN)
    key = notes.verifier_key(signer)
    bundle = json.loads(
        json.dumps(service.evidence(desk.uow, complainant, complaint.id, signer, ORIGIN))
    )
    checked = verify_bundle(bundle, key)
    read = service.get_complaint(desk.uow, complainant, complaint.id)
    assert [entry.index for entry in checked.entries] == [step.record_index for step in read.steps]
    held = bundle["subject"]["complaint"]
    assert "complainant_name" not in held and "contact" not in held
    # The proved entries hold the history, starting with the intake itself.
    assert "steps" not in held
    filing = bundle["entries"][0]["event"]["payload"]
    assert filing["action"] == "file"
    assert filing["details"]["what_happened"] == read.what_happened
    assert filing["details"]["remedy_sought"] == read.remedy_sought
    assert NAME not in json.dumps(bundle) and CONTACT not in json.dumps(bundle)

    tampered = copy.deepcopy(bundle)
    refusal = next(
        entry for entry in tampered["entries"] if entry["event"]["type"] == "complaint.adr_refused"
    )
    refusal["event"]["payload"]["note"] = "Not ours."
    with pytest.raises(BundleError, match=f"entry {refusal['index']}: "):
        verify_bundle(tampered, key)
    with pytest.raises(NotFound):
        service.evidence(
            desk.uow, Caller(person(desk.uow, "stranger")), complaint.id, signer, ORIGIN
        )
