"""The demo: six months of agile governance of an AI résumé-screening service.

TalentBridge, an HR-tech business, ranks résumés with AI for its employer
clients and follows Japan's AI Guidelines for Business. The Ministry of Work
and Employment (fictional) publishes an outcome-based requirement: automated
screening must select every applicant group at no less than 0.8 times the rate
of the most-selected group. TalentBridge adopts that requirement as its own
goal at a stricter 0.85 (multi-layer governance), next to goals of its own.
Job Seekers' Voice, a community, and FairBench Assurance, an assessor, take
part as stakeholders and as the market layer.

The story runs over the 180 days before today (all times are pinned with
``clock.frozen_at``, so the record reads as a timeline):

- days 0-20: the ministry analyses its rule domain, sets and publishes the
  requirement, designs its reporting duty and starts operating it;
- days 22-56: TalentBridge registers the screening service, analyses it, sets
  goals, designs measures and goes live;
- days 70-84, inner loop 1: a template regression leaves some rejected
  applicants without reasons; complaints cluster; the explanation generator
  and the human review desk are improved;
- days 106-126, inner loop 2: a new client shifts the score distribution; the
  selection-rate ratio falls below TalentBridge's 0.85 (never below the
  ministry's 0.80); monitoring, calibration and the review desk are improved;
- days 150-164, outer loop: version 1.1 of the AI Guidelines for Business is
  published; the service is re-analysed, the explanation goal is revised and
  the measures follow;
- every day from go-live, the monitoring pipeline measures every indicator and
  sends the values in weekly batches.

Everything goes through the services, so every change is an event.
"""

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from statistics import fmean
from typing import Any

from sqlalchemy import select

from agilegov import clock, scoped
from agilegov.analysis.schemas import (
    ConditionCreate,
    ConditionUpdate,
    ImpactCreate,
    RiskCreate,
    RiskUpdate,
    StakeholderCreate,
)
from agilegov.analysis.service import CONDITION, IMPACT, RISK, STAKEHOLDER
from agilegov.assurance.schemas import AssessmentCreate, AttestationIssue
from agilegov.assurance.service import create_assessment, issue_attestation
from agilegov.auth import ANONYMOUS, SYSTEM, Principal, Role
from agilegov.cycle.rules import Stage, TriggerKind
from agilegov.cycle.schemas import ReviewCreate, TransitionCreate, TriggerCreate, VersionRef
from agilegov.cycle.service import advance, raise_trigger, record_review
from agilegov.design.schemas import MeasureCreate, MeasureUpdate
from agilegov.design.service import MEASURE
from agilegov.dialogue.access import Voice
from agilegov.dialogue.lifecycle import create_consultation, hide, respond
from agilegov.dialogue.participation import add_comment, cast_vote
from agilegov.dialogue.reads import comments as consultation_comments
from agilegov.dialogue.reads import statements as consultation_statements
from agilegov.dialogue.schemas import (
    CommentCreate,
    ConsultationCreate,
    Moderation,
    ResponseCreate,
    VoteCreate,
)
from agilegov.goals.schemas import (
    AllocationCreate,
    GoalCreate,
    GoalUpdate,
    IndicatorCreate,
    IndicatorUpdate,
    TradeOffCreate,
    TradeOffUpdate,
)
from agilegov.goals.service import ALLOCATION, GOAL, INDICATOR, TRADE_OFF
from agilegov.monitor.ingest import Row
from agilegov.monitor.service import ingest
from agilegov.organizations.models import Organization, User
from agilegov.organizations.schemas import MemberAdd, OrganizationCreate, UserCreate
from agilegov.organizations.service import (
    add_member,
    create_organization,
    create_user,
    issue_token,
    principal_for_user,
)
from agilegov.schemas import Input
from agilegov.scoped import Kind
from agilegov.scopes.schemas import ScopeCreate, ScopeUpdate
from agilegov.scopes.service import create_scope, update_scope
from agilegov.settings import get_settings
from agilegov.uow import UnitOfWork

# The business organization's slug: its presence means the demo is loaded.
DEMO_SLUG = "talentbridge"
STORY_DAYS = 180
GUIDELINES = "AI Guidelines for Business"
GUIDELINES_SOURCE = (
    "METI and MIC, AI Guidelines for Business — "
    "https://www.meti.go.jp/shingikai/mono_info_service/ai_shakai_jisso/"
)

# Days of the story (day 0 is 180 days before today, at midnight UTC).
GO_LIVE = 56
TEMPLATE_REGRESSION = (70, 80)  # days on which some rejections went out without reasons
COMPLAINT_CLUSTER = 78
CLIENT_DRIFT = 106  # a large logistics client joins; its history skews the scores
FAIRNESS_BREACH = 115
CALIBRATION_LIVE = 124
GUIDELINE_UPDATE = 150
CONSULTATION_OPENS = 166
LAST_DAY = STORY_DAYS - 1

CONSULTATION_DRAFT = """When TalentBridge's screening rejects an application, the applicant \
receives within 24 hours the three factors that weighed most, in plain language, and a \
one-click request for a review by a person.

The applicant may ask for the review within 30 days. A reviewer who did not take part in \
the decision answers within 10 working days.

Every quarter, TalentBridge publishes how many reviews were asked for, how long they took, \
and how many changed the outcome."""
CONSULTATION_STATEMENTS = (
    "Every rejection should be reviewed by a person before it is sent.",
    "A fast answer matters more to me than a human review.",
    "Thirty days is long enough to ask for a review.",
    "The reviewer must be able to overturn the ranking, not only explain it.",
    "The reasons given should be in plain language, not scores.",
    "Employers should see how often reviews change outcomes.",
    "I would rather not be screened by AI at all.",
    "The quarterly numbers should be checked by an independent auditor.",
    "Applicants should be able to see the data the ranking used.",
    "One-click review is enough; a phone line is not needed.",
)
# How each camp leans on each statement, in the order above.
CONSULTATION_LEANINGS = (
    (
        "agree",
        "disagree",
        "disagree",
        "agree",
        "agree",
        "agree",
        "agree",
        "agree",
        "agree",
        "disagree",
    ),
    (
        "disagree",
        "agree",
        "agree",
        "disagree",
        "agree",
        "disagree",
        "disagree",
        "disagree",
        "disagree",
        "agree",
    ),
    (
        "disagree",
        "disagree",
        "disagree",
        "agree",
        "agree",
        "agree",
        "disagree",
        "agree",
        "agree",
        "agree",
    ),
)
CONSULTATION_PEOPLE = 45


def _other(vote: str) -> str:
    return "disagree" if vote == "agree" else "agree"


ORGANIZATIONS: tuple[OrganizationCreate, ...] = (
    OrganizationCreate(
        slug=DEMO_SLUG,
        name="TalentBridge K.K.",
        kind="business",
        description="An HR-tech company that matches job seekers with about 300 employer "
        "clients and ranks incoming résumés with AI.",
        website="https://talentbridge.example.com",
    ),
    OrganizationCreate(
        slug="ministry-of-work",
        name="Ministry of Work and Employment",
        kind="government",
        description="A fictional ministry responsible for fair recruitment. It sets "
        "outcome-based requirements for automated screening and evaluates providers' reports.",
        website="https://work-ministry.example.org",
    ),
    OrganizationCreate(
        slug="jobseekers-voice",
        name="Job Seekers' Voice",
        kind="community",
        description="A network of job seekers, career counsellors and student unions that "
        "speaks for applicants in consultations and helps them complain.",
    ),
    OrganizationCreate(
        slug="fairbench",
        name="FairBench Assurance",
        kind="assessor",
        description="An independent assessor that audits and rates the fairness of hiring "
        "algorithms by a published method.",
        website="https://fairbench.example.net",
    ),
)


@dataclass(frozen=True)
class DemoAccount:
    key: str  # how the story refers to the person
    organization: str  # slug
    role: Role
    email: str
    name: str
    password: str


# Fixed passwords, printed by `agilegov demo`: this is demo data, not a secret.
ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        "lead",
        DEMO_SLUG,
        Role.owner,
        "lead@talentbridge.example.com",
        "Aiko Tanaka (governance lead)",
        "demo-lead-pass",
    ),
    DemoAccount(
        "analyst",
        DEMO_SLUG,
        Role.editor,
        "analyst@talentbridge.example.com",
        "Kenji Sato (fairness data scientist)",
        "demo-analyst-pass",
    ),
    DemoAccount(
        "audit",
        DEMO_SLUG,
        Role.reviewer,
        "audit@talentbridge.example.com",
        "Mei Suzuki (internal audit)",
        "demo-audit-pass",
    ),
    DemoAccount(
        "clients",
        DEMO_SLUG,
        Role.viewer,
        "clients@talentbridge.example.com",
        "Hiro Watanabe (employer relations)",
        "demo-clients-pass",
    ),
    DemoAccount(
        "officer",
        "ministry-of-work",
        Role.owner,
        "officer@work-ministry.example.org",
        "Yuki Yamamoto (fair recruitment officer)",
        "demo-officer-pass",
    ),
    DemoAccount(
        "organizer",
        "jobseekers-voice",
        Role.owner,
        "organizer@jobseekers-voice.example.org",
        "Sara Ito (community organizer)",
        "demo-organizer-pass",
    ),
    DemoAccount(
        "assessor",
        "fairbench",
        Role.owner,
        "assessor@fairbench.example.net",
        "Ren Kobayashi (lead assessor)",
        "demo-assessor-pass",
    ),
)


def load_demo(
    uow: UnitOfWork, *, today: date | None = None, assessor_key_dir: Path | None = None
) -> list[dict[str, str]]:
    """Load the demo scenario once and return its accounts with fresh API tokens.

    The whole story is one transaction, so a failure leaves nothing half-loaded.
    A database that already holds the demo is left as it is; only new tokens
    are issued.
    """
    today = today or clock.now().date()
    key_dir = assessor_key_dir or get_settings().assessor_key_dir
    with uow:
        loaded = uow.session.scalar(select(Organization.id).where(Organization.slug == DEMO_SLUG))
        if loaded is None:
            _Story(uow, today, key_dir).tell()
        accounts = _issue_tokens(uow)
        uow.commit()
    return accounts


def _issue_tokens(uow: UnitOfWork) -> list[dict[str, str]]:
    accounts = []
    for account in ACCOUNTS:
        user_id = uow.session.scalar(select(User.id).where(User.email == account.email))
        organization = uow.session.scalar(
            select(Organization.name).where(Organization.slug == account.organization)
        )
        if user_id is None or organization is None:
            raise RuntimeError(
                f"organization {DEMO_SLUG!r} exists but the demo account {account.email} "
                "does not: this database holds something else; use an empty one"
            )
        actor = principal_for_user(uow.session, user_id)
        token = issue_token(uow, actor, "demo").token
        accounts.append(
            {
                "organization": organization,
                "role": account.role.value,
                "email": account.email,
                "password": account.password,
                "token": token,
            }
        )
    return accounts


# --- Monitoring data ------------------------------------------------------------------------
#
# Each indicator's daily value comes from a level that tells the story plus
# seeded noise, so the data is the same on every load.

Series = dict[int, float]


def _daily(key: str, days: range, value: Callable[[int, random.Random], float]) -> Series:
    rng = random.Random(f"{DEMO_SLUG}:{key}")
    return {day: value(day, rng) for day in days}


def _clip(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def _selection_rate_ratio(day: int, rng: random.Random) -> float:
    if day < CLIENT_DRIFT:
        level = 0.90
    elif day < CLIENT_DRIFT + 6:  # the new client's volume ramps up
        level = 0.90 - 0.08 * (day - CLIENT_DRIFT) / 6
    elif day < CALIBRATION_LIVE:
        level = 0.82
    elif day < CALIBRATION_LIVE + 7:  # recalibrated model rolls out
        level = 0.82 + 0.10 * (day - CALIBRATION_LIVE) / 7
    else:
        level = 0.92
    # Even at its worst the service stays above the ministry's 0.80.
    return round(_clip(level + rng.gauss(0, 0.008), 0.805, 0.99), 3)


def _explanation_share(day: int, rng: random.Random) -> float:
    start, end = TEMPLATE_REGRESSION
    if start <= day < end:
        return round(_clip(0.955 + rng.gauss(0, 0.008), 0.93, 0.975), 4)
    if day < end:
        return round(_clip(0.997 + rng.gauss(0, 0.001), 0.993, 1.0), 4)
    # After the hotfix, above even the later, stricter 0.995.
    return round(_clip(0.998 + rng.gauss(0, 0.001), 0.996, 1.0), 4)


def _median_days_to_decision(day: int, rng: random.Random) -> float:
    # Reviewing the borderline band by hand costs time: the trade-off in action.
    level = 2.4 if day < CALIBRATION_LIVE else 3.1
    return round(_clip(level + rng.gauss(0, 0.25), 1.5, 4.5), 1)


def _complaints_resolved(day: int, rng: random.Random) -> float:
    if COMPLAINT_CLUSTER <= day < COMPLAINT_CLUSTER + 22:
        return round(_clip(0.958 + rng.gauss(0, 0.004), 0.951, 0.97), 3)
    return round(_clip(0.975 + rng.gauss(0, 0.008), 0.955, 1.0), 3)


def _panel_agreement(day: int, rng: random.Random) -> float:
    # Calibration for fairness costs a little agreement with the human panel.
    level = 0.86 if day < CALIBRATION_LIVE else 0.845
    return round(_clip(level + rng.gauss(0, 0.01), 0.81, 0.9), 3)


def screening_series() -> dict[str, Series]:
    """Daily values of TalentBridge's indicators, from the first full day of operation."""
    days = range(GO_LIVE + 1, LAST_DAY + 1)
    weekly = range(GO_LIVE + 7, LAST_DAY + 1, 7)
    return {
        "fairness.selection_rate_ratio": _daily("ratio", days, _selection_rate_ratio),
        "transparency.explanation_share": _daily("explanations", days, _explanation_share),
        "efficiency.median_days_to_decision": _daily("speed", days, _median_days_to_decision),
        "remedy.complaints_resolved_30d": _daily("complaints", days, _complaints_resolved),
        "privacy.retention_overdue_records": dict.fromkeys(days, 0.0),
        "quality.panel_agreement": _daily("panel", weekly, _panel_agreement),
    }


def ministry_series() -> dict[str, Series]:
    """The lowest ratio in providers' monthly reports (TalentBridge's dip shows at day 120)."""
    return {"sector.lowest_reported_ratio": {30: 0.83, 60: 0.84, 90: 0.84, 120: 0.82, 150: 0.85}}


@dataclass
class _Feed:
    """One organization's monitoring: who sends the values of which scope."""

    scope_id: int
    actor: Principal
    source: str
    series: dict[str, Series]


def _mean_over(series: Series, last_day: int, window: int) -> float:
    return fmean(v for d, v in series.items() if last_day - window < d <= last_day)


# --- The story ------------------------------------------------------------------------------


@dataclass
class _Story:
    uow: UnitOfWork
    today: date
    assessor_key_dir: Path
    people: dict[str, Principal] = field(default_factory=dict)
    organizations: dict[str, int] = field(default_factory=dict)
    scopes: dict[str, int] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)  # named entities, e.g. "goal.fairness"
    feeds: dict[str, _Feed] = field(default_factory=dict)  # by scope
    fed_until: int = 0  # observations of days up to this one have been sent

    def __post_init__(self) -> None:
        self.start = datetime.combine(self.today - timedelta(days=STORY_DAYS), time(), UTC)
        self.last_moment = self.start

    def tell(self) -> None:
        steps: tuple[Callable[[], None], ...] = (
            self.people_and_organizations,
            # The ministry's requirement comes first: TalentBridge adopts it.
            self.ministry_scope,
            self.ministry_analysis,
            self.ministry_goals,
            self.ministry_design,
            # TalentBridge's first pass, up to go-live.
            self.screening_scope,
            self.screening_stakeholders,
            self.screening_impacts,
            self.screening_conditions,
            self.screening_risks,
            self.screening_goal_hierarchy,
            self.screening_indicators,
            self.screening_trade_offs,
            self.screening_allocations,
            self.design_monitoring_and_explanations,
            self.design_rules_and_organization,
            self.design_privacy_and_audit,
            self.finish_measures,
            self.go_live,
            # Two turns of the inner loop, one of the outer.
            self.inner_loop_explanations,
            self.inner_loop_explanations_redesign,
            self.inner_loop_fairness,
            self.inner_loop_fairness_redesign,
            self.fairness_attestation,
            self.outer_loop_guidelines,
            self.outer_loop_reanalysis,
            self.outer_loop_goal_revision,
            self.outer_loop_redesign,
            # Applicants and the community are asked how contesting should work.
            self.consultation_on_contesting,
        )
        for step in steps:
            step()
        # The pipeline's last batch: observations up to yesterday.
        self.monitor(LAST_DAY, flush=True)

    # --- time and monitoring -------------------------------------------------------------

    def _moment(self, day: int, hour: int, minute: int = 0) -> datetime:
        moment = self.start + timedelta(days=day, hours=hour, minutes=minute)
        # The record is a timeline: a story step may not go back in time.
        assert moment >= self.last_moment, f"day {day} {hour}:{minute:02} is in the past"
        self.last_moment = moment
        return moment

    @contextmanager
    def at(self, day: int, hour: int = 9, minute: int = 0) -> Iterator[None]:
        """Pin the clock for one step of the story, after the monitoring due by then."""
        self.monitor(day)
        with clock.frozen_at(self._moment(day, hour, minute)):
            yield

    def monitor(self, day: int, flush: bool = False) -> None:
        """Send the weekly batches due by ``day`` (and the partial week, if ``flush``).

        Each batch goes out at 06:00 on its last day, before that day's work.
        """
        while self.fed_until + 7 <= day or (flush and self.fed_until < day):
            end = min(self.fed_until + 7, day)
            with clock.frozen_at(self._moment(end, 6)):
                for feed in self.feeds.values():
                    self._send(feed, self.fed_until, end)
            self.fed_until = end

    def _send(self, feed: _Feed, after: int, until: int) -> None:
        rows = [
            Row(key, self.start + timedelta(days=day), value, feed.source, f"{key} day {day}")
            for key, series in feed.series.items()
            for day, value in sorted(series.items())
            if after < day <= until
        ]
        if rows:
            ingest(self.uow, feed.actor, rows, scope_id=feed.scope_id)

    def day(self, number: int) -> date:
        return (self.start + timedelta(days=number)).date()

    # --- service helpers -----------------------------------------------------------------

    def new(self, name: str, who: str, scope: str, kind: Kind, data: Input) -> Any:
        read = scoped.create_item(self.uow, self.people[who], self.scopes[scope], kind, data)
        self.ids[name] = read.id
        return read

    def change(self, name: str, who: str, scope: str, kind: Kind, data: Input) -> Any:
        return scoped.update_item(
            self.uow, self.people[who], self.scopes[scope], kind, self.ids[name], data
        )

    def revise(self, name: str, who: str, scope: str, kind: Kind, data: Input) -> VersionRef:
        """Change a versioned goal or measure; return the new version for a review."""
        read = self.change(name, who, scope, kind, data)
        return VersionRef(kind=kind.name, id=read.id, version=read.version)  # type: ignore[arg-type]

    def version_of(self, name: str, kind: Kind, version: int = 1) -> VersionRef:
        return VersionRef(kind=kind.name, id=self.ids[name], version=version)  # type: ignore[arg-type]

    def move(self, who: str, scope: str, to: Stage, reason: str) -> None:
        advance(
            self.uow, self.people[who], self.scopes[scope], TransitionCreate(to=to, reason=reason)
        )

    def review(
        self,
        who: str,
        scope: str,
        summary: str,
        decisions: list[str],
        evidence: list[str],
        changes: list[VersionRef] | None = None,
    ) -> None:
        record_review(
            self.uow,
            self.people[who],
            self.scopes[scope],
            ReviewCreate(
                summary=summary, decisions=decisions, evidence=evidence, changes=changes or []
            ),
        )

    def trigger(self, who: str, scope: str, data: TriggerCreate) -> None:
        raise_trigger(self.uow, self.people[who], self.scopes[scope], data)

    def refresh(self, who: str) -> None:
        """Re-read a person's roles (a Principal is a snapshot)."""
        self.people[who] = principal_for_user(self.uow.session, self.people[who].user_id)

    # --- day 0: the actors ---------------------------------------------------------------

    def people_and_organizations(self) -> None:
        with self.at(0, 9):
            for account in ACCOUNTS:
                user = create_user(
                    self.uow,
                    UserCreate(email=account.email, name=account.name, password=account.password),
                )
                self.people[account.key] = Principal(user_id=user.id)
            founders = {a.organization: a.key for a in ACCOUNTS if a.role is Role.owner}
            for organization in ORGANIZATIONS:
                founder = founders[organization.slug]
                read = create_organization(self.uow, self.people[founder], organization)
                self.organizations[organization.slug] = read.id
                self.refresh(founder)
        with self.at(0, 11):
            for account in ACCOUNTS:
                if account.role is not Role.owner:
                    add_member(
                        self.uow,
                        self.people[founders[account.organization]],
                        self.organizations[account.organization],
                        MemberAdd(email=account.email, role=account.role),
                    )
                    self.refresh(account.key)

    # --- days 1-20: the ministry's requirement -------------------------------------------

    def ministry_scope(self) -> None:
        officer, scope = "officer", "requirement"
        with self.at(1):
            read = create_scope(
                self.uow,
                self.people[officer],
                ScopeCreate(
                    organization_id=self.organizations["ministry-of-work"],
                    name="Fairness of automated recruitment screening",
                    kind="rule_domain",
                    description="Outcome-based rules for AI that screens job applications: "
                    "the ministry sets the level to reach and a reporting duty; providers "
                    "choose how to reach it.",
                    frameworks=[
                        {
                            "name": "OECD Recommendation for Agile Regulatory Governance to "
                            "Harness Innovation",
                            "version": "2021",
                        }
                    ],
                ),
            )
            self.scopes[scope] = read.id

    def ministry_analysis(self) -> None:
        officer, scope = "officer", "requirement"
        with self.at(2):
            for name, data in (
                (
                    "m.seekers",
                    StakeholderCreate(
                        name="Job seekers",
                        category="community",
                        interests="Equal access to work; knowing how they are judged.",
                        organization_id=self.organizations["jobseekers-voice"],
                    ),
                ),
                (
                    "m.providers",
                    StakeholderCreate(
                        name="Providers of automated screening",
                        category="service_provider",
                        description="About 40 registered providers, TalentBridge among them.",
                        interests="Clear, stable requirements that leave the method to them.",
                    ),
                ),
                (
                    "m.employers",
                    StakeholderCreate(
                        name="Employers",
                        category="user",
                        interests="Lawful, efficient hiring.",
                    ),
                ),
                (
                    "m.assessors",
                    StakeholderCreate(
                        name="FairBench Assurance",
                        category="assessor",
                        interests="A requirement precise enough to audit against.",
                        organization_id=self.organizations["fairbench"],
                    ),
                ),
            ):
                self.new(name, officer, scope, STAKEHOLDER, data)
        with self.at(3):
            exclusion = self.new(
                "m.exclusion",
                officer,
                scope,
                IMPACT,
                ImpactCreate(
                    stakeholder_id=self.ids["m.seekers"],
                    title="Groups shut out of work at scale",
                    nature="negative",
                    area="fairness",
                    description="One biased model screens for hundreds of employers at once.",
                    magnitude=5,
                ),
            )
            matching = self.new(
                "m.matching",
                officer,
                scope,
                IMPACT,
                ImpactCreate(
                    stakeholder_id=self.ids["m.employers"],
                    title="Faster matching across the labour market",
                    nature="positive",
                    area="efficiency",
                    magnitude=3,
                ),
            )
            law = self.new(
                "m.law",
                officer,
                scope,
                CONDITION,
                ConditionCreate(
                    title="Employment Security Act: fair handling of job seekers",
                    category="regulation",
                    description="Article 5-5 limits the collection and use of job seekers' "
                    "personal information to what the placement needs.",
                    source="Employment Security Act (Act No. 141 of 1947) — "
                    "https://laws.e-gov.go.jp/law/322AC0000000141",
                    review_by=self.day(STORY_DAYS + 185),
                ),
            )
            concern = self.new(
                "m.concern",
                officer,
                scope,
                CONDITION,
                ConditionCreate(
                    title="Public concern over algorithmic hiring",
                    category="social_acceptance",
                    description="Applicants and unions ask for fairness evidence and reasons.",
                    source="Public comment on the ministry's discussion paper; Job Seekers' "
                    "Voice submissions",
                    review_by=self.day(STORY_DAYS + 120),
                ),
            )
            self.new(
                "m.risk",
                officer,
                scope,
                RISK,
                RiskCreate(
                    title="Automated screening excludes groups of applicants",
                    description="Models trained on past hires repeat their skew by gender "
                    "or age, for every employer that uses them.",
                    inherent_likelihood=4,
                    inherent_severity=5,
                    residual_likelihood=2,
                    residual_severity=4,
                    treatment="mitigate",
                    treatment_note="An outcome-based requirement with quarterly reports, "
                    "evaluated and published by the ministry.",
                    impact_ids=[exclusion.id, matching.id],
                    condition_ids=[law.id, concern.id],
                ),
            )
        with self.at(6):
            self.review(
                officer,
                scope,
                "Analysis of the rule domain closed after two stakeholder hearings.",
                ["Regulate the outcome (selection rates), not the technique."],
                ["Hearing notes with providers and Job Seekers' Voice", "Risk register"],
            )
            self.move(officer, scope, Stage.goals, "analysis done")

    def ministry_goals(self) -> None:
        officer, scope = "officer", "requirement"
        with self.at(8):
            ultimate = self.new(
                "m.goal.access",
                officer,
                scope,
                GOAL,
                GoalCreate(title="Fair access to employment", level="ultimate"),
            )
            requirement = self.new(
                "m.goal.ratio",
                officer,
                scope,
                GOAL,
                GoalCreate(
                    title="Automated screening selects every applicant group at no less than "
                    "0.8 times the rate of the most-selected group",
                    level="specific",
                    parent_id=ultimate.id,
                    description="Outcome-based requirement: providers keep the ratio of the "
                    "lowest to the highest group selection rate (gender; age bands) at or "
                    "above 0.8 each quarter and report it. How they do so is theirs to choose.",
                    direction="higher_is_better",
                    unit="ratio",
                    acceptable_level=0.8,
                    target=0.9,
                    review_by=self.day(STORY_DAYS + 200),
                ),
            )
            self.new(
                "m.indicator",
                officer,
                scope,
                INDICATOR,
                IndicatorCreate(
                    goal_id=requirement.id,
                    key="sector.lowest_reported_ratio",
                    name="Lowest selection-rate ratio reported by a provider",
                    window_days=90,
                    aggregate="min",
                    data_source="Providers' monthly self-assessment reports",
                ),
            )
            for layer, organization, note in (
                (
                    "regulation",
                    "ministry-of-work",
                    "The level is prescribed and reported; enforcement only where a "
                    "provider stays below it.",
                ),
                (
                    "market",
                    "fairbench",
                    "Independent ratings let employers compare providers above the line.",
                ),
            ):
                self.new(
                    f"m.allocation.{layer}",
                    officer,
                    scope,
                    ALLOCATION,
                    AllocationCreate(
                        goal_id=requirement.id,
                        layer=layer,
                        responsible_organization_id=self.organizations[organization],
                        cost_benefit=note,
                    ),
                )
        with self.at(10):
            # Publishing needs the owner; a published goal is one others may adopt.
            update_scope(
                self.uow,
                self.people[officer],
                self.scopes[scope],
                ScopeUpdate(visibility="public"),
            )
            self.move(officer, scope, Stage.design, "requirement published for comment")

    def ministry_design(self) -> None:
        officer, scope = "officer", "requirement"
        with self.at(14):
            self.new(
                "m.measure.rule",
                officer,
                scope,
                MEASURE,
                MeasureCreate(
                    kind="rule",
                    rule_layer="law_regulation",
                    title="Fairness requirement for automated screening, with a reporting duty",
                    description="Registered providers report the selection-rate ratio monthly "
                    "and explain any month below 0.8 with the corrective action taken.",
                    status="implemented",
                    citations=["Employment Security Act, art. 5-5"],
                    risk_ids=[self.ids["m.risk"]],
                    goal_ids=[self.ids["m.goal.ratio"]],
                ),
            )
            self.new(
                "m.measure.desk",
                officer,
                scope,
                MEASURE,
                MeasureCreate(
                    kind="organization",
                    title="Reporting desk and annual public evaluation",
                    description="Reviews providers' reports and publishes a sector evaluation.",
                    status="implemented",
                    risk_ids=[self.ids["m.risk"]],
                    goal_ids=[self.ids["m.goal.ratio"]],
                ),
            )
        with self.at(18):
            self.review(
                officer,
                scope,
                "Public comment closed; the requirement stands at 0.8.",
                [
                    "Keep 0.8 (the four-fifths rule) as the line; providers may set stricter "
                    "lines of their own.",
                    f"Monthly reports from {self.day(30)}.",
                ],
                ["212 public comments and the ministry's responses"],
            )
        with self.at(20):
            self.move(officer, scope, Stage.operation, "requirement in force")
        self.feeds[scope] = _Feed(
            self.scopes[scope], self.people[officer], "provider-reports", ministry_series()
        )

    # --- days 22-56: TalentBridge's screening service ------------------------------------

    def screening_scope(self) -> None:
        with self.at(22):
            read = create_scope(
                self.uow,
                self.people["lead"],
                ScopeCreate(
                    organization_id=self.organizations[DEMO_SLUG],
                    name="TalentBridge Screening: AI résumé ranking",
                    kind="ai_system",
                    description="Ranks incoming applications for employer clients and "
                    "shortlists the top of each ranking; recruiters make the decisions.",
                    frameworks=[{"name": GUIDELINES, "version": "1.0"}],
                ),
            )
            self.scopes["screening"] = read.id

    def screening_stakeholders(self) -> None:
        who, scope = "analyst", "screening"
        organizations = self.organizations
        with self.at(23):
            for name, data in (
                (
                    "applicants",
                    StakeholderCreate(
                        name="Applicants",
                        category="user",
                        interests="A fair chance; a reason when rejected; a way to contest; "
                        "privacy of their résumé.",
                    ),
                ),
                (
                    "employers",
                    StakeholderCreate(
                        name="Employer clients",
                        category="user",
                        interests="Good shortlists fast, within the law.",
                    ),
                ),
                (
                    "ministry",
                    StakeholderCreate(
                        name="Ministry of Work and Employment",
                        category="regulator",
                        interests="Outcomes at or above its fairness requirement; reports.",
                        organization_id=organizations["ministry-of-work"],
                    ),
                ),
                (
                    "community",
                    StakeholderCreate(
                        name="Job Seekers' Voice",
                        category="community",
                        interests="Applicants' say in how screening is governed.",
                        organization_id=organizations["jobseekers-voice"],
                    ),
                ),
                (
                    "public",
                    StakeholderCreate(
                        name="Job seekers outside the service",
                        category="non_user_public",
                        interests="A labour market not narrowed by one model's taste.",
                    ),
                ),
                (
                    "past_applicants",
                    StakeholderCreate(
                        name="Past applicants in clients' hiring records",
                        category="data_provider",
                        description="Their historical applications and outcomes train the model.",
                        interests="Lawful, limited use of their data.",
                    ),
                ),
                (
                    "assessor",
                    StakeholderCreate(
                        name="FairBench Assurance",
                        category="assessor",
                        interests="Access to data and methods to audit fairness.",
                        organization_id=organizations["fairbench"],
                    ),
                ),
                (
                    "recruiters",
                    StakeholderCreate(
                        name="TalentBridge recruiters and reviewers",
                        category="employee",
                        interests="Tools they can trust and overrule.",
                    ),
                ),
            ):
                self.new(f"stakeholder.{name}", who, scope, STAKEHOLDER, data)

    def screening_impacts(self) -> None:
        who, scope = "analyst", "screening"
        with self.at(24):
            for name, stakeholder, title, nature, area, magnitude in (
                ("unfair", "applicants", "Qualified applicants rejected because of their "
                 "group", "negative", "fairness", 5),
                ("no_reason", "applicants", "Rejection without a reason", "negative",
                 "transparency", 4),
                ("resume_privacy", "applicants", "Résumé data used or kept beyond screening",
                 "negative", "privacy", 4),
                ("speed", "applicants", "A decision in days rather than weeks", "positive",
                 "convenience", 3),
                ("effort", "employers", "Screening effort cut by two thirds", "positive",
                 "efficiency", 4),
                ("missed", "employers", "Good candidates missed, or gamed résumés passed",
                 "negative", "economic", 3),
                ("narrowing", "public", "Hiring converges on one model's idea of a good "
                 "candidate", "negative", "societal", 3),
                ("records", "past_applicants", "Past applicants' data reused for training",
                 "negative", "privacy", 3),
                ("voice", "community", "A seat at the table for job seekers", "positive",
                 "societal", 2),
            ):  # fmt: skip
                self.new(
                    f"impact.{name}",
                    who,
                    scope,
                    IMPACT,
                    ImpactCreate(
                        stakeholder_id=self.ids[f"stakeholder.{stakeholder}"],
                        title=title,
                        nature=nature,
                        area=area,
                        magnitude=magnitude,
                    ),
                )

    def screening_conditions(self) -> None:
        who, scope = "analyst", "screening"
        with self.at(25):
            requirement = self.scopes["requirement"]
            for name, data in (
                (
                    "employment_act",
                    ConditionCreate(
                        title="Employment Security Act: handling of job seekers' data",
                        category="regulation",
                        description="Personal information of job seekers may be collected "
                        "and used only within what the placement needs (art. 5-5).",
                        source="Employment Security Act (Act No. 141 of 1947) — "
                        "https://laws.e-gov.go.jp/law/322AC0000000141",
                        review_by=self.day(STORY_DAYS + 185),
                    ),
                ),
                (
                    "privacy_act",
                    ConditionCreate(
                        title="Act on the Protection of Personal Information",
                        category="regulation",
                        description="Purpose specification, retention and data-subject "
                        "requests for all applicant data.",
                        source="Act No. 57 of 2003 — https://laws.e-gov.go.jp/law/415AC0000000057",
                        review_by=self.day(STORY_DAYS + 185),
                    ),
                ),
                (
                    "requirement",
                    ConditionCreate(
                        title="Ministry requirement: selection-rate ratio of at least 0.8",
                        category="regulation",
                        description="Outcome-based, with monthly reports to the ministry.",
                        source=f"Ministry of Work and Employment, published scope #{requirement}",
                        review_by=self.day(STORY_DAYS + 60),
                    ),
                ),
                (
                    "guidelines",
                    ConditionCreate(
                        title=f"{GUIDELINES}, version 1.0",
                        category="regulation",
                        description="Soft law: not binding, but the reference that employer "
                        "clients and the ministry expect providers to follow.",
                        source=GUIDELINES_SOURCE,
                        review_by=self.day(STORY_DAYS + 30),
                    ),
                ),
                (
                    "acceptance",
                    ConditionCreate(
                        title="Applicants accept AI screening only with reasons and human review",
                        category="social_acceptance",
                        source="Job Seekers' Voice member survey, presented at the "
                        "stakeholder meeting",
                        review_by=self.day(STORY_DAYS + 120),
                    ),
                ),
                (
                    "proficiency",
                    ConditionCreate(
                        title="Fairness testing in house: two trained data scientists",
                        category="proficiency",
                        description="Enough to run the monitoring and recalibrate; not yet "
                        "enough to cover leave or growth.",
                        source="TalentBridge skills register",
                        # Left in the past on purpose: `agilegov cycle tick` (and the
                        # server's periodic check) opens a condition_review_due trigger.
                        review_by=self.day(STORY_DAYS - 10),
                    ),
                ),
            ):
                self.new(f"condition.{name}", who, scope, CONDITION, data)

    def screening_risks(self) -> None:
        who, scope = "analyst", "screening"
        with self.at(27):
            for name, data, impacts, conditions in (
                (
                    "bias",
                    RiskCreate(
                        title="Screening repeats the bias of clients' past hiring",
                        description="The model learns from past hires; where those were "
                        "skewed by gender or age, qualified applicants of the under-selected "
                        "groups are ranked down.",
                        inherent_likelihood=4,
                        inherent_severity=5,
                        residual_likelihood=2,
                        residual_severity=4,
                        treatment="mitigate",
                        treatment_note="No protected attributes or close proxies as inputs; "
                        "daily bias monitoring with a margin above the legal line; human "
                        "review of borderline rejections.",
                    ),
                    ["unfair", "narrowing"],
                    ["requirement", "guidelines", "employment_act"],
                ),
                (
                    "opaque",
                    RiskCreate(
                        title="Rejected applicants cannot tell why",
                        inherent_likelihood=4,
                        inherent_severity=3,
                        residual_likelihood=2,
                        residual_severity=2,
                        treatment="mitigate",
                        treatment_note="Plain-language reasons for every rejection.",
                    ),
                    ["no_reason"],
                    ["guidelines", "acceptance"],
                ),
                (
                    "gaming",
                    RiskCreate(
                        title="Explanations let applicants game the ranking",
                        inherent_likelihood=3,
                        inherent_severity=3,
                        residual_likelihood=2,
                        residual_severity=3,
                        treatment="accept",
                        treatment_note="Accepted: reasons name factors and what would help, "
                        "never weights; gaming is watched through panel agreement.",
                    ),
                    ["missed"],
                    ["guidelines"],
                ),
                (
                    "privacy",
                    RiskCreate(
                        title="Résumé data used beyond screening or kept too long",
                        inherent_likelihood=3,
                        inherent_severity=4,
                        residual_likelihood=1,
                        residual_severity=4,
                        treatment="mitigate",
                        treatment_note="Purpose limits in the terms and client contracts; "
                        "automatic deletion after 12 months.",
                    ),
                    ["resume_privacy", "records"],
                    ["employment_act", "privacy_act"],
                ),
                (
                    "rubber_stamp",
                    RiskCreate(
                        title="Recruiters rubber-stamp the model",
                        inherent_likelihood=3,
                        inherent_severity=4,
                        residual_likelihood=2,
                        residual_severity=3,
                        treatment="mitigate",
                        treatment_note="Training, sampled second looks, override statistics "
                        "reviewed by the committee.",
                    ),
                    ["unfair"],
                    ["proficiency"],
                ),
                (
                    "complaints",
                    RiskCreate(
                        title="Complaints left unanswered",
                        inherent_likelihood=3,
                        inherent_severity=3,
                        residual_likelihood=2,
                        residual_severity=2,
                        treatment="mitigate",
                        treatment_note="A staffed review desk with a 30-day resolution goal.",
                    ),
                    ["no_reason", "unfair"],
                    ["acceptance"],
                ),
                (
                    "drift",
                    RiskCreate(
                        title="The model drifts as the client mix or job market changes",
                        inherent_likelihood=3,
                        inherent_severity=4,
                        residual_likelihood=2,
                        residual_severity=3,
                        treatment="mitigate",
                        treatment_note="Monitoring of outcomes, not only of inputs.",
                    ),
                    ["unfair", "missed"],
                    ["proficiency"],
                ),
            ):
                data.impact_ids = [self.ids[f"impact.{i}"] for i in impacts]
                data.condition_ids = [self.ids[f"condition.{c}"] for c in conditions]
                self.new(f"risk.{name}", who, scope, RISK, data)
        with self.at(29):
            self.review(
                "audit",
                scope,
                "Internal audit checked the analysis before goals are set.",
                [
                    "The risk register is complete enough to set goals.",
                    "Bias is the top risk (inherent 20, critical); treat it first.",
                ],
                ["Stakeholder workshop with Job Seekers' Voice", "Risk matrix, 7 risks"],
            )
            self.move("lead", scope, Stage.goals, "analysis reviewed by internal audit")

    def screening_goal_hierarchy(self) -> None:
        who, scope = "lead", "screening"
        review_by = self.day(STORY_DAYS + 180)
        with self.at(30):
            self.new(
                "goal.ultimate",
                who,
                scope,
                GOAL,
                GoalCreate(
                    title="Fair and trusted access to work through AI screening",
                    level="ultimate",
                ),
            )
            for name, title in (
                ("fairness", "Fairness"),
                ("accountability", "Transparency and accountability"),
                ("privacy", "Privacy"),
                ("value", "Value for applicants and employers"),
            ):
                self.new(
                    f"goal.{name}",
                    who,
                    scope,
                    GOAL,
                    GoalCreate(
                        title=title, level="core_value", parent_id=self.ids["goal.ultimate"]
                    ),
                )
            specific: tuple[tuple[str, str, GoalCreate], ...] = (
                (
                    "selection_ratio",
                    "fairness",
                    GoalCreate(
                        title="Applicant groups are shortlisted at comparable rates",
                        level="specific",
                        description="Adopts the ministry's requirement (0.8) at 0.85: the "
                        "margin lets a drift be caught and corrected before the legal line "
                        "is at risk.",
                        direction="higher_is_better",
                        unit="ratio",
                        acceptable_level=0.85,
                        target=0.95,
                        review_by=review_by,
                        derives_from_id=self.ids["m.goal.ratio"],
                    ),
                ),
                (
                    "explanations",
                    "accountability",
                    GoalCreate(
                        title="Every rejected applicant receives an explanation",
                        level="specific",
                        description="Share of rejections sent with plain-language reasons "
                        "within 24 hours.",
                        direction="higher_is_better",
                        unit="share",
                        acceptable_level=0.99,
                        target=0.999,
                        review_by=review_by,
                    ),
                ),
                (
                    "complaints",
                    "accountability",
                    GoalCreate(
                        title="Complaints are resolved within 30 days",
                        level="specific",
                        direction="higher_is_better",
                        unit="share",
                        acceptable_level=0.95,
                        target=0.99,
                        review_by=review_by,
                    ),
                ),
                (
                    "retention",
                    "privacy",
                    GoalCreate(
                        title="No applicant data is kept past its retention period",
                        level="specific",
                        direction="lower_is_better",
                        unit="records",
                        acceptable_level=0,
                        target=0,
                        review_by=review_by,
                    ),
                ),
                (
                    "speed",
                    "value",
                    GoalCreate(
                        title="Applicants hear back quickly",
                        level="specific",
                        direction="lower_is_better",
                        unit="days",
                        acceptable_level=5,
                        target=2,
                        review_by=review_by,
                    ),
                ),
                (
                    "quality",
                    "value",
                    GoalCreate(
                        title="Shortlists agree with a blind human panel",
                        level="specific",
                        description="Weekly, a panel re-screens 200 sampled applications "
                        "without seeing the model's ranking.",
                        direction="higher_is_better",
                        unit="share",
                        acceptable_level=0.8,
                        target=0.88,
                        review_by=review_by,
                    ),
                ),
            )
            for name, parent, data in specific:
                data.parent_id = self.ids[f"goal.{parent}"]
                self.new(f"goal.{name}", who, scope, GOAL, data)

    def screening_indicators(self) -> None:
        scope = "screening"
        with self.at(31):
            for key, goal, name, window, aggregate, source in (
                ("fairness.selection_rate_ratio", "selection_ratio",
                 "Selection-rate ratio, lowest to highest group", 7, "mean",
                 "Bias-monitoring pipeline: daily shortlist decisions by gender and age band "
                 "(self-declared, held apart from the model)"),
                ("transparency.explanation_share", "explanations",
                 "Rejections sent with reasons", 7, "mean",
                 "Explanation generator delivery log"),
                ("remedy.complaints_resolved_30d", "complaints",
                 "Complaints resolved within 30 days", 30, "last",
                 "Review desk case system"),
                ("privacy.retention_overdue_records", "retention",
                 "Records past their retention period", 7, "max",
                 "Retention and deletion job"),
                ("efficiency.median_days_to_decision", "speed",
                 "Median days from application to decision", 7, "mean",
                 "Application tracking system"),
                ("quality.panel_agreement", "quality",
                 "Agreement of shortlists with the blind panel", 28, "mean",
                 "Weekly blind panel re-screening"),
            ):  # fmt: skip
                self.new(
                    f"indicator.{goal}",
                    "analyst",
                    scope,
                    INDICATOR,
                    IndicatorCreate(
                        goal_id=self.ids[f"goal.{goal}"],
                        key=key,
                        name=name,
                        window_days=window,
                        aggregate=aggregate,
                        data_source=source,
                    ),
                )

    def screening_trade_offs(self) -> None:
        who, scope = "lead", "screening"
        with self.at(32):
            self.new(
                "trade_off.reasons",
                who,
                scope,
                TRADE_OFF,
                TradeOffCreate(
                    goal_a_id=self.ids["goal.explanations"],
                    goal_b_id=self.ids["goal.quality"],
                    description="Detailed reasons help applicants improve and contest, but "
                    "show how to game the ranking, which hurts shortlists.",
                    balance="Name the three strongest factors and what would have helped, "
                    "in plain language; never weights, thresholds or the feature list. "
                    "Watch panel agreement for signs of gaming.",
                ),
            )
            self.new(
                "trade_off.accuracy",
                who,
                scope,
                TRADE_OFF,
                TradeOffCreate(
                    goal_a_id=self.ids["goal.selection_ratio"],
                    goal_b_id=self.ids["goal.quality"],
                    description="Removing proxies and re-weighting costs some agreement with "
                    "past hiring decisions.",
                    balance="Fairness first: its floor derives from the ministry's "
                    "requirement and is not traded. Panel agreement may fall to 0.80.",
                ),
            )

    def screening_allocations(self) -> None:
        who, scope = "lead", "screening"
        with self.at(33):
            tb, ministry = self.organizations[DEMO_SLUG], self.organizations["ministry-of-work"]
            for goal, layer, organization, note in (
                ("selection_ratio", "regulation", ministry,
                 "The ministry prescribes 0.8 and a monthly report (about two days of work a "
                 "quarter); in return, one line that every provider meets and clients can "
                 "rely on."),
                ("selection_ratio", "voluntary", tb,
                 "TalentBridge chooses the method and keeps a 0.05 margin: about one "
                 "full-time data scientist; drift is caught before the legal line."),
                ("selection_ratio", "market", self.organizations["fairbench"],
                 "FairBench's annual rating lets clients compare providers without auditing "
                 "each one; the audit fee buys sales credibility."),
                ("explanations", "voluntary", tb,
                 "Own explanation generator: cheap to run once built; fewer complaints."),
                ("explanations", "market", self.organizations["jobseekers-voice"],
                 "Job Seekers' Voice publishes applicants' experiences; a public check "
                 "that costs TalentBridge nothing but attention."),
                ("complaints", "voluntary", tb,
                 "Own review desk: three staff; the first and cheapest rung of remedy."),
                ("complaints", "infrastructure", None,
                 "Cases the desk cannot settle go to the industry's shared ADR service, "
                 "cheaper for applicants than court."),
                ("retention", "regulation", ministry,
                 "Purpose and retention limits are set by law; the deletion job costs little."),
                ("speed", "market", None,
                 "Clients choose providers partly on speed; no rule is needed."),
                ("quality", "market", None,
                 "Clients' renewals reward good shortlists."),
            ):  # fmt: skip
                self.new(
                    f"allocation.{goal}.{layer}",
                    who,
                    scope,
                    ALLOCATION,
                    AllocationCreate(
                        goal_id=self.ids[f"goal.{goal}"],
                        layer=layer,
                        responsible_organization_id=organization,
                        cost_benefit=note,
                    ),
                )
        with self.at(35):
            self.review(
                "audit",
                scope,
                "Goals set; each specific goal has an indicator and an acceptable level.",
                [
                    "Adopt the ministry's requirement at 0.85.",
                    "Reasons for every rejection: 99% as the line, 99.9% as the target.",
                ],
                ["Goal hierarchy", "Allocation of each goal to its layers"],
            )
            self.move(who, scope, Stage.design, "goals set")

    def design_monitoring_and_explanations(self) -> None:
        who, scope = "analyst", "screening"
        risk, goal = self._risk_ids, self._goal_ids
        guideline = f"{GUIDELINES} 1.0, common guiding principle"
        with self.at(36):
            self.new(
                "measure.bias_monitoring",
                who,
                scope,
                MEASURE,
                MeasureCreate(
                    kind="technology",
                    title="Bias-monitoring pipeline",
                    description="Each day, computes the selection rate of each group (gender; "
                    "age under 35, 35-49, 50 and over) from shortlist decisions and "
                    "self-declared attributes held apart from the model, and the ratio of the "
                    "lowest to the highest. Alerts when the 7-day mean falls below 0.88.",
                    status="in_progress",
                    citations=[f"{guideline} 3) Fairness"],
                    risk_ids=risk("bias", "drift"),
                    goal_ids=goal("selection_ratio"),
                ),
            )
            self.new(
                "measure.explanations",
                who,
                scope,
                MEASURE,
                MeasureCreate(
                    kind="technology",
                    title="Explanation generator",
                    description="Every rejected applicant gets, within 24 hours, the three "
                    "factors that weighed most, in plain language, what would have helped, "
                    "and how to ask for human review. Weights and thresholds are never shown.",
                    status="in_progress",
                    citations=[f"{guideline} 6) Transparency", f"{guideline} 7) Accountability"],
                    risk_ids=risk("opaque", "gaming"),
                    goal_ids=goal("explanations"),
                ),
            )

    def design_rules_and_organization(self) -> None:
        scope = "screening"
        risk, goal = self._risk_ids, self._goal_ids
        guideline = f"{GUIDELINES} 1.0, common guiding principle"
        with self.at(37):
            self.new(
                "measure.code",
                "lead",
                scope,
                MEASURE,
                MeasureCreate(
                    kind="rule",
                    rule_layer="voluntary",
                    title="TalentBridge code of conduct for AI screening",
                    description="Adopted by the board: no protected attribute or close proxy "
                    "(photo, name, date of birth, address) as model input; a margin above any "
                    "legal line; indicators published quarterly; a client's model is stopped "
                    "if its ratio stays below 0.80 for seven days.",
                    status="implemented",
                    citations=[f"{guideline} 1) Human-centric", f"{guideline} 3) Fairness"],
                    risk_ids=risk("bias", "rubber_stamp"),
                    goal_ids=goal("selection_ratio", "explanations"),
                ),
            )
            self.new(
                "measure.committee",
                "lead",
                scope,
                MEASURE,
                MeasureCreate(
                    kind="organization",
                    title="AI governance committee",
                    description="CTO, head of legal, internal audit, the data science lead "
                    "and one external member nominated by Job Seekers' Voice. Meets monthly "
                    "and on every trigger; decides evaluations; approves model releases.",
                    status="implemented",
                    citations=[f"{guideline} 7) Accountability"],
                    risk_ids=risk("bias", "rubber_stamp", "drift"),
                    goal_ids=goal("selection_ratio", "explanations", "complaints"),
                ),
            )
        with self.at(38):
            self.new(
                "measure.terms",
                "lead",
                scope,
                MEASURE,
                MeasureCreate(
                    kind="rule",
                    rule_layer="provider_user",
                    title="Applicant terms and privacy notice; client data clauses",
                    description="Tells applicants that AI ranks résumés, on which data, that "
                    "protected attributes are never inputs, that data is kept 12 months, and "
                    "that they may ask for reasons and human review. Client contracts forbid "
                    "any other use of shortlists.",
                    status="implemented",
                    citations=[
                        "Employment Security Act, art. 5-5",
                        "Act on the Protection of Personal Information",
                        f"{guideline} 4) Privacy protection",
                    ],
                    risk_ids=risk("privacy", "opaque"),
                    goal_ids=goal("retention", "explanations"),
                ),
            )
            self.new(
                "measure.review_desk",
                "lead",
                scope,
                MEASURE,
                MeasureCreate(
                    kind="organization",
                    title="Human review desk",
                    description="Trained recruiters re-examine any rejection on request and "
                    "a random 2% sample, and handle complaints, answering within 10 days.",
                    status="in_progress",
                    citations=[f"{guideline} 1) Human-centric"],
                    risk_ids=risk("rubber_stamp", "complaints"),
                    goal_ids=goal("complaints", "selection_ratio"),
                ),
            )

    def design_privacy_and_audit(self) -> None:
        who, scope = "analyst", "screening"
        risk, goal = self._risk_ids, self._goal_ids
        guideline = f"{GUIDELINES} 1.0, common guiding principle"
        with self.at(40):
            self.new(
                "measure.retention",
                who,
                scope,
                MEASURE,
                MeasureCreate(
                    kind="technology",
                    title="Retention and deletion job",
                    description="Deletes résumés and derived features 12 months after the "
                    "last application unless the applicant stays in the talent pool; counts "
                    "overdue records every day.",
                    status="implemented",
                    citations=[f"{guideline} 4) Privacy protection"],
                    risk_ids=risk("privacy"),
                    goal_ids=goal("retention"),
                ),
            )
            self.new(
                "measure.audit",
                "lead",
                scope,
                MEASURE,
                MeasureCreate(
                    kind="rule",
                    rule_layer="standard_certification",
                    title="Annual fairness audit by FairBench Assurance",
                    description="Third-party audit of the pipeline and of outcomes against "
                    "FairBench's published method; a summary goes into the transparency "
                    "report.",
                    status="planned",
                    risk_ids=risk("bias"),
                    goal_ids=goal("selection_ratio"),
                ),
            )
        # The technical measures become new versions when they are finished.

    def finish_measures(self) -> None:
        who, scope = "analyst", "screening"
        with self.at(50):
            for name in ("bias_monitoring", "explanations"):
                self.revise(
                    f"measure.{name}",
                    who,
                    scope,
                    MEASURE,
                    MeasureUpdate(status="implemented", change_note="deployed to production"),
                )
        with self.at(51):
            self.revise(
                "measure.review_desk",
                "lead",
                scope,
                MEASURE,
                MeasureUpdate(status="implemented", change_note="desk staffed and trained"),
            )

    def go_live(self) -> None:
        scope = "screening"
        with self.at(54):
            self.review(
                "audit",
                scope,
                "Go-live review: measures in place for every goal.",
                [
                    "Approve go-live for all clients.",
                    "Plan the FairBench audit for the first year of operation.",
                ],
                [
                    "Pre-launch fairness test on 40,000 past applications: ratio 0.91",
                    "Explanation coverage test: 99.8%",
                ],
                [
                    self.version_of("measure.bias_monitoring", MEASURE, 2),
                    self.version_of("measure.explanations", MEASURE, 2),
                    self.version_of("measure.review_desk", MEASURE, 2),
                ],
            )
        with self.at(56):
            self.move("lead", scope, Stage.operation, "go-live")
            # TalentBridge discloses its governance from the first day of operation.
            update_scope(
                self.uow, self.people["lead"], self.scopes[scope], ScopeUpdate(visibility="public")
            )
        self.feeds[scope] = _Feed(
            self.scopes[scope],
            self.people["analyst"],
            "talentbridge-monitoring",
            screening_series(),
        )

    # --- days 70-84: inner loop 1, reasons missing -----------------------------------------

    def inner_loop_explanations(self) -> None:
        scope = "screening"
        series = self.feeds[scope].series["transparency.explanation_share"]
        self.monitor(COMPLAINT_CLUSTER, flush=True)
        share = _mean_over(series, COMPLAINT_CLUSTER, 7)
        with self.at(COMPLAINT_CLUSTER):
            # Complaints arrive first; the indicator confirms them. The first trigger
            # starts the evaluation, the second joins it.
            self.trigger(
                "lead",
                scope,
                TriggerCreate(
                    kind=TriggerKind.complaint_cluster,
                    cause="14 complaints in 8 days from applicants whose rejection gave "
                    "no reasons, most of them for English-language résumés.",
                ),
            )
            self.trigger(
                "analyst",
                scope,
                TriggerCreate(
                    kind=TriggerKind.indicator_breach,
                    cause=f"Rejections sent with reasons: 7-day mean {share:.3f}, below the "
                    "acceptable 0.99.",
                    subject_type="indicator",
                    subject_id=self.ids["indicator.explanations"],
                    facts={"value": round(share, 4), "acceptable_level": 0.99},
                ),
            )
        with self.at(COMPLAINT_CLUSTER + 2):
            hotfix = self.revise(
                "measure.explanations",
                "analyst",
                scope,
                MEASURE,
                MeasureUpdate(
                    description="Every rejected applicant gets, within 24 hours, the three "
                    "factors that weighed most, in plain language, what would have helped, "
                    "and how to ask for human review. If the reasons cannot be written in the "
                    "résumé's language, the message is held for the review desk instead of "
                    "going out without them; a release check blocks templates that produce "
                    "empty reasons.",
                    change_note="Inner loop 1: hotfix after the English-template regression",
                ),
            )
        with self.at(COMPLAINT_CLUSTER + 3):
            self.review(
                "lead",
                scope,
                f"A template change on {self.day(TEMPLATE_REGRESSION[0])} sent English-language "
                "rejections without reasons. Fixed; the measures, not the goals, failed.",
                [
                    "Keep the goal at 99%; the miss was a defect, not a wrong level.",
                    "Contact every applicant who got no reasons and offer a human review.",
                    "Add a release check for empty reasons.",
                ],
                [
                    f"Indicator transparency.explanation_share: 7-day mean {share:.3f}",
                    "14 complaints, case numbers in the review desk system",
                    f"Template release log for {self.day(TEMPLATE_REGRESSION[0])}",
                ],
                [hotfix],
            )
            self.move("lead", scope, Stage.design, "improve the explanation measures")

    def inner_loop_explanations_redesign(self) -> None:
        scope = "screening"
        with self.at(COMPLAINT_CLUSTER + 4):
            desk = self.revise(
                "measure.review_desk",
                "lead",
                scope,
                MEASURE,
                MeasureUpdate(
                    description="Trained recruiters re-examine any rejection on request and "
                    "a random 2% sample, and handle complaints, answering within 10 days. "
                    "Rejections held by the explanation generator are answered by hand within "
                    "two days; complaints are triaged daily.",
                    change_note="Inner loop 1: handles held rejections; daily triage",
                ),
            )
        with self.at(COMPLAINT_CLUSTER + 5):
            self.review(
                "audit",
                scope,
                "Redesign checked before returning to operation.",
                ["Return to operation."],
                ["Release check run on all 12 templates", "Desk rota for held rejections"],
                [desk],
            )
        with self.at(COMPLAINT_CLUSTER + 6):
            self.move("lead", scope, Stage.operation, "explanation measures improved")

    # --- days 106-126: inner loop 2, the selection-rate ratio dips ------------------------

    def inner_loop_fairness(self) -> None:
        scope = "screening"
        series = self.feeds[scope].series["fairness.selection_rate_ratio"]
        self.monitor(FAIRNESS_BREACH, flush=True)
        ratio = _mean_over(series, FAIRNESS_BREACH, 7)
        lowest = min(v for d, v in series.items() if d <= FAIRNESS_BREACH)
        assert 0.8 <= ratio < 0.85, ratio  # the data must tell the story below
        with self.at(FAIRNESS_BREACH):
            # Only TalentBridge's own margin was crossed; the ministry's 0.80 (the
            # derived part of the goal) held. So this is not a failure of the adopted
            # requirement (facts.derived), and improving the measures is the answer.
            self.trigger(
                "analyst",
                scope,
                TriggerCreate(
                    kind=TriggerKind.indicator_breach,
                    cause=f"Selection-rate ratio: 7-day mean {ratio:.3f}, below our acceptable "
                    "0.85 (the ministry's 0.80 is still met).",
                    subject_type="indicator",
                    subject_id=self.ids["indicator.selection_ratio"],
                    facts={
                        "derived": False,
                        "value": round(ratio, 4),
                        "acceptable_level": 0.85,
                        "required_level": 0.8,
                    },
                ),
            )
        with self.at(FAIRNESS_BREACH + 2):
            monitoring = self.revise(
                "measure.bias_monitoring",
                "analyst",
                scope,
                MEASURE,
                MeasureUpdate(
                    description="Each day, computes the selection rate of each group (gender; "
                    "age under 35, 35-49, 50 and over) and the ratio of the lowest to the "
                    "highest, overall and for each client with more than 200 applications a "
                    "week, so that one client's shift is not averaged away. Alerts when a "
                    "7-day mean falls below 0.88.",
                    change_note="Inner loop 2: per-client monitoring",
                ),
            )
        with self.at(FAIRNESS_BREACH + 4):
            self.review(
                "lead",
                scope,
                f"A large logistics client joined on {self.day(CLIENT_DRIFT)}; the model ranked "
                "its applicants by that client's male-dominated hiring history. The overall "
                "ratio hid the shift for a week.",
                [
                    "Keep the goal at 0.85: the margin did its job, the legal line was never "
                    "crossed.",
                    "Monitor per client; recalibrate scores per client sector.",
                    "Human review of borderline rejections for clients under alert.",
                    "Tell the ministry in the next monthly report.",
                ],
                [
                    f"Indicator fairness.selection_rate_ratio: 7-day mean {ratio:.3f}, "
                    f"lowest day {lowest:.3f}",
                    f"Per-client ratios, {self.day(CLIENT_DRIFT)} to {self.day(FAIRNESS_BREACH)}",
                ],
                [monitoring],
            )
            self.move("lead", scope, Stage.design, "improve the fairness measures")

    def inner_loop_fairness_redesign(self) -> None:
        scope = "screening"
        with self.at(FAIRNESS_BREACH + 6):
            self.change(
                "risk.drift",
                "analyst",
                scope,
                RISK,
                RiskUpdate(
                    treatment_note="Monitoring of outcomes, overall and per client; "
                    "per-client calibration.",
                ),
            )
            calibration = self.new(
                "measure.calibration",
                "analyst",
                scope,
                MEASURE,
                MeasureCreate(
                    kind="technology",
                    title="Per-client score calibration with re-weighted training",
                    description="The model is retrained with re-weighting so that one "
                    "client's hiring history does not set the bar for its applicants; scores "
                    "are calibrated per client sector.",
                    status="in_progress",
                    citations=[f"{GUIDELINES} 1.0, common guiding principle 3) Fairness"],
                    risk_ids=self._risk_ids("bias", "drift"),
                    goal_ids=self._goal_ids("selection_ratio", "quality"),
                ),
            )
        with self.at(CALIBRATION_LIVE - 1):
            desk = self.revise(
                "measure.review_desk",
                "lead",
                scope,
                MEASURE,
                MeasureUpdate(
                    description="Trained recruiters re-examine any rejection on request and "
                    "a random 2% sample, and handle complaints, answering within 10 days. "
                    "Rejections held by the explanation generator are answered by hand within "
                    "two days; complaints are triaged daily. For clients under a fairness "
                    "alert, every rejection within 0.05 of the cut-off is reviewed by hand.",
                    change_note="Inner loop 2: borderline review for clients under alert",
                ),
            )
            self.new(
                "trade_off.review_time",
                "lead",
                scope,
                TRADE_OFF,
                TradeOffCreate(
                    goal_a_id=self.ids["goal.selection_ratio"],
                    goal_b_id=self.ids["goal.speed"],
                    description="Reviewing borderline rejections by hand improves fairness "
                    "but slows decisions.",
                    balance="Review only rejections within 0.05 of the cut-off, and only for "
                    "clients under alert; the median decision time must stay within 5 days.",
                ),
            )
        with self.at(CALIBRATION_LIVE):
            calibrated = self.revise(
                "measure.calibration",
                "analyst",
                scope,
                MEASURE,
                MeasureUpdate(status="implemented", change_note="recalibrated model released"),
            )
        with self.at(CALIBRATION_LIVE + 1):
            self.review(
                "audit",
                scope,
                "Recalibrated model and review band checked before returning to operation.",
                ["Return to operation; the committee follows the ratio weekly for a month."],
                [
                    f"Back-test on {self.day(CLIENT_DRIFT)} to {self.day(FAIRNESS_BREACH)} "
                    "with calibration: ratio 0.91",
                    "Panel agreement on the back-test: 0.84 (above 0.80)",
                ],
                [
                    self.version_of("measure.calibration", MEASURE, calibration.version),
                    calibrated,
                    desk,
                ],
            )
        with self.at(CALIBRATION_LIVE + 2):
            self.move("lead", scope, Stage.operation, "fairness measures improved")

    # --- an independent assessor certifies the fairness monitoring -----------------------

    def fairness_attestation(self) -> None:
        """FairBench audits the recovered fairness monitoring and issues a
        credential that anyone can check offline."""
        with self.at(CALIBRATION_LIVE + 8, 14):
            assessor = self.people["assessor"]
            assessment = create_assessment(
                self.uow,
                assessor,
                AssessmentCreate(
                    assessor_organization_id=self.organizations["fairbench"],
                    scope_id=self.scopes["screening"],
                    method="third_party_certification",
                    criteria=[
                        "Selection-rate ratio between groups at or above 0.8 over 90 days, "
                        "overall and for every client",
                        "Every rejection explained within 24 hours",
                        "Breaches reviewed and remedied in the governance cycle",
                    ],
                    result="Certified: criteria met after per-client calibration went live.",
                    findings=[
                        "Monitoring per client closes the gap found in the second inner loop.",
                        "Explanations should offer contesting, not only reasons.",
                    ],
                ),
            )
            issue_attestation(
                self.uow,
                assessor,
                assessment.id,
                AttestationIssue(valid_until=clock.now() + timedelta(days=365)),
                self.assessor_key_dir,
            )

    # --- days 150-164: the outer loop, a new guideline version ----------------------------

    def outer_loop_guidelines(self) -> None:
        scope = "screening"
        with self.at(GUIDELINE_UPDATE):
            self.trigger(
                "lead",
                scope,
                TriggerCreate(
                    kind=TriggerKind.framework_change,
                    cause=f"Version 1.1 of the {GUIDELINES} is published.",
                    subject_type="condition",
                    subject_id=self.ids["condition.guidelines"],
                    facts={"framework": GUIDELINES, "from": "1.0", "to": "1.1"},
                ),
            )
        with self.at(GUIDELINE_UPDATE + 2):
            self.review(
                "lead",
                scope,
                "The guideline our goals rest on has a new version: re-analyse.",
                [
                    "Go back to analysis: read version 1.1 against our conditions and risks.",
                    "Keep operating the current measures meanwhile.",
                ],
                ["Comparison of versions 1.0 and 1.1 by the legal team"],
            )
            self.move("lead", scope, Stage.analysis, "framework changed")

    def outer_loop_reanalysis(self) -> None:
        scope = "screening"
        with self.at(GUIDELINE_UPDATE + 3):
            self.change(
                "condition.guidelines",
                "analyst",
                scope,
                CONDITION,
                ConditionUpdate(
                    title=f"{GUIDELINES}, version 1.1",
                    description="Soft law: not binding, but the reference that employer "
                    "clients and the ministry expect providers to follow. Version 1.1 puts "
                    "more weight on the ability of affected people to contest AI-assisted "
                    "decisions.",
                    review_by=self.day(STORY_DAYS + 365),
                ),
            )
            update_scope(
                self.uow,
                self.people["lead"],
                self.scopes[scope],
                ScopeUpdate(frameworks=[{"name": GUIDELINES, "version": "1.1"}]),
            )
            genai = self.new(
                "condition.generative_ai",
                "analyst",
                scope,
                CONDITION,
                ConditionCreate(
                    title="Applicants widely write résumés with generative AI",
                    category="technology",
                    description="Polished, similar résumés weaken the signal the model ranks on.",
                    source="Job Seekers' Voice survey; employer clients' reports",
                    review_by=self.day(STORY_DAYS + 150),
                ),
            )
            self.new(
                "risk.generated_resumes",
                "analyst",
                scope,
                RISK,
                RiskCreate(
                    title="AI-written résumés blur the ranking",
                    inherent_likelihood=4,
                    inherent_severity=3,
                    residual_likelihood=3,
                    residual_severity=2,
                    treatment="mitigate",
                    treatment_note="Rank on structured skills and work history; watch panel "
                    "agreement.",
                    impact_ids=self._ids("impact", "missed", "unfair"),
                    condition_ids=[genai.id],
                ),
            )
            self.change(
                "risk.opaque",
                "analyst",
                scope,
                RISK,
                RiskUpdate(
                    title="Rejected applicants cannot tell why, or cannot contest",
                    treatment_note="Plain-language reasons for every rejection, with a "
                    "one-click request for human review.",
                ),
            )
        with self.at(GUIDELINE_UPDATE + 5):
            self.review(
                "audit",
                scope,
                "Re-analysis done: one new condition, one new risk, one risk widened.",
                ["Contestability becomes part of the explanation goal."],
                ["Version 1.1 gap analysis", "Updated risk register"],
            )
            self.move("lead", scope, Stage.goals, "re-analysis done")

    def outer_loop_goal_revision(self) -> None:
        scope = "screening"
        with self.at(GUIDELINE_UPDATE + 6):
            # The indicator first: an indicator is never weaker than its goal.
            self.change(
                "indicator.explanations",
                "analyst",
                scope,
                INDICATOR,
                IndicatorUpdate(
                    name="Rejections sent with reasons and a review link",
                    acceptable_level=0.995,
                ),
            )
            goal = self.revise(
                "goal.explanations",
                "lead",
                scope,
                GOAL,
                GoalUpdate(
                    title="Every rejected applicant receives an explanation and a way to "
                    "contest it",
                    description="Share of rejections sent within 24 hours with plain-language "
                    "reasons and a one-click request for human review.",
                    acceptable_level=0.995,
                    change_note="Outer loop: contestability, after the guideline's version 1.1",
                ),
            )
            self.change(
                "trade_off.reasons",
                "lead",
                scope,
                TRADE_OFF,
                TradeOffUpdate(
                    balance="Name the three strongest factors and what would have helped, "
                    "in plain language, and offer a human review in one click; never weights, "
                    "thresholds or the feature list. Contesting, not more detail, is how "
                    "applicants get more.",
                ),
            )
        with self.at(GUIDELINE_UPDATE + 7):
            self.review(
                "audit",
                scope,
                "Revised explanation goal checked.",
                ["Raise the acceptable level from 99% to 99.5%: the hotfix made it reachable."],
                [f"Explanation share since {self.day(TEMPLATE_REGRESSION[1])}: never below 99.6%"],
                [goal],
            )
            self.move("lead", scope, Stage.design, "goal revised")

    def outer_loop_redesign(self) -> None:
        scope = "screening"
        guideline = f"{GUIDELINES} 1.1, common guiding principle"
        with self.at(GUIDELINE_UPDATE + 9):
            guideline = f"{GUIDELINES} 1.1, common guiding principle"
            changes = [
                self.revise(
                    "measure.explanations",
                    "analyst",
                    scope,
                    MEASURE,
                    MeasureUpdate(
                        description="Every rejected applicant gets, within 24 hours, the "
                        "three factors that weighed most, in plain language, what would have "
                        "helped, and a one-click request for human review with its 30-day "
                        "deadline. If the reasons cannot be written in the résumé's language, "
                        "the message is held for the review desk; a release check blocks "
                        "templates that produce empty reasons.",
                        citations=[
                            f"{guideline} 6) Transparency",
                            f"{guideline} 7) Accountability",
                        ],
                        change_note="Outer loop: one-click contest",
                    ),
                ),
                self.revise(
                    "measure.terms",
                    "lead",
                    scope,
                    MEASURE,
                    MeasureUpdate(
                        description="Tells applicants that AI ranks résumés, on which data, "
                        "that protected attributes are never inputs, that data is kept 12 "
                        "months, and how to get reasons and contest a rejection within 30 "
                        "days. Client contracts forbid any other use of shortlists.",
                        citations=[
                            "Employment Security Act, art. 5-5",
                            "Act on the Protection of Personal Information",
                            f"{guideline} 4) Privacy protection",
                            f"{guideline} 7) Accountability",
                        ],
                        change_note="Outer loop: contest right; cites version 1.1",
                    ),
                ),
                self.revise(
                    "measure.code",
                    "lead",
                    scope,
                    MEASURE,
                    MeasureUpdate(
                        citations=[f"{guideline} 1) Human-centric", f"{guideline} 3) Fairness"],
                        change_note="Outer loop: cites version 1.1",
                    ),
                ),
            ]
        with self.at(GUIDELINE_UPDATE + 11):
            changes.append(
                self.revise(
                    "measure.audit",
                    "lead",
                    scope,
                    MEASURE,
                    MeasureUpdate(
                        status="in_progress",
                        description="Third-party audit of the pipeline and of outcomes "
                        "against FairBench's published method, including the version 1.1 "
                        "points on contestability; a summary goes into the transparency "
                        "report. Engagement signed; fieldwork next quarter.",
                        change_note="Outer loop: audit engaged",
                    ),
                )
            )
        with self.at(GUIDELINE_UPDATE + 13):
            self.review(
                "audit",
                scope,
                "Measures brought in line with version 1.1 of the guideline.",
                ["Return to operation."],
                ["Contest link tested end to end", "Terms reviewed by the legal team"],
                changes,
            )
        with self.at(GUIDELINE_UPDATE + 14):
            self.move("lead", scope, Stage.operation, "measures follow the revised goal")

    # --- days 166-178: a consultation with applicants --------------------------------------

    def consultation_on_contesting(self) -> None:
        scope = "screening"
        statements = CONSULTATION_STATEMENTS
        with self.at(CONSULTATION_OPENS):
            consultation = create_consultation(
                self.uow,
                self.people["lead"],
                self.scopes[scope],
                ConsultationCreate(
                    title="How should applicants contest a screening decision?",
                    subject="goals",
                    summary="TalentBridge asks job seekers, employers and the public how the "
                    "one-click review of a rejection should work, before its next review.",
                    draft=CONSULTATION_DRAFT,
                    opens_at=clock.now(),
                    closes_at=datetime.combine(self.today, time(), UTC) + timedelta(days=21),
                    goal_ids=self._goal_ids("explanations"),
                    statements=list(statements),
                ),
            )
        ids = [
            s.id for s in consultation_statements(self.uow, self.people["lead"], consultation.id)
        ]
        rng = random.Random(CONSULTATION_OPENS)
        voices: list[Voice] = []
        # Three camps: those who want a person for every rejection, those who want speed
        # and the model's word, and those in between; each votes as its camp leans.
        for person in range(CONSULTATION_PEOPLE):
            camp = person % 3
            with self.at(
                CONSULTATION_OPENS + 1 + person * 10 // CONSULTATION_PEOPLE, 10, person % 60
            ):
                voice = Voice(ANONYMOUS)
                for number, statement in enumerate(ids):
                    if rng.random() < 0.2:
                        continue
                    lean = CONSULTATION_LEANINGS[camp][number]
                    roll = rng.random()
                    vote = "pass" if roll < 0.1 else (lean if roll < 0.85 else _other(lean))
                    spoken = cast_vote(
                        self.uow,
                        voice,
                        consultation.id,
                        VoteCreate(statement_id=statement, vote=vote),
                    )
                    voice = Voice(ANONYMOUS, spoken.new_secret or voice.secret)
                voices.append(voice)
        with self.at(CONSULTATION_OPENS + 11, 14):
            organizer = Voice(self.people["organizer"])
            asked = add_comment(
                self.uow,
                organizer,
                consultation.id,
                CommentCreate(
                    paragraph=2,
                    body="Thirty days is too short for people between jobs; and the review must "
                    "be by someone who can overturn the ranking, not only explain it.",
                ),
            ).result
            add_comment(
                self.uow,
                voices[0],
                consultation.id,
                CommentCreate(paragraph=1, body="Earn money from home!!! Click here."),
            )
            spam = consultation_comments(self.uow, self.people["lead"], consultation.id)[-1]
            hide(
                self.uow,
                self.people["lead"],
                consultation.id,
                "comment",
                spam.id,
                Moderation(reason="Advertising, not about the draft"),
            )
        with self.at(CONSULTATION_OPENS + 12, 11):
            respond(
                self.uow,
                self.people["lead"],
                consultation.id,
                ResponseCreate(
                    target_kind="comment",
                    target_id=asked.id,
                    decision="partly",
                    reason="Reviewers can now overturn a ranking, and the measure says so. "
                    "The 30-day window stays for now; we will report how many requests arrive "
                    "after day 20 and revisit it at the next review.",
                    change=self.version_of(
                        "measure.explanations",
                        MEASURE,
                        self._version("measure.explanations", MEASURE),
                    ),
                ),
            )
        self.ids["consultation.contesting"] = consultation.id

    def _version(self, name: str, kind: Kind) -> int:
        return scoped.get_item(
            self.uow, SYSTEM, self.scopes["screening"], kind, self.ids[name]
        ).version

    # --- lookups -------------------------------------------------------------------------

    def _ids(self, prefix: str, *names: str) -> list[int]:
        return [self.ids[f"{prefix}.{name}"] for name in names]

    def _risk_ids(self, *names: str) -> list[int]:
        return self._ids("risk", *names)

    def _goal_ids(self, *names: str) -> list[int]:
        return self._ids("goal", *names)
