"""Incidents and the commons.

Day 58: the ministry opens a channel for serious incidents of recruitment AI,
with its reporting clocks; TalentBridge, HireSense and Hokuriku Staffing
subscribe their scopes to the commons.

Days 146-149, an unforeseen incident: résumés carrying instructions hidden in
white text made the summarising model push their candidates up the ranking.
No risk of the register foresaw it, so the platform's rule sends it to the
outer loop. TalentBridge informs the applicants and the ministry, cooperates
with its investigation and pledges changes to two measures; the ministry
defers sanctions; the re-analysis adds the missed risk, the redesign carries
the pledge out, and the ministry completes the path. TalentBridge shares the
incident to the commons, pseudonymised; the platform matches it to HireSense's
similar service, which reviews the signal and adds the risk to its own
register. Hokuriku Staffing's scope shares too little with it to be signalled."""

from agilegov import scoped
from agilegov.analysis.schemas import RiskCreate
from agilegov.analysis.service import RISK
from agilegov.auth import SYSTEM
from agilegov.commons import service
from agilegov.commons.reporting import Condition
from agilegov.commons.schemas import (
    IncidentCreate,
    Note,
    Pledge,
    ReportFiling,
    ReportingRuleSet,
    ShareInput,
    SubscriptionSet,
)
from agilegov.cycle.rules import Stage, TriggerKind
from agilegov.demo.story import Story, cited
from agilegov.design.schemas import MeasureCreate, MeasureUpdate
from agilegov.design.service import MEASURE
from agilegov.regulation.channels import open_channel
from agilegov.regulation.schemas import ReportingChannelCreate

INCIDENT = 146  # the afternoon after the year's reports were evaluated
HIDDEN = "Instructions hidden in applicant documents steer the ranking"


def channel_and_subscriptions(story: Story) -> None:
    with story.at(58, 10):
        channel = open_channel(
            story.uow,
            story.people["officer"],
            ReportingChannelCreate(
                organization_id=story.organizations["ministry-of-work"],
                title="Serious incidents of recruitment AI",
                what="Incidents and near misses of AI used to screen or rank job applicants "
                "that harmed, or could have harmed, applicants' fair treatment.",
                who="Providers of recruitment AI that adopt the ministry's requirement",
                hours_to_report=360,
            ),
        )
        story.ids["channel.incidents"] = channel.id
        service.set_reporting_rule(
            story.uow,
            story.people["officer"],
            channel.id,
            ReportingRuleSet.model_validate(
                {
                    "name": "Recruitment AI incident reporting",
                    "clauses": [
                        # The same clocks as the EU AI Act's Article 73, which
                        # the ministry follows for providers serving both markets.
                        _clause("general", Condition.any, 15),
                        _clause("death", Condition.death, 10),
                        _clause("widespread", Condition.widespread, 2),
                    ],
                }
            ),
        )
    with story.at(58, 11):
        for who, scope, subscription in (
            ("lead", "screening", {"system_kinds": ["llm", "ranking"]}),
            (
                "hiresense",
                "hiresense",
                {
                    "system_kinds": ["ranking", "llm"],
                    "techniques": ["AML.T0051.001"],
                    "harm_types": ["fairness"],
                },
            ),
            (
                "hokuriku",
                "hokuriku-staffing",
                {"system_kinds": ["scheduling"], "harm_types": ["privacy"]},
            ),
        ):
            service.set_subscription(
                story.uow,
                story.people[who],
                story.scopes[scope],
                SubscriptionSet.model_validate(subscription),
            )


def _described(story: Story, name: str) -> str:
    """A measure's description as it stands."""
    return scoped.get_item(
        story.uow, SYSTEM, story.scopes["screening"], MEASURE, story.ids[name]
    ).description


def _clause(name: str, when: Condition, days: int) -> dict[str, object]:
    return {"name": name, "applies_when": when, "initial_days": days, "complete_days": 30}


def hidden_instructions(story: Story) -> None:
    scope = "screening"
    with story.at(INCIDENT, 16):
        incident = service.record_incident(
            story.uow,
            story.people["analyst"],
            story.scopes[scope],
            IncidentCreate(
                title="Hidden instructions in résumés pushed their candidates up the ranking",
                description="Kenji Sato of TalentBridge found that 37 résumés carried white "
                "text telling the summarising model to rate the candidate as an exceptional "
                "match. The model followed it: those candidates were moved to the top of 12 "
                "employer clients' shortlists over three weeks, ahead of better-qualified "
                "applicants. Found while checking why panel agreement fell for one client.",
                occurred_on=story.day(INCIDENT - 24),
                discovered_on=story.day(INCIDENT),
                harms=[
                    {
                        "type": "fairness",
                        "severity": "serious",
                        "affected": "applicants ranked below the manipulated résumés",
                        "count": 410,
                    },
                    {
                        "type": "economic",
                        "severity": "moderate",
                        "affected": "employer clients who interviewed the wrong candidates",
                        "count": 12,
                    },
                ],
                systems=[
                    {"name": "Résumé summariser", "kind": "llm"},
                    {"name": "Shortlist ranker", "kind": "ranking"},
                ],
                techniques=["AML.T0051.001", "AML.T0068"],
                # No risk of the register foresaw it: it is not linked to one.
                risk_ids=[],
                channel_id=story.ids["channel.incidents"],
            ),
        )
        story.ids["incident.hidden"] = incident.id
        service.file_report(
            story.uow,
            story.people["lead"],
            incident.id,
            ReportFiling(
                kind="initial",
                description="Prompt injection through résumés: 37 documents, 12 clients, "
                "three weeks. Summaries now go to the review desk before ranking while we "
                "investigate.",
            ),
        )
    with story.at(INCIDENT + 1, 9):
        service.inform_affected(
            story.uow,
            story.people["lead"],
            incident.id,
            Note(
                note="Every applicant of the 12 affected openings is told, with a new human "
                "review of their application; the 12 clients have the corrected shortlists."
            ),
        )
        service.cooperate(
            story.uow,
            story.people["lead"],
            incident.id,
            Note(note="Logs, prompts and the 37 documents handed to the ministry."),
        )
        # The missed risk joins the register, and the review that settles the
        # incident's trigger names it.
        missed = story.new(
            "risk.hidden_instructions",
            "analyst",
            scope,
            RISK,
            RiskCreate(
                title=HIDDEN,
                description="Applicants or agents hide text in résumés that the summarising "
                "model reads as instructions (indirect prompt injection).",
                inherent_likelihood=3,
                inherent_severity=4,
                residual_likelihood=1,
                residual_severity=3,
                treatment="mitigate",
                treatment_note="Strip hidden text and instructions before summarising; "
                "watch rank jumps after summarisation.",
                impact_ids=story.ids_of("impact", "unfair"),
            ),
        )
        trigger = story.opened_trigger(scope, TriggerKind.incident, "incident.hidden")
        story.review(
            "audit",
            scope,
            "The incident shows a risk our analysis missed: re-analyse.",
            [
                "Add the missed risk to the register.",
                "Go back to analysis; summaries keep going to the review desk meanwhile.",
            ],
            [cited(trigger), f"Incident #{incident.id} and the 37 documents"],
            resolves=[trigger],
            risks=[missed.id],
        )
        story.move("lead", scope, Stage.analysis, "unforeseen incident")
        service.pledge(
            story.uow,
            story.people["lead"],
            incident.id,
            Pledge(
                note="We will sanitise every document before it is summarised and watch "
                "for rank jumps the summary causes.",
                items=[
                    {
                        "measure_id": story.ids["measure.bias_monitoring"],
                        "change": "Alert on candidates whose rank jumps after summarisation",
                        "due_on": story.day(INCIDENT + 30),
                    },
                    {
                        "measure_id": story.ids["measure.review_desk"],
                        "change": "The desk checks flagged documents before they are ranked",
                        "due_on": story.day(INCIDENT + 30),
                    },
                ],
            ),
        )
    with story.at(INCIDENT + 1, 15):
        service.defer(
            story.uow,
            story.people["officer"],
            incident.id,
            Note(note="Sanctions deferred while the pledge is kept; completion by its dates."),
        )
    with story.at(INCIDENT + 2, 10):
        story.review(
            "audit",
            scope,
            "Re-analysis after the incident: one new risk; goals stand.",
            ["The goals hold; the measures must change."],
            ["Updated risk register"],
        )
        story.move("lead", scope, Stage.goals, "re-analysis done")
        story.move("lead", scope, Stage.design, "goals unchanged")
        story.new(
            "measure.sanitise",
            "analyst",
            scope,
            MEASURE,
            MeasureCreate(
                kind="technology",
                title="Documents are sanitised before summarising",
                description="Hidden text, white-on-white runs and instruction-like phrases "
                "are removed from every résumé before the model reads it.",
                status="implemented",
                risk_ids=[missed.id],
                goal_ids=story.goal_ids("selection_ratio", "quality"),
            ),
        )
        changes = [
            story.revise(
                "measure.bias_monitoring",
                "analyst",
                scope,
                MEASURE,
                MeasureUpdate(
                    change_note="Pledge: an alert on rank jumps after summarisation",
                    description=_described(story, "measure.bias_monitoring")
                    + " Since the incident of hidden instructions, it also alerts on any "
                    "candidate whose rank jumps after summarisation.",
                ),
            ),
            story.revise(
                "measure.review_desk",
                "lead",
                scope,
                MEASURE,
                MeasureUpdate(
                    change_note="Pledge: flagged documents checked before ranking",
                    description=_described(story, "measure.review_desk")
                    + " Every document the sanitiser or the rank-jump alert flags is "
                    "checked by the desk before it is ranked.",
                ),
            ),
        ]
    with story.at(INCIDENT + 2, 16):
        story.review(
            "audit",
            scope,
            "Redesign after the incident checked.",
            ["Operate with the sanitiser, the alert and the desk's new check."],
            ["Red-team run with 200 poisoned résumés: none moved up"],
            changes,
        )
        story.move("lead", scope, Stage.operation, "pledged measures in place")
    with story.at(INCIDENT + 3, 9):
        service.file_report(
            story.uow,
            story.people["lead"],
            incident.id,
            ReportFiling(
                kind="complete",
                description="Cause: the summarising model treated text hidden in résumés as "
                "instructions. 37 documents from 4 senders; 410 applicants ranked lower for "
                "up to three weeks; all re-reviewed by people. Changes: documents sanitised "
                "before summarising, an alert on rank jumps, the review desk's check.",
            ),
        )
    with story.at(INCIDENT + 3, 10):
        service.complete(
            story.uow,
            story.people["officer"],
            incident.id,
            Note(note="Both pledged measures changed and verified in the red-team run."),
        )
        proposal = service.share_proposal(story.uow, story.people["lead"], incident.id)
        shared = service.share_incident(
            story.uow,
            story.people["lead"],
            incident.id,
            ShareInput(title=proposal.title, description=proposal.description),
        )
        story.ids["shared.hidden"] = shared.id
    with story.at(INCIDENT + 3, 15):
        # HireSense's similar service was signalled; its owner reviews the signal
        # and adds the risk to its own register.
        signal = story.opened_trigger("hiresense", TriggerKind.commons_signal)
        risk = story.new(
            "hiresense.risk.hidden",
            "hiresense",
            "hiresense",
            RISK,
            RiskCreate(
                title=HIDDEN,
                description="Learned from the commons: résumés with hidden text steered "
                "another provider's summarising model.",
                inherent_likelihood=3,
                inherent_severity=4,
                residual_likelihood=2,
                residual_severity=3,
                treatment="mitigate",
                treatment_note="Sanitise documents before our model reads them.",
            ),
        )
        story.review(
            "hiresense",
            "hiresense",
            "A shared incident matches our service: our summariser reads résumés too.",
            ["Add the risk to our register; sanitise documents before scoring."],
            [cited(signal), f"Commons incident #{shared.id}"],
            resolves=[signal],
            risks=[risk.id],
        )
