"""Days 22-29, analysis (環境・リスク分析): TalentBridge registers its AI résumé
screening as a scope following the AI Guidelines for Business, and analyses its
stakeholders, impacts, conditions and risks; internal audit reviews the analysis."""

from agilegov.analysis.schemas import ConditionCreate, ImpactCreate, RiskCreate, StakeholderCreate
from agilegov.analysis.service import CONDITION, IMPACT, RISK, STAKEHOLDER
from agilegov.cycle.rules import Stage
from agilegov.demo.story import (
    DEMO_SLUG,
    GUIDELINES,
    GUIDELINES_SOURCE,
    LAST_DAY,
    STORY_DAYS,
    Story,
)
from agilegov.scopes.schemas import ScopeCreate
from agilegov.scopes.service import create_scope


def register(story: Story) -> None:
    with story.at(22):
        read = create_scope(
            story.uow,
            story.people["lead"],
            ScopeCreate(
                organization_id=story.organizations[DEMO_SLUG],
                name="TalentBridge Screening: AI résumé ranking",
                kind="ai_system",
                description="Ranks incoming applications for employer clients and "
                "shortlists the top of each ranking; recruiters make the decisions.",
                frameworks=["aigb@1.0", "nist-ai-rmf@1.0"],
            ),
        )
        story.scopes["screening"] = read.id


def stakeholders(story: Story) -> None:
    who, scope = "analyst", "screening"
    organizations = story.organizations
    with story.at(23):
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
            story.new(f"stakeholder.{name}", who, scope, STAKEHOLDER, data)


def impacts(story: Story) -> None:
    who, scope = "analyst", "screening"
    with story.at(24):
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
            story.new(
                f"impact.{name}",
                who,
                scope,
                IMPACT,
                ImpactCreate(
                    stakeholder_id=story.ids[f"stakeholder.{stakeholder}"],
                    title=title,
                    nature=nature,
                    area=area,
                    magnitude=magnitude,
                ),
            )


def conditions(story: Story) -> None:
    who, scope = "analyst", "screening"
    with story.at(25):
        requirement = story.scopes["requirement"]
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
                    review_by=story.day(STORY_DAYS + 185),
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
                    review_by=story.day(STORY_DAYS + 185),
                ),
            ),
            (
                "requirement",
                ConditionCreate(
                    title="Ministry requirement: selection-rate ratio of at least 0.8",
                    category="regulation",
                    description="Outcome-based, with monthly reports to the ministry.",
                    source=f"Ministry of Work and Employment, published scope #{requirement}",
                    review_by=story.day(STORY_DAYS + 60),
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
                    review_by=story.day(STORY_DAYS + 30),
                ),
            ),
            (
                "acceptance",
                ConditionCreate(
                    title="Applicants accept AI screening only with reasons and human review",
                    category="social_acceptance",
                    source="Job Seekers' Voice member survey, presented at the stakeholder meeting",
                    review_by=story.day(STORY_DAYS + 120),
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
                    # Falls due on the story's last day, on purpose: the next review-by
                    # check (`agilegov cycle tick`, or the server's hourly one) opens a
                    # condition_review_due trigger for the reader to follow.
                    review_by=story.day(LAST_DAY),
                ),
            ),
        ):
            story.new(f"condition.{name}", who, scope, CONDITION, data)


def risks(story: Story) -> None:
    who, scope = "analyst", "screening"
    with story.at(27):
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
            data.impact_ids = [story.ids[f"impact.{i}"] for i in impacts]
            data.condition_ids = [story.ids[f"condition.{c}"] for c in conditions]
            story.new(f"risk.{name}", who, scope, RISK, data)
    with story.at(29):
        story.review(
            "audit",
            scope,
            "Internal audit checked the analysis before goals are set.",
            [
                "The risk register is complete enough to set goals.",
                "Bias is the top risk (inherent 20, critical); treat it first.",
            ],
            ["Stakeholder workshop with Job Seekers' Voice", "Risk matrix, 7 risks"],
        )
        story.move("lead", scope, Stage.goals, "analysis reviewed by internal audit")
