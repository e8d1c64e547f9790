"""The demo: six months of agile governance of an AI résumé-screening service.

TalentBridge, an HR-tech business, ranks résumés with AI for its employer
clients and follows Japan's AI Guidelines for Business. The Ministry of Work
and Employment (fictional) publishes an outcome-based requirement: automated
screening must select every applicant group at no less than 0.8 times the rate
of the most-selected group. TalentBridge adopts that requirement as its own
goal at a stricter 0.85 (multi-layer governance), next to goals of its own.
Job Seekers' Voice, a community, and FairBench Assurance, an assessor, take
part as stakeholders and as the market layer. The site's operator verifies the
ministry, TalentBridge and FairBench (a government publishes requirements only
once verified); a second, unverified "FairBench Assurance" (@fairbench-assurance-jp)
registered by someone else shows how every page tells look-alikes apart. The
operator appoints the AI Assurance Accreditation Council an accreditation body,
which accredits FairBench for third-party assessment under the AI Guidelines
for Business: the platform's signed trust list says so, and FairBench's
credential names that scheme.

The story runs over the 180 days before today (all times are pinned with
``clock.frozen_at``, so the record reads as a timeline):

- days 0-20: the ministry analyses its rule domain, sets and publishes the
  requirement, designs its reporting duty and starts operating it;
- day 21: the council sets up its scheme and accredits FairBench's key;
- days 22-56: TalentBridge registers the screening service, analyses it, sets
  goals, designs measures and goes live;
- every morning from go-live, the monitoring pipeline sends the values of the
  day before and the platform evaluates them, as its server does periodically;
- day 56: TalentBridge's terms name the Consumer Dispute Mediation Centre, a
  registered ADR body, for complaints it cannot settle;
- days 69-75, inner loop 1: an English template sends rejections without
  reasons; applicants complain, and the third complaint about the explanation
  goal opens a complaint-cluster trigger; the morning's evaluation opens a
  breach trigger too; the explanation generator and the human review desk are
  improved, and one review settles both; TalentBridge answers each complaint,
  and the morning job closes the one whose complainant never replied;
- days 85-124: one complaint is resolved by TalentBridge's review desk; another,
  filed by Job Seekers' Voice for an older applicant, is not upheld, goes to the
  ADR body through the route in the terms, and settles after both sides are heard;
- days 113-123, inner loop 2: a new client shifts the score distribution; the
  selection-rate ratio falls below TalentBridge's 0.85 (never below the
  ministry's 0.80), and the evaluation opens an inner-loop breach trigger;
  monitoring, the review desk and calibration are improved;
- days 127-129: FairBench asks to certify the fairness monitoring,
  TalentBridge accepts the engagement, and FairBench certifies it with a
  credential;
- day 58: the ministry opens a channel for serious incidents with its
  reporting clocks; three providers' scopes subscribe to the commons;
- days 146-149, an unforeseen incident: résumés with hidden instructions
  pushed their candidates up the ranking; no risk of the register foresaw it,
  so the outer loop runs: TalentBridge informs applicants and the ministry,
  cooperates, pledges two measure changes, adds the missed risk and carries
  the pledge out; the ministry defers sanctions, then completes the path;
  the incident is shared to the commons, pseudonymised, and HireSense's
  similar service is signalled, reviews it and adds the risk to its register;
- days 150-164, outer loop: version 1.1 of the AI Guidelines for Business is
  published; TalentBridge follows it, which opens a framework-change trigger;
  the service is re-analysed, the explanation goal is revised and the measures
  follow;
- days 166-178: a consultation asks applicants how contesting should work;
- day 178: TalentBridge publishes its transparency report (the general template
  and the HAIP reporting framework's), and discloses to the ministry the risk
  and measure the incident added, withholding its retention rules with the
  reason.

No trigger is opened by hand: each comes from the platform's rules, which also
choose its loop.

Everything goes through the services, so every change is an event. Each part of the
story is a chapter in ``agilegov.demo.chapters``; ``CHAPTERS`` below tells them in order.
"""

from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import select

from agilegov import clock
from agilegov.demo.chapters import (
    analysis,
    assurance,
    commons,
    design,
    dialogue,
    disclosure,
    goals,
    inner_loop,
    library,
    ministry,
    operation,
    organizations,
    outer_loop,
    regulation,
    remedy,
    trust,
)
from agilegov.demo.story import ACCOUNTS, DEMO_SLUG, LAST_DAY, Story
from agilegov.organizations.models import Organization, User
from agilegov.organizations.service import issue_token, principal_for_user
from agilegov.settings import get_settings
from agilegov.uow import UnitOfWork

Chapter = Callable[[Story], None]

CHAPTERS: tuple[Chapter, ...] = (
    organizations.people_and_organizations,
    library.catalogues,
    # The ministry's requirement comes first: TalentBridge adopts it.
    ministry.scope,
    ministry.analysis,
    ministry.goals,
    ministry.design,
    # Its duty to report yearly, on the published requirement.
    regulation.requirement,
    # The accreditation body and its scheme, before FairBench is needed.
    trust.accreditation,
    # TalentBridge's first pass, up to go-live.
    analysis.register,
    analysis.stakeholders,
    analysis.impacts,
    analysis.conditions,
    analysis.risks,
    goals.hierarchy,
    goals.indicators,
    goals.trade_offs,
    goals.allocations,
    design.monitoring_and_explanations,
    design.rules_and_organization,
    design.privacy_and_audit,
    design.finish_measures,
    operation.go_live,
    # The ADR body TalentBridge's terms name.
    remedy.adr_route,
    # Two more providers adopt the requirement.
    regulation.other_adopters,
    # The ministry's channel for incidents; three scopes listen to the commons.
    commons.channel_and_subscriptions,
    # Two turns of the inner loop, one of the outer; the first with complaints.
    remedy.unexplained_rejections,
    inner_loop.explanations,
    inner_loop.explanations_redesign,
    remedy.unexplained_answered,
    remedy.resolved_and_escalated,
    inner_loop.fairness,
    inner_loop.fairness_redesign,
    remedy.settled,
    # Where others rely on the governance, then FairBench's certification.
    assurance.trust_and_plans,
    assurance.fairness_attestation,
    # The year's reports, their review and evaluations; a sandbox and an inquiry.
    regulation.reports_and_evaluations,
    # An unforeseen incident: its outer loop, its pledge, and the commons.
    commons.hidden_instructions,
    outer_loop.new_guideline,
    outer_loop.reanalysis,
    outer_loop.goal_revision,
    outer_loop.redesign,
    # The redesign closes FairBench's finding; a self-declaration and an internal audit.
    assurance.contesting_closed,
    assurance.self_declaration,
    assurance.internal_audit,
    # Applicants and the community are asked how contesting should work.
    dialogue.consultation_on_contesting,
    # The year's transparency reports, and what the ministry is shown besides.
    disclosure.transparency_reports,
)


def tell(story: Story) -> None:
    for chapter in CHAPTERS:
        chapter(story)
    # The mornings after the last chapter, up to yesterday's.
    story.monitor(LAST_DAY)


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
            tell(Story(uow, today, key_dir))
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
                # Two organizations share a name (the look-alike): the handle tells them apart.
                "handle": account.organization,
                "role": account.role.value,
                "email": account.email,
                "password": account.password,
                "token": token,
            }
        )
    return accounts
