"""Days 1-20, the ministry's requirement: the Ministry of Work and Employment runs
its own cycle on a rule domain. It analyses automated screening, sets an
outcome-based requirement (every applicant group selected at no less than 0.8
times the rate of the most-selected group), publishes it, designs the reporting
duty and starts operating it. TalentBridge adopts that requirement later."""

from agilegov.analysis.schemas import ConditionCreate, ImpactCreate, RiskCreate, StakeholderCreate
from agilegov.analysis.service import CONDITION, IMPACT, RISK, STAKEHOLDER
from agilegov.cycle.rules import Stage
from agilegov.demo.data import ministry_series
from agilegov.demo.story import STORY_DAYS, Feed, Story
from agilegov.design.schemas import MeasureCreate
from agilegov.design.service import MEASURE
from agilegov.goals.schemas import AllocationCreate, GoalCreate, IndicatorCreate
from agilegov.goals.service import ALLOCATION, GOAL, INDICATOR
from agilegov.scopes.schemas import ScopeCreate, ScopeUpdate
from agilegov.scopes.service import create_scope, update_scope


def scope(story: Story) -> None:
    officer, scope = "officer", "requirement"
    with story.at(1):
        read = create_scope(
            story.uow,
            story.people[officer],
            ScopeCreate(
                organization_id=story.organizations["ministry-of-work"],
                name="Fairness of automated recruitment screening",
                kind="rule_domain",
                description="Outcome-based rules for AI that screens job applications: "
                "the ministry sets the level to reach and a reporting duty; providers "
                "choose how to reach it.",
                frameworks=["oecd-ai-principles@2024"],
            ),
        )
        story.scopes[scope] = read.id


def analysis(story: Story) -> None:
    officer, scope = "officer", "requirement"
    with story.at(2):
        for name, data in (
            (
                "m.seekers",
                StakeholderCreate(
                    name="Job seekers",
                    category="community",
                    interests="Equal access to work; knowing how they are judged.",
                    organization_id=story.organizations["jobseekers-voice"],
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
                    organization_id=story.organizations["fairbench"],
                ),
            ),
        ):
            story.new(name, officer, scope, STAKEHOLDER, data)
    with story.at(3):
        exclusion = story.new(
            "m.exclusion",
            officer,
            scope,
            IMPACT,
            ImpactCreate(
                stakeholder_id=story.ids["m.seekers"],
                title="Groups shut out of work at scale",
                nature="negative",
                area="fairness",
                description="One biased model screens for hundreds of employers at once.",
                magnitude=5,
            ),
        )
        matching = story.new(
            "m.matching",
            officer,
            scope,
            IMPACT,
            ImpactCreate(
                stakeholder_id=story.ids["m.employers"],
                title="Faster matching across the labour market",
                nature="positive",
                area="efficiency",
                magnitude=3,
            ),
        )
        law = story.new(
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
                review_by=story.day(STORY_DAYS + 185),
            ),
        )
        concern = story.new(
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
                review_by=story.day(STORY_DAYS + 120),
            ),
        )
        story.new(
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
    with story.at(6):
        story.review(
            officer,
            scope,
            "Analysis of the rule domain closed after two stakeholder hearings.",
            ["Regulate the outcome (selection rates), not the technique."],
            ["Hearing notes with providers and Job Seekers' Voice", "Risk register"],
        )
        story.move(officer, scope, Stage.goals, "analysis done")


def goals(story: Story) -> None:
    officer, scope = "officer", "requirement"
    with story.at(8):
        ultimate = story.new(
            "m.goal.access",
            officer,
            scope,
            GOAL,
            GoalCreate(title="Fair access to employment", level="ultimate"),
        )
        requirement = story.new(
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
                review_by=story.day(STORY_DAYS + 200),
            ),
        )
        story.new(
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
                data_source="Providers' monthly story-assessment reports",
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
            story.new(
                f"m.allocation.{layer}",
                officer,
                scope,
                ALLOCATION,
                AllocationCreate(
                    goal_id=requirement.id,
                    layer=layer,
                    responsible_organization_id=story.organizations[organization],
                    cost_benefit=note,
                ),
            )
    with story.at(10):
        # Publishing needs the owner; a published goal is one others may adopt.
        update_scope(
            story.uow,
            story.people[officer],
            story.scopes[scope],
            ScopeUpdate(visibility="public"),
        )
        story.move(officer, scope, Stage.design, "requirement published for comment")


def design(story: Story) -> None:
    officer, scope = "officer", "requirement"
    with story.at(14):
        story.new(
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
                requirements=["oecd-ai-principles@2024#1.2"],
                risk_ids=[story.ids["m.risk"]],
                goal_ids=[story.ids["m.goal.ratio"]],
            ),
        )
        story.new(
            "m.measure.desk",
            officer,
            scope,
            MEASURE,
            MeasureCreate(
                kind="organization",
                title="Reporting desk and annual public evaluation",
                description="Reviews providers' reports and publishes a sector evaluation.",
                status="implemented",
                risk_ids=[story.ids["m.risk"]],
                goal_ids=[story.ids["m.goal.ratio"]],
            ),
        )
    with story.at(18):
        story.review(
            officer,
            scope,
            "Public comment closed; the requirement stands at 0.8.",
            [
                "Keep 0.8 (the four-fifths rule) as the line; providers may set stricter "
                "lines of their own.",
                f"Monthly reports from {story.day(30)}.",
            ],
            ["212 public comments and the ministry's responses"],
        )
    with story.at(20):
        story.move(officer, scope, Stage.operation, "requirement in force")
    story.feeds[scope] = Feed(
        story.scopes[scope], story.people[officer], "provider-reports", ministry_series()
    )
