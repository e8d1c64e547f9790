"""What every chapter of the demo shares: its people, its calendar, its monitoring
feeds and the few service calls a chapter makes over and over.

A chapter is a function of a ``Story``. It names the entities it creates (``ids``,
e.g. ``"goal.explanations"``) so that later chapters can refer to them, and does
everything through the services at a moment pinned with ``Story.at``, so the
record reads as a timeline.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from agilegov import clock, scoped
from agilegov.auth import SYSTEM, Principal, Role
from agilegov.commons.service import act_on_missed_deadlines as tell_missed_incident_deadlines
from agilegov.cycle.rules import Stage, TriggerKind
from agilegov.cycle.schemas import ReviewCreate, TransitionCreate, TriggerRead, VersionRef
from agilegov.cycle.service import advance, list_triggers, record_review, tick
from agilegov.monitor.ingest import Row
from agilegov.monitor.service import evaluate_all, ingest
from agilegov.organizations.service import principal_for_user
from agilegov.remedy.service import act_on_missed_deadlines
from agilegov.schemas import Input
from agilegov.scoped import Kind
from agilegov.trust.service import refresh_trust_list
from agilegov.uow import UnitOfWork

# The business organization's slug: its presence means the demo is loaded.
DEMO_SLUG = "talentbridge"
GUIDELINES = "AI Guidelines for Business"
GUIDELINES_SOURCE = (
    "METI and MIC, AI Guidelines for Business — "
    "https://www.meti.go.jp/shingikai/mono_info_service/ai_shakai_jisso/"
)

# The story's calendar: day 0 is 180 days before today, at midnight UTC. Every
# morning at 06:00 the monitoring pipelines send the values measured over the day
# before (stamped at midnight), and the platform evaluates them (see Story.monitor):
# the triggers of the inner loops are opened by that evaluation, on the morning its
# rules find a breach, not on a day set here.
STORY_DAYS = 180
GO_LIVE = 56
TEMPLATE_CHANGE = 69  # an English template starts sending rejections without reasons
HOTFIX = 71  # ... until this day's afternoon
CLIENT_DRIFT = 106  # a large logistics client joins; its history skews the scores
BORDERLINE_REVIEW = 116  # people review borderline rejections for clients under alert
CALIBRATION_LIVE = 121  # the recalibrated model is released
GUIDELINE_UPDATE = 150  # version 1.1 of the AI Guidelines for Business is published
CONSULTATION_OPENS = 166
LAST_DAY = STORY_DAYS - 1


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
    # The ADR body TalentBridge's terms name for complaints it cannot settle.
    DemoAccount(
        "mediator",
        "consumer-mediation",
        Role.owner,
        "mediator@consumer-mediation.example.jp",
        "Kaori Shimizu (mediator)",
        "demo-mediator-pass",
    ),
    # Two more providers that adopt the ministry's requirement, and a start-up.
    DemoAccount(
        "hiresense",
        "hiresense",
        Role.owner,
        "compliance@hiresense.example.com",
        "Daisuke Kato (compliance manager)",
        "demo-hiresense-pass",
    ),
    DemoAccount(
        "hokuriku",
        "hokuriku-staffing",
        Role.owner,
        "president@hokuriku-staffing.example.jp",
        "Yoko Hayashi (president)",
        "demo-hokuriku-pass",
    ),
    DemoAccount(
        "startup",
        "mirai-match",
        Role.owner,
        "founder@mirai-match.example.jp",
        "Sho Ogawa (founder)",
        "demo-startup-pass",
    ),
    # The site's operator (users.site_admin), who verifies the organizations.
    DemoAccount(
        "operator",
        "site-operations",
        Role.owner,
        "operator@agilegov-demo.example.jp",
        "Naoki Mori (site operator)",
        "demo-operator-pass",
    ),
    # The accreditation body the site's operator appoints, which accredits FairBench.
    DemoAccount(
        "council",
        "ai-accreditation-council",
        Role.owner,
        "secretariat@ai-accreditation.example.jp",
        "Emi Nakamura (accreditation secretariat)",
        "demo-council-pass",
    ),
    # Founder of the look-alike "FairBench Assurance", which nobody vouches for.
    DemoAccount(
        "lookalike",
        "fairbench-assurance-jp",
        Role.owner,
        "contact@fairbench-assurance.example.jp",
        "Taro Fujii",
        "demo-lookalike-pass",
    ),
)

Series = dict[int, float]  # an indicator's values by day of the story


@dataclass
class Feed:
    """One organization's monitoring: who sends the values of which scope."""

    scope_id: int
    actor: Principal
    source: str
    series: dict[str, Series]


@dataclass
class Story:
    """The state of the story as its chapters tell it, in one transaction."""

    uow: UnitOfWork
    today: date
    assessor_key_dir: Path
    people: dict[str, Principal] = field(default_factory=dict)
    organizations: dict[str, int] = field(default_factory=dict)
    scopes: dict[str, int] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)  # named entities, e.g. "goal.fairness"
    feeds: dict[str, Feed] = field(default_factory=dict)  # by scope
    # Complaints a later chapter goes on with: ids and who may act as their complainant.
    complaints: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    mornings: int = 0  # the mornings of the days up to this one have run

    def __post_init__(self) -> None:
        self.start = datetime.combine(self.today - timedelta(days=STORY_DAYS), time(), UTC)
        self.last_moment = self.start

    # --- time and monitoring -------------------------------------------------------------

    def _moment(self, day: int, hour: int, minute: int = 0) -> datetime:
        moment = self.start + timedelta(days=day, hours=hour, minutes=minute)
        # The record is a timeline: a story step may not go back in time.
        assert moment >= self.last_moment, f"day {day} {hour}:{minute:02} is in the past"
        self.last_moment = moment
        return moment

    @contextmanager
    def at(self, day: int, hour: int = 9, minute: int = 0) -> Iterator[None]:
        """Pin the clock for one step of the story, after the mornings due by then."""
        self.monitor(day)
        with clock.frozen_at(self._moment(day, hour, minute)):
            yield

    def monitor(self, day: int) -> None:
        """Run every morning up to ``day``'s: at 06:00 each pipeline sends the values
        of the day before, then the platform does what its server does periodically:
        it opens the triggers of review-by dates that have passed, acts on the
        complaints' missed deadlines, tells of incidents' missed ones, evaluates every
        scope's indicators, opening the triggers of the breaches it finds, and
        publishes the trust list anew before its version lapses."""
        while self.mornings < day:
            self.mornings += 1
            with clock.frozen_at(self._moment(self.mornings, 6)):
                for feed in self.feeds.values():
                    self._send(feed, self.mornings)
                tick(self.uow)
                act_on_missed_deadlines(self.uow)
                tell_missed_incident_deadlines(self.uow)
                evaluate_all(self.uow)
                refresh_trust_list(self.uow, SYSTEM, self.assessor_key_dir)

    def _send(self, feed: Feed, day: int) -> None:
        rows = [
            Row(key, self.start + timedelta(days=day), series[day], feed.source, f"{key} day {day}")
            for key, series in feed.series.items()
            if day in series
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

    def version(self, name: str, kind: Kind, scope: str = "screening") -> int:
        """The current version of a named goal or measure."""
        return scoped.get_item(self.uow, SYSTEM, self.scopes[scope], kind, self.ids[name]).version

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
        resolves: list[TriggerRead] | None = None,
        risks: list[int] | None = None,
    ) -> None:
        record_review(
            self.uow,
            self.people[who],
            self.scopes[scope],
            ReviewCreate(
                summary=summary,
                decisions=decisions,
                evidence=evidence,
                changes=changes or [],
                risks=risks or [],
                resolves=[trigger.id for trigger in resolves or []],
            ),
        )

    def opened_trigger(
        self, scope: str, kind: TriggerKind, subject: str | None = None
    ) -> TriggerRead:
        """The open trigger of ``kind`` (about the named ``subject``) that the platform's
        rules opened on the scope. The story reads it, to cite it in a review; it never
        opens one itself: which triggers open, when and for which loop is the engine's."""
        open_now = list_triggers(self.uow, SYSTEM, self.scopes[scope], 100, 0, "open").items
        found = [
            trigger
            for trigger in open_now
            if trigger.kind is kind
            and trigger.opened_by is None
            and (subject is None or trigger.subject_id == self.ids[subject])
        ]
        if len(found) != 1:
            raise RuntimeError(
                f"the data no longer tells the story: by {clock.now():%Y-%m-%d} the platform "
                f"should have opened one {kind} trigger on {scope!r}, about {subject}; open: "
                + "; ".join(f"#{t.id} {t.kind}: {t.cause}" for t in open_now)
            )
        return found[0]

    def refresh(self, who: str) -> None:
        """Re-read a person's roles (a Principal is a snapshot)."""
        self.people[who] = principal_for_user(self.uow.session, self.people[who].user_id)

    # --- lookups -------------------------------------------------------------------------

    def ids_of(self, prefix: str, *names: str) -> list[int]:
        return [self.ids[f"{prefix}.{name}"] for name in names]

    def risk_ids(self, *names: str) -> list[int]:
        return self.ids_of("risk", *names)

    def goal_ids(self, *names: str) -> list[int]:
        return self.ids_of("goal", *names)


def cited(trigger: TriggerRead) -> str:
    """A trigger as a review cites it in its evidence: the platform's own words."""
    opened = f"{trigger.opened_at:%Y-%m-%d %H:%M} UTC"
    return f"Trigger #{trigger.id} ({trigger.kind}, {trigger.loop} loop, {opened}): {trigger.cause}"
