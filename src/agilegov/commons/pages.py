"""The commons part's pages, on the incidents' side: a scope's incidents tab
(its incidents for its organization's members, its commons subscription and
signals), recording an incident, an incident's page with its path, duties,
reports, pledge and the moves the viewer's side may make, sharing it to the
commons, and a regulator's reporting clocks on its channel."""

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from agilegov import i18n
from agilegov.analysis.service import RISK
from agilegov.api.deps import Uow
from agilegov.auth import Role
from agilegov.commons import matching, path, reporting, service
from agilegov.commons.models import Incident, SharedIncident
from agilegov.commons.path import Action, Branch, Consequence, MoveRefused, Party, Status
from agilegov.commons.schemas import (
    ChannelChoice,
    ClauseIn,
    Compensation,
    Harm,
    IncidentCreate,
    IncidentRead,
    Note,
    Pledge,
    PledgeItemCreate,
    ReportFiling,
    ReportingRuleSet,
    Sanction,
    ShareInput,
    SubscriptionSet,
    System,
    Technique,
)
from agilegov.commons.vocabulary import HarmSeverity, HarmType, IncidentKind
from agilegov.design.service import MEASURE
from agilegov.errors import Conflict, FieldProblem, InvalidInput, NotFound
from agilegov.i18n import N_, lazy
from agilegov.part import Tab
from agilegov.regulation import channels
from agilegov.regulation.schemas import ChannelStatus
from agilegov.schemas import Input, LongText, Name
from agilegov.tenancy import Scope
from agilegov.uow import UnitOfWork
from agilegov.web.forms import Choice, FormState, Message, label_of, reference_label
from agilegov.web.lists import Column, Listing, choice_label, read
from agilegov.web.render import confirm_page, form_page, render, submit_form
from agilegov.web.scope_page import scope_page
from agilegov.web.signin import Form, Visitor, VisitorDep

router = APIRouter(include_in_schema=False)

TAB = "incidents"
# Open channels a select offers, signals the tab shows.
CHANNELS_SHOWN = 200
SIGNALS_SHOWN = 50
HARM_ROWS = 3
PLEDGE_ROWS = 5
CLAUSE_ROWS = 6

PARTY_NAMES = {
    Party.owner: N_("the organization"),
    Party.regulator: N_("the regulator"),
    Party.platform: N_("platform"),
}

# Code names whose words, made from the name alone, would read wrong or unclear.
WORDS = {
    # The steps of the timeline, as done.
    "recorded": N_("Recorded the incident"),
    "channel_named": N_("Named the regulator's channel"),
    "reported": N_("Filed the complete report"),
    "shared": N_("Shared it to the commons"),
    "inform_affected": N_("Informed those affected"),
    "inform_regulator": N_("Filed the initial report"),
    "offer_compensation": N_("Offered compensation"),
    "compensate": N_("Compensated those affected"),
    "cooperate": N_("Cooperates with the investigation"),
    "pledge": N_("Pledged improvements"),
    "defer": N_("Deferred sanctions"),
    "complete": N_("Completed: no sanction"),
    "refuse_cooperation": N_("Sanctioned: no cooperation"),
    "break_pledge": N_("Sanctioned: pledge broken"),
    "close": N_("Closed"),
    "overdue": N_("Deadline missed"),
    "note": N_("Note"),
    # Statuses whose plain words read as something else in other parts ("Completed": when).
    "completed": N_("Completed without sanction"),
    "closed": N_("Closed: it harmed no one"),
    # Severities, as a harm's ("Minor" alone is a finding's elsewhere).
    "minor": N_("Minor harm"),
    "moderate": N_("Moderate harm"),
    "serious": N_("Serious harm"),
    "fatal": N_("Fatal harm"),
    # Branches, as a reader takes them.
    "foreseeable": N_("Foreseeable: its risk was in the register"),
    "unforeseeable": N_("Unforeseeable: no risk of the register foresaw it"),
}


REPORT_KINDS = {"initial": N_("Initial report"), "complete": N_("Complete report")}


def commons_word(value: object) -> str:
    """A code name of the commons part in the page's words."""
    name = str(getattr(value, "value", value))
    return i18n.gettext(WORDS[name]) if name in WORDS else choice_label(name)


def _worded(names: Sequence[object]) -> list[Choice]:
    """A select's options of code names, in the words the pages read."""
    return [(str(name), WORDS.get(str(name), label_of(str(name)))) for name in names]


# ---------------------------------------------------------------- pure helpers


def facts_of(incident: IncidentRead, today: date) -> path.Facts:
    """What the path's moves need to know of an incident as read."""
    return path.Facts(
        kind=incident.kind,
        has_harm=bool(incident.harms),
        affected_informed=incident.affected_informed_on is not None,
        regulator_informed=incident.regulator_informed_on is not None,
        pledge_items=len(incident.pledge),
        pledge_items_done=sum(1 for item in incident.pledge if item.done_version is not None),
        pledge_items_overdue=path.overdue_items(
            (
                path.PledgeItem(item.due_on, item.done_version is not None)
                for item in incident.pledge
            ),
            today,
        ),
    )


def renamed_problems(problems: Mapping[str, Message], rows: Mapping[str, str]) -> dict[str, Any]:
    """A service's problems as a form of numbered rows shows them: ``items[1]
    .due_on`` next to ``item_2_due_on`` (``rows`` maps ``items`` to ``item``),
    ``risk_ids[0]`` next to ``risk_ids``."""
    shown: dict[str, Any] = {}
    for name, message in problems.items():
        head, _, rest = name.partition("[")
        if rest and head in rows:
            index, _, field = rest.partition("].")
            if index.isdecimal() and field:
                name = f"{rows[head]}_{int(index) + 1}_{field}"
        elif rest:
            name = head
        shown.setdefault(name, message)
    return shown


def _problem(name: str, message: Message) -> InvalidInput:
    return InvalidInput.of([FieldProblem(name, message)])


# ---------------------------------------------------------------- recording


class IncidentForm(Input):
    """The record form: ``IncidentCreate`` with its systems as lines and its
    harms as rows of fields."""

    kind: IncidentKind = IncidentKind.incident
    title: Name
    description: LongText = Field(min_length=1, description=N_("What happened."))
    occurred_on: date
    discovered_on: date = Field(description=N_("When your organization became aware of it."))
    risk_ids: list[int] = Field(
        default_factory=list,
        max_length=50,
        description=N_(
            "The risks of the register that materialised; none means it was not foreseen."
        ),
    )
    techniques: list[Technique] = Field(
        default_factory=list,
        max_length=50,
        description=N_("MITRE ATLAS techniques involved, such as AML.T0051."),
    )
    systems: list[Annotated[str, StringConstraints(max_length=300)]] = Field(
        default_factory=list,
        max_length=20,
        description=N_(
            "Each system as “name | kind”, the kind a short word such as llm or ranking."
        ),
    )
    harm_1_type: HarmType | None = None
    harm_1_severity: HarmSeverity | None = None
    harm_1_affected: Annotated[str, StringConstraints(max_length=200)] = ""
    harm_1_count: int | None = Field(default=None, ge=0, le=10**10)
    harm_2_type: HarmType | None = None
    harm_2_severity: HarmSeverity | None = None
    harm_2_affected: Annotated[str, StringConstraints(max_length=200)] = ""
    harm_2_count: int | None = Field(default=None, ge=0, le=10**10)
    harm_3_type: HarmType | None = None
    harm_3_severity: HarmSeverity | None = None
    harm_3_affected: Annotated[str, StringConstraints(max_length=200)] = ""
    harm_3_count: int | None = Field(default=None, ge=0, le=10**10)
    critical_infrastructure: bool = Field(
        default=False, description=N_("It disrupted the operation of critical infrastructure.")
    )
    widespread: bool = Field(
        default=False, description=N_("It infringed the rights of many people in many places.")
    )
    channel_id: int | None = Field(
        default=None,
        description=N_(
            "The regulator's reporting channel it is reported to; you may name it later."
        ),
    )

    def harms(self) -> list[Harm]:
        found = []
        for row in range(1, HARM_ROWS + 1):
            kind = getattr(self, f"harm_{row}_type")
            severity = getattr(self, f"harm_{row}_severity")
            affected = getattr(self, f"harm_{row}_affected")
            count = getattr(self, f"harm_{row}_count")
            if kind is None and severity is None and not affected and count is None:
                continue
            if kind is None:
                raise _problem(f"harm_{row}_type", lazy("a harm needs its type"))
            if severity is None:
                raise _problem(f"harm_{row}_severity", lazy("a harm needs its severity"))
            found.append(Harm(type=kind, severity=severity, affected=affected, count=count or 0))
        return found

    def system_list(self) -> list[System]:
        found = []
        for number, line in enumerate(self.systems, start=1):
            name, bar, kind = line.rpartition("|")
            try:
                if not bar:
                    raise ValueError(line)
                found.append(System(name=name.strip(), kind=kind.strip()))
            except (ValidationError, ValueError):
                raise _problem(
                    "systems",
                    lazy(
                        "line %(number)s: write “name | kind”, the kind a short word such as llm",
                        number=number,
                    ),
                ) from None
        return found

    def create(self) -> IncidentCreate:
        if self.discovered_on < self.occurred_on:
            raise _problem("discovered_on", lazy("must not be before the day it occurred"))
        return IncidentCreate(
            kind=self.kind,
            title=self.title,
            description=self.description,
            occurred_on=self.occurred_on,
            discovered_on=self.discovered_on,
            harms=self.harms(),
            systems=self.system_list(),
            techniques=self.techniques,
            risk_ids=self.risk_ids,
            critical_infrastructure=self.critical_infrastructure,
            widespread=self.widespread,
            channel_id=self.channel_id,
        )


RECORD_LABELS = {
    "occurred_on": N_("When it occurred"),
    "discovered_on": N_("When it was discovered"),
    "risk_ids": N_("Risks that materialised"),
    "techniques": N_("ATLAS techniques"),
    "systems": N_("Systems involved"),
    "critical_infrastructure": N_("It disrupted critical infrastructure"),
    "widespread": N_("It was widespread"),
    "channel_id": N_("Regulator's reporting channel"),
    **{
        f"harm_{row}_{part}": text
        for row in range(1, HARM_ROWS + 1)
        for part, text in (
            ("type", lazy("Harm %(row)s: type", row=row)),
            ("severity", lazy("Harm %(row)s: severity", row=row)),
            ("affected", lazy("Harm %(row)s: who was affected", row=row)),
            ("count", lazy("Harm %(row)s: how many", row=row)),
        )
    },
}


def _risk_choices(session: Session, scope_id: int) -> list[Choice]:
    risk = RISK.model
    rows = session.execute(
        select(risk.id, risk.title).where(risk.scope_id == scope_id).order_by(risk.id)
    )
    return [(str(id_), reference_label(id_, title)) for id_, title in rows]


def _measure_choices(session: Session, scope_id: int) -> list[Choice]:
    measure = MEASURE.model
    rows = session.execute(
        select(measure.id, measure.title)
        .where(measure.scope_id == scope_id, measure.status != "retired")
        .order_by(measure.id)
    )
    return [(str(id_), reference_label(id_, title)) for id_, title in rows]


def _channel_choices(uow: UnitOfWork) -> list[Choice]:
    listed = channels.list_channels(uow, CHANNELS_SHOWN, 0, status=ChannelStatus.open)
    return [(str(c.id), reference_label(c.id, c.title)) for c in listed.items]


def _member_scope(session: Session, visitor: Visitor, scope_id: int) -> Scope:
    """A scope of the visitor's organization: to anyone else there is none."""
    scope = session.get(Scope, scope_id)
    if scope is None or not visitor.can(scope.organization_id, Role.viewer):
        raise NotFound(lazy("scope %(scope_id)s not found", scope_id=scope_id))
    return scope


def _record_form(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    scope_id: int,
    values: Mapping[str, Any] | None = None,
    problems: Mapping[str, Message] | None = None,
) -> Response:
    with uow:
        scope = _member_scope(uow.session, visitor, scope_id)
        name = scope.name
        risks = _risk_choices(uow.session, scope_id)
    state = FormState.of(
        IncidentForm,
        values,
        renamed_problems(problems or {}, {}),
        choices={
            "risk_ids": risks,
            "channel_id": _channel_choices(uow),
            "kind": _worded(list(IncidentKind)),
            **{f"harm_{row}_type": _worded(list(HarmType)) for row in range(1, HARM_ROWS + 1)},
            **{
                f"harm_{row}_severity": _worded(list(HarmSeverity))
                for row in range(1, HARM_ROWS + 1)
            },
        },
        labels=RECORD_LABELS,
    )
    return form_page(
        request,
        state=state,
        heading=lazy("Record an incident on %(scope)s", scope=name),
        intro=N_(
            "Linking the risks of the register that materialised is what makes an incident "
            "foreseeable: then you inform those affected and the regulator, and compensate. "
            "Linked to no risk, it was not foreseen: you inform, cooperate with the "
            "regulator's investigation and pledge improvements, and sanctions are deferred "
            "while the pledge is kept. Either way it opens a trigger of the scope's cycle. "
            "The incident is seen only by your organization and the regulator you report it to."
        ),
        action=f"/scopes/{scope_id}/incidents",
        submit=N_("Record the incident"),
        cancel=f"/scopes/{scope_id}/{TAB}",
        breadcrumbs=[(f"/scopes/{scope_id}", name), (f"/scopes/{scope_id}/{TAB}", N_("Incidents"))],
    )


@router.get("/scopes/{scope_id:int}/incidents/new")
def new_incident(request: Request, scope_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _record_form(request, uow, visitor, scope_id)


@router.post("/scopes/{scope_id:int}/incidents")
def record_incident(
    request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    return submit_form(
        IncidentForm,
        form,
        lambda data: service.record_incident(uow, visitor.principal, scope_id, data.create()),
        refused=partial(_record_form, request, uow, visitor, scope_id),
        done=lambda recorded: f"/incidents/{recorded.id}",
        message=lambda recorded: lazy("Incident #%(id)s recorded", id=recorded.id),
    )


# ---------------------------------------------------------------- an incident's moves


class ReportForm(Input):
    description: LongText = Field(min_length=1, description=N_("What the regulator is told."))


class PledgeForm(Input):
    """A pledge with up to five items, each a row of fields."""

    note: LongText = Field(min_length=1, description=N_("What the organization pledges."))
    item_1_measure_id: int | None = None
    item_1_change: Annotated[str, StringConstraints(max_length=2000)] = ""
    item_1_due_on: date | None = None
    item_2_measure_id: int | None = None
    item_2_change: Annotated[str, StringConstraints(max_length=2000)] = ""
    item_2_due_on: date | None = None
    item_3_measure_id: int | None = None
    item_3_change: Annotated[str, StringConstraints(max_length=2000)] = ""
    item_3_due_on: date | None = None
    item_4_measure_id: int | None = None
    item_4_change: Annotated[str, StringConstraints(max_length=2000)] = ""
    item_4_due_on: date | None = None
    item_5_measure_id: int | None = None
    item_5_change: Annotated[str, StringConstraints(max_length=2000)] = ""
    item_5_due_on: date | None = None

    def pledge(self) -> Pledge:
        items = []
        for row in range(1, PLEDGE_ROWS + 1):
            measure_id = getattr(self, f"item_{row}_measure_id")
            change = getattr(self, f"item_{row}_change")
            due_on = getattr(self, f"item_{row}_due_on")
            if measure_id is None and not change and due_on is None:
                continue
            for field, value in (
                ("measure_id", measure_id),
                ("change", change),
                ("due_on", due_on),
            ):
                if not value:
                    raise _problem(
                        f"item_{row}_{field}",
                        lazy("an item needs its measure, change and due date"),
                    )
            items.append(PledgeItemCreate(measure_id=measure_id, change=change, due_on=due_on))
        if not items:
            raise _problem("item_1_measure_id", lazy("a pledge needs at least one item"))
        return Pledge(note=self.note, items=items)


@dataclass(frozen=True)
class MoveForm:
    """A move on an incident's page: where it posts, its form's shape, its
    button, the path's action it is (None: a step outside the path's moves,
    such as naming the channel), and the service call."""

    path: str
    action: Action | None
    shape: type[BaseModel]
    submit: str
    call: Callable[..., Any]
    confirm: str | None = None


def _sanction(action: Action) -> Callable[..., Any]:
    return lambda uow, actor, incident_id, data: service.sanction(
        uow, actor, incident_id, action, data
    )


MOVE_FORMS = (
    MoveForm(
        "inform-affected",
        Action.inform_affected,
        Note,
        N_("Those affected are informed"),
        service.inform_affected,
    ),
    MoveForm("channel", None, ChannelChoice, N_("Name the regulator's channel"), service.report_to),
    MoveForm(
        "initial-report",
        Action.inform_regulator,
        ReportForm,
        N_("File the initial report"),
        lambda uow, actor, incident_id, data: service.file_report(
            uow, actor, incident_id, ReportFiling(kind="initial", description=data.description)
        ),
    ),
    MoveForm(
        "complete-report",
        None,
        ReportForm,
        N_("File the complete report"),
        lambda uow, actor, incident_id, data: service.file_report(
            uow, actor, incident_id, ReportFiling(kind="complete", description=data.description)
        ),
    ),
    MoveForm(
        "compensation-offer",
        Action.offer_compensation,
        Compensation,
        N_("Offer compensation"),
        service.offer_compensation,
    ),
    MoveForm(
        "compensation",
        Action.compensate,
        Compensation,
        N_("Compensation is paid"),
        service.compensate,
        N_("Record the compensation as paid? The incident's path ends."),
    ),
    MoveForm(
        "cooperation",
        Action.cooperate,
        Note,
        N_("Cooperate with the investigation"),
        service.cooperate,
    ),
    MoveForm(
        "pledge",
        Action.pledge,
        PledgeForm,
        N_("Pledge improvements"),
        lambda uow, actor, incident_id, data: service.pledge(
            uow, actor, incident_id, data.pledge()
        ),
    ),
    MoveForm(
        "deferral",
        Action.defer,
        Note,
        N_("Defer sanctions while the pledge is kept"),
        service.defer,
    ),
    MoveForm(
        "completion",
        Action.complete,
        Note,
        N_("Complete: the pledge is kept"),
        service.complete,
        N_("Complete the incident with no sanction? The path ends."),
    ),
    MoveForm(
        "non-cooperation",
        Action.refuse_cooperation,
        Sanction,
        N_("Sanction: no cooperation"),
        _sanction(Action.refuse_cooperation),
        N_("Sanction the organization for not cooperating? It cannot be taken back."),
    ),
    MoveForm(
        "broken-pledge",
        Action.break_pledge,
        Sanction,
        N_("Sanction: the pledge is broken"),
        _sanction(Action.break_pledge),
        N_("Sanction the organization for breaking its pledge? It cannot be taken back."),
    ),
    MoveForm(
        "closing",
        Action.close,
        Note,
        N_("Close: it harmed no one"),
        service.close,
        N_("Close the incident? The path ends."),
    ),
    MoveForm(
        "note",
        Action.note,
        Note,
        N_("Add a note"),
        lambda uow, actor, incident_id, data, party: service.add_note(
            uow, actor, incident_id, data, as_regulator=party is Party.regulator
        ),
    ),
)
MOVE_LABELS = {
    "note": N_("Note"),
    "description": N_("Description"),
    "channel_id": N_("Regulator's reporting channel"),
    "consequence": N_("Consequence"),
    **{
        f"item_{row}_{part}": text
        for row in range(1, PLEDGE_ROWS + 1)
        for part, text in (
            ("measure_id", lazy("Item %(row)s: measure", row=row)),
            ("change", lazy("Item %(row)s: the change", row=row)),
            ("due_on", lazy("Item %(row)s: due by", row=row)),
        )
    },
}
CONSEQUENCES = {
    Consequence.attestation_suspended: N_("Suspend the organization's attestations"),
    Consequence.fine_recommended: N_("Recommend a fine"),
    Consequence.public_notice: N_("Public notice"),
}


def allowed_moves(
    incident: IncidentRead, acting: Sequence[Party], facts: path.Facts
) -> list[tuple[MoveForm, Party]]:
    """The moves the acting sides may make now, each with the side making it
    (as ``path.check_move`` allows them, and the reports the channel asks for)."""
    status, branch = incident.status, incident.branch
    unfiled = {report.kind for report in incident.reports if report.filed_at is None}
    found = []
    for move in MOVE_FORMS:
        for party in acting:
            if move.action is None:
                if party is not Party.owner or status not in path.OPEN:
                    continue
                if move.path == "channel" and incident.channel_id is not None:
                    continue
                if move.path == "complete-report" and not (
                    facts.regulator_informed and "complete" in unfiled
                ):
                    continue
                found.append((move, party))
                continue
            if move.action is Action.inform_regulator and "initial" not in unfiled:
                continue
            # A pledge brings its own items: the form is the place to give them.
            checked = (
                dataclasses.replace(facts, pledge_items=1)
                if move.action is Action.pledge
                else facts
            )
            try:
                path.check_move(move.action, party, status, branch, checked)
            except MoveRefused:
                continue
            found.append((move, party))
    return found


def _acting(visitor: Visitor, incident: IncidentRead, regulator_id: int | None) -> list[Party]:
    """The sides the visitor may act for: an editor of the owner, of the regulator."""
    acting = []
    if visitor.can(incident.organization_id, Role.editor):
        acting.append(Party.owner)
    if regulator_id is not None and visitor.can(regulator_id, Role.editor):
        acting.append(Party.regulator)
    return acting


def _incident_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    incident_id: int,
    failed: tuple[str, Party | None, Mapping[str, Any], Mapping[str, Message]] | None = None,
) -> Response:
    incident = service.get_incident(uow, visitor.principal, incident_id)
    today = service.today_in_japan()
    channel = channels.get_channel(uow, incident.channel_id) if incident.channel_id else None
    acting = _acting(visitor, incident, channel.organization_id if channel else None)
    facts = facts_of(incident, today)
    with uow:
        session = uow.session
        scope = session.get(Scope, incident.scope_id)
        scope_name = scope.name if scope else f"#{incident.scope_id}"
        risks = dict(_risk_choices(session, incident.scope_id))
        measures = _measure_choices(session, incident.scope_id)
    choices: dict[str, list[Choice]] = {
        "channel_id": _channel_choices(uow) if incident.channel_id is None else [],
        "consequence": list(CONSEQUENCES.items()),
        **{f"item_{row}_measure_id": measures for row in range(1, PLEDGE_ROWS + 1)},
    }
    forms = []
    for move, party in allowed_moves(incident, acting, facts):
        values, problems = None, None
        if failed is not None and failed[0] == move.path and failed[1] in (None, party):
            values, problems = failed[2], renamed_problems(failed[3], {"items": "item"})
        state = FormState.of(move.shape, values, problems, choices=choices, labels=MOVE_LABELS)
        forms.append((move, party, state))
    duties = path.duties_due(incident.status, incident.discovered_on, facts, path.DEFAULT_CLOCKS)
    measure_names = dict(measures)
    return render(
        request,
        "incident.html",
        status=422 if failed else 200,
        visitor=visitor,
        incident=incident,
        scope_name=scope_name,
        risks=[(id_, risks.get(str(id_), f"#{id_}")) for id_ in incident.risk_ids],
        channel=channel,
        duties=duties,
        today=today,
        measures=measure_names,
        acting=acting,
        forms=forms,
        parties=PARTY_NAMES,
        consequences=CONSEQUENCES,
        report_kinds=REPORT_KINDS,
        word=commons_word,
        open=incident.status in path.OPEN,
        can_share=visitor.can(incident.organization_id, Role.owner)
        and incident.shared_incident_id is None,
    )


@router.get("/incidents/{incident_id:int}")
def incident_page(request: Request, incident_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _incident_page(request, uow, visitor, incident_id)


def _party_of(form: Mapping[str, Any]) -> Party | None:
    party = str(form.get("party") or "")
    return Party(party) if party in (Party.owner.value, Party.regulator.value) else None


def _move_route(move: MoveForm) -> None:
    def take(
        request: Request, incident_id: int, uow: Uow, visitor: VisitorDep, form: Form
    ) -> Response:
        # A stranger is not even told the form is wrong: to them there is no incident.
        service.get_incident(uow, visitor.principal, incident_id)
        party = _party_of(form)

        def call(data: Any) -> Any:
            try:
                if move.path == "note":
                    return move.call(uow, visitor.principal, incident_id, data, party)
                return move.call(uow, visitor.principal, incident_id, data)
            except Conflict as conflict:
                # Someone moved it first: say so next to the form, as any refusal.
                raise _problem("", conflict.detail) from None

        def refused(values: Mapping[str, Any], problems: Mapping[str, Message]) -> Response:
            return _incident_page(
                request, uow, visitor, incident_id, failed=(move.path, party, values, problems)
            )

        def ask(data: Any) -> Response:
            return confirm_page(
                request,
                question=move.confirm or move.submit,
                action=f"/incidents/{incident_id}/{move.path}",
                submit=move.submit,
                cancel=f"/incidents/{incident_id}",
                carried=form,
            )

        return submit_form(
            move.shape,
            form,
            call,
            refused=refused,
            done=f"/incidents/{incident_id}",
            message=lazy("Incident #%(id)s: %(done)s", id=incident_id, done=lazy(move.submit)),
            confirm=ask if move.confirm else None,
        )

    router.add_api_route(f"/incidents/{{incident_id:int}}/{move.path}", take, methods=["POST"])


for _move in MOVE_FORMS:
    _move_route(_move)


# ---------------------------------------------------------------- sharing


def _share_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    incident_id: int,
    values: Mapping[str, Any] | None = None,
    problems: Mapping[str, Message] | None = None,
) -> Response:
    proposal = service.share_proposal(uow, visitor.principal, incident_id)
    state = FormState.of(
        ShareInput,
        values
        if values is not None
        else {"title": proposal.title, "description": proposal.description},
        dict(problems or {}),
    )
    return render(
        request,
        "incident_share.html",
        status=422 if problems else 200,
        visitor=visitor,
        incident_id=incident_id,
        proposal=proposal,
        state=state,
        word=commons_word,
    )


@router.get("/incidents/{incident_id:int}/share")
def share_page(request: Request, incident_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _share_page(request, uow, visitor, incident_id)


@router.post("/incidents/{incident_id:int}/share")
def share(
    request: Request, incident_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    return submit_form(
        ShareInput,
        form,
        lambda data: service.share_incident(uow, visitor.principal, incident_id, data),
        refused=partial(_share_page, request, uow, visitor, incident_id),
        done=lambda shared: f"/commons/{shared.id}",
        message=lazy("Shared to the commons"),
    )


# ---------------------------------------------------------------- a regulator's clocks


class RuleForm(Input):
    """A channel's clauses as rows of fields."""

    name: Name
    clause_1_name: Annotated[str, StringConstraints(max_length=64)] = ""
    clause_1_applies_when: reporting.Condition | None = None
    clause_1_initial_days: int | None = None
    clause_1_complete_days: int | None = None
    clause_2_name: Annotated[str, StringConstraints(max_length=64)] = ""
    clause_2_applies_when: reporting.Condition | None = None
    clause_2_initial_days: int | None = None
    clause_2_complete_days: int | None = None
    clause_3_name: Annotated[str, StringConstraints(max_length=64)] = ""
    clause_3_applies_when: reporting.Condition | None = None
    clause_3_initial_days: int | None = None
    clause_3_complete_days: int | None = None
    clause_4_name: Annotated[str, StringConstraints(max_length=64)] = ""
    clause_4_applies_when: reporting.Condition | None = None
    clause_4_initial_days: int | None = None
    clause_4_complete_days: int | None = None
    clause_5_name: Annotated[str, StringConstraints(max_length=64)] = ""
    clause_5_applies_when: reporting.Condition | None = None
    clause_5_initial_days: int | None = None
    clause_5_complete_days: int | None = None
    clause_6_name: Annotated[str, StringConstraints(max_length=64)] = ""
    clause_6_applies_when: reporting.Condition | None = None
    clause_6_initial_days: int | None = None
    clause_6_complete_days: int | None = None

    def rule(self) -> ReportingRuleSet:
        clauses = []
        for row in range(1, CLAUSE_ROWS + 1):
            name = getattr(self, f"clause_{row}_name")
            applies_when = getattr(self, f"clause_{row}_applies_when")
            initial = getattr(self, f"clause_{row}_initial_days")
            complete = getattr(self, f"clause_{row}_complete_days")
            if not name and applies_when is None and initial is None and complete is None:
                continue
            for field, value in (
                ("name", name),
                ("applies_when", applies_when),
                ("initial_days", initial),
            ):
                if value in (None, ""):
                    raise _problem(f"clause_{row}_{field}", lazy("is required"))
            clauses.append(
                ClauseIn(
                    name=name,
                    applies_when=applies_when.value,
                    initial_days=initial,
                    complete_days=complete,
                )
            )
        if not clauses:
            raise _problem("clause_1_name", lazy("at least one clause is needed"))
        # Each filled row is a clause in the order given: rows left empty are skipped.
        return ReportingRuleSet(name=self.name, clauses=clauses)


def rule_values(name: str, clauses: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A rule's clauses as the form's rows."""
    values: dict[str, Any] = {"name": name}
    for row, clause in enumerate(clauses, start=1):
        for field in ("name", "applies_when", "initial_days", "complete_days"):
            values[f"clause_{row}_{field}"] = clause[field]
    return values


EU_AI_ACT = rule_values(
    "EU AI Act Article 73",
    [
        {
            "name": clause.name,
            "applies_when": clause.applies_when.value,
            "initial_days": clause.initial_days,
            "complete_days": clause.complete_days,
        }
        for clause in reporting.EU_AI_ACT_ART_73
    ],
)
CONDITIONS = {
    reporting.Condition.any: N_("Any reportable incident"),
    reporting.Condition.death: N_("A person died"),
    reporting.Condition.critical_infrastructure: N_("Critical infrastructure was disrupted"),
    reporting.Condition.widespread: N_("A widespread infringement"),
    reporting.Condition.serious_harm: N_("Serious or fatal harm"),
}
RULE_LABELS = {
    "name": N_("Name of the rule"),
    **{
        f"clause_{row}_{part}": text
        for row in range(1, CLAUSE_ROWS + 1)
        for part, text in (
            ("name", lazy("Clause %(row)s: name", row=row)),
            ("applies_when", lazy("Clause %(row)s: applies when", row=row)),
            ("initial_days", lazy("Clause %(row)s: days to the initial report", row=row)),
            ("complete_days", lazy("Clause %(row)s: days to the complete report", row=row)),
        )
    },
}


def _rule_page(
    request: Request,
    uow: UnitOfWork,
    visitor: Visitor,
    channel_id: int,
    values: Mapping[str, Any] | None = None,
    problems: Mapping[str, Message] | None = None,
) -> Response:
    channel = channels.get_channel(uow, channel_id)
    rule = service.get_reporting_rule(uow, channel_id)
    if values is None:
        if request.query_params.get("preset") == "eu-ai-act-73":
            values = EU_AI_ACT
        elif rule is not None:
            values = rule_values(rule.name, rule.clauses)
    state = FormState.of(
        RuleForm,
        values,
        renamed_problems(problems or {}, {"clauses": "clause"}),
        choices={
            f"clause_{row}_applies_when": list(CONDITIONS.items())
            for row in range(1, CLAUSE_ROWS + 1)
        },
        labels=RULE_LABELS,
    )
    return render(
        request,
        "incident_rule.html",
        status=422 if problems else 200,
        visitor=visitor,
        channel=channel,
        rule=rule,
        state=state,
        conditions=CONDITIONS,
        can_edit=visitor.can(channel.organization_id, Role.editor),
    )


@router.get("/reporting-channels/{channel_id:int}/incident-rule")
def incident_rule(request: Request, channel_id: int, uow: Uow, visitor: VisitorDep) -> Response:
    return _rule_page(request, uow, visitor, channel_id)


@router.post("/reporting-channels/{channel_id:int}/incident-rule")
def set_incident_rule(
    request: Request, channel_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    return submit_form(
        RuleForm,
        form,
        lambda data: service.set_reporting_rule(uow, visitor.principal, channel_id, data.rule()),
        refused=partial(_rule_page, request, uow, visitor, channel_id),
        done=f"/reporting-channels/{channel_id}/incident-rule",
        message=lazy("Incident reporting clocks saved"),
    )


# ---------------------------------------------------------------- the scope's tab


INCIDENTS = Listing(
    Incident,
    (
        Column(
            "discovered",
            N_("Discovered"),
            Incident.discovered_on,
            lambda i: i.discovered_on.isoformat(),
        ),
        Column("title", N_("Title"), Incident.title, lambda i: i.title, searched=True),
        Column(
            "kind",
            N_("Kind"),
            Incident.kind,
            lambda i: choice_label(i.kind),
            choices=tuple(IncidentKind),
        ),
        Column(
            "branch",
            N_("Branch"),
            Incident.branch,
            lambda i: choice_label(i.branch),
            choices=tuple(Branch),
        ),
        Column(
            "status",
            N_("Status"),
            Incident.status,
            lambda i: commons_word(i.status),
            choices=tuple(Status),
            choice_labels={name: WORDS[name] for name in Status if name in WORDS},
        ),
        Column(
            "due",
            N_("Next deadline"),
            Incident.due_on,
            lambda i: i.due_on.isoformat() if i.due_on else "",
        ),
    ),
    order=(Incident.discovered_on.desc(), Incident.id.desc()),
)
# Why a shared incident resembles the scope: the matching's facets.
FACETS = {
    matching.SYSTEM_KINDS: N_("Same kind of system"),
    matching.TECHNIQUES: N_("Same ATLAS techniques"),
    matching.PARENT_TECHNIQUES: N_("Related ATLAS techniques"),
    matching.HARM_TYPES: N_("Same kind of harm"),
    matching.RISK_CATEGORIES: N_("A risk of the same area"),
    matching.FRAMEWORKS: N_("Same framework followed"),
    matching.TEXT: N_("Similar text"),
}
SUBSCRIPTION_LABELS = {
    "system_kinds": N_("Kinds of system"),
    "techniques": N_("ATLAS techniques"),
    "harm_types": N_("Kinds of harm"),
    "threshold": N_("Threshold"),
    "active": N_("Listening to the commons"),
}


def _subscription_state(
    values: Any = None, problems: Mapping[str, Message] | None = None
) -> FormState:
    return FormState.of(
        SubscriptionSet,
        values,
        renamed_problems(problems or {}, {}),
        choices={"harm_types": _worded(list(HarmType))},
        labels=SUBSCRIPTION_LABELS,
    )


def _incidents_tab(
    session: Session,
    scope: Scope,
    visitor: Visitor,
    uow: UnitOfWork,
    query: Mapping[str, str],
    **_: Any,
) -> dict[str, Any]:
    member = visitor.can(scope.organization_id, Role.viewer)
    if not member:
        # An incident is its organization's and its regulator's: nothing of them shows here.
        return {"member": False}
    listed = read(session, INCIDENTS, [Incident.scope_id == scope.id], query)
    subscription = service.get_subscription(uow, visitor.principal, scope.id)
    signals = service.list_signals(uow, visitor.principal, scope.id, SIGNALS_SHOWN, 0)
    shared_ids = [signal.shared_incident_id for signal in signals.items]
    titles = dict(
        session.execute(
            select(SharedIncident.id, SharedIncident.title).where(SharedIncident.id.in_(shared_ids))
        ).all()
    )
    today = service.today_in_japan()
    return {
        "member": True,
        "incidents": listed,
        "overdue": {
            row.id
            for row in listed.rows
            if row.status in path.OPEN and row.due_on is not None and row.due_on < today
        },
        "subscription": subscription,
        "subscription_state": _subscription_state(subscription),
        "signals": signals,
        "shared_titles": titles,
        "facets": FACETS,
        "word": commons_word,
    }


TABS = (Tab(TAB, N_("Incidents"), 97, "scope/incidents.html", _incidents_tab),)


@router.post("/scopes/{scope_id:int}/incidents/subscription")
def set_subscription(
    request: Request, scope_id: int, uow: Uow, visitor: VisitorDep, form: Form
) -> Response:
    def refused(values: Mapping[str, Any], problems: Mapping[str, Message]) -> Response:
        state = _subscription_state(values, problems)
        return scope_page(
            request, uow, visitor, scope_id, TAB, status=422, refused={"subscription": state}
        )

    return submit_form(
        SubscriptionSet,
        form,
        lambda data: service.set_subscription(uow, visitor.principal, scope_id, data),
        refused=refused,
        done=f"/scopes/{scope_id}/{TAB}#commons",
        message=lazy("Commons subscription saved"),
    )
