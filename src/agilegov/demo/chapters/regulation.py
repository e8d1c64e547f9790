"""The regulator's loop: the ministry turns its requirement into a duty to
report yearly; two more providers adopt it; after the period ends the engine
drafts every adopter's report from its governance; TalentBridge reports on
time, HireSense corrects its report after a question, Hokuriku Staffing reports
late; the ministry reviews, publishes an evaluation of each and a sector
summary that feeds its own monitoring. A start-up runs a sandbox
demonstration, and a gray-zone inquiry is answered.

The reporting period is the fiscal year ending with the month of day 100, and
the ministry gives providers the business days up to day 140 to report, so the
story holds whatever day the demo is loaded (the engine computes every date)."""

from datetime import date

from agilegov.auth import SYSTEM
from agilegov.demo.data import provider_series
from agilegov.demo.story import Feed, Story
from agilegov.goals.schemas import GoalCreate, IndicatorCreate
from agilegov.goals.service import GOAL, INDICATOR
from agilegov.regulation.deadlines import period_containing
from agilegov.regulation.programmes import answer, apply, conclude, decide, exit_programme
from agilegov.regulation.schemas import (
    EvaluationCreate,
    FindingInput,
    ProgrammeAnswer,
    ProgrammeConclusion,
    ProgrammeCreate,
    ProgrammeDecision,
    ProgrammeExit,
    QuestionAnswer,
    QuestionCreate,
    RequirementCreate,
    ReviewInput,
    SectorSummaryCreate,
)
from agilegov.regulation.service import (
    REQUIREMENT,
    answer_question,
    ask,
    draft_and_remind,
    get_report,
    publish_evaluation,
    publish_requirement,
    publish_sector_summary,
    review_report,
    set_explanations,
    submit_report,
)
from agilegov.scopes.schemas import ScopeCreate
from agilegov.scopes.service import create_scope
from agilegov.workdays import business_days_between

PERIOD_ENDS_BY = 100
REPORTS_DRAFTED = 131  # the morning after FairBench's certification chapter
REPORTS_DUE = 140

# The two other providers: (person, organization, scope, own level, what they run).
PROVIDERS = (
    ("hiresense", "hiresense", "HireSense scoring of mid-career applications", 0.82),
    ("hokuriku", "hokuriku-staffing", "Hokuriku Staffing applicant screening", 0.8),
)


def requirement(story: Story) -> None:
    """The ministry sets the duty to report on its published requirement."""
    officer, scope = "officer", "requirement"
    period_end = story.day(PERIOD_ENDS_BY)
    starts_month = period_end.month % 12 + 1
    _, end = period_containing(period_end, 12, starts_month)
    with story.at(20, 15):
        read = story.new(
            "m.duty",
            officer,
            scope,
            REQUIREMENT,
            RequirementCreate(
                title="Yearly report on the fairness of automated screening",
                description="Providers that adopt the ministry's fairness requirement report "
                "every fiscal year how they reached it, with their selection-rate results.",
                applies_to="Providers of automated screening of job applications",
                effective_from=story.day(20),
                goal_ids=[story.ids["m.goal.ratio"]],
                indicator_ids=[story.ids["m.indicator"]],
                report_every_months=12,
                period_starts_month=starts_month,
                report_due_business_days=business_days_between(end, story.day(REPORTS_DUE)),
            ),
        )
        publish_requirement(story.uow, story.people[officer], read.id)


def other_adopters(story: Story) -> None:
    """HireSense and Hokuriku Staffing adopt the requirement and monitor it."""
    with story.at(57, 10):
        for person, slug, name, level in PROVIDERS:
            scope = create_scope(
                story.uow,
                story.people[person],
                ScopeCreate(
                    organization_id=story.organizations[slug],
                    name=name,
                    kind="ai_system",
                    description="AI-assisted screening of job applications for employer clients.",
                    visibility="public",
                ),
            )
            story.scopes[slug] = scope.id
            goal = story.new(
                f"{slug}.goal",
                person,
                slug,
                GOAL,
                GoalCreate(
                    title="Applicant groups are selected at comparable rates",
                    level="specific",
                    direction="higher_is_better",
                    unit="ratio",
                    acceptable_level=level,
                    derives_from_id=story.ids["m.goal.ratio"],
                ),
            )
            story.new(
                f"{slug}.indicator",
                person,
                slug,
                INDICATOR,
                IndicatorCreate(
                    goal_id=goal.id,
                    key="fairness.selection_rate_ratio",
                    name="Selection-rate ratio, lowest group to highest",
                    window_days=30,
                    aggregate="min",
                    data_source="Weekly export of the screening results",
                ),
            )
            story.feeds[slug] = Feed(
                scope.id, story.people[person], f"{slug}-monitoring", provider_series(slug)
            )


def reports_and_evaluations(story: Story) -> None:
    """The engine drafts the reports of the period just ended; the providers
    explain and submit them, one corrects, one is late; the ministry reviews
    and publishes. Meanwhile a start-up's sandbox runs and an inquiry is
    answered."""
    officer = story.people["officer"]
    with story.at(REPORTS_DRAFTED, 7):
        drafted = draft_and_remind(story.uow, story.day(REPORTS_DRAFTED))["drafted"]
        reports = {get_report(story.uow, SYSTEM, id_).scope_id: id_ for id_ in drafted}
    talentbridge = reports[story.scopes["screening"]]
    hiresense = reports[story.scopes["hiresense"]]
    hokuriku = reports[story.scopes["hokuriku-staffing"]]
    sandbox, inquiry = _applications(story)
    with story.at(REPORTS_DRAFTED + 1, 11):
        _explain_and_submit(story, "lead", talentbridge, TALENTBRIDGE_TEXTS)
    with story.at(REPORTS_DRAFTED + 2, 15):
        _explain_and_submit(story, "hiresense", hiresense, HIRESENSE_TEXTS)
    with story.at(REPORTS_DRAFTED + 3, 10):
        correction = ask(
            story.uow,
            officer,
            hiresense,
            QuestionCreate(
                kind="correction",
                item="complaints",
                text="Your report gives the number of complaints but not how many were "
                "resolved, nor how long that took. Please correct the item.",
            ),
        )
        decide(
            story.uow,
            officer,
            sandbox,
            True,
            ProgrammeDecision(
                decision="Approved: the demonstration may run with the safeguards proposed.",
                conditions="Every recommendation is reviewed by a recruiter; participants "
                "may withdraw at any time; the selection-rate ratio is reported weekly.",
            ),
        )
    with story.at(REPORTS_DRAFTED + 5, 14):
        answer_question(
            story.uow,
            story.people["hiresense"],
            correction.id,
            QuestionAnswer(answer="Corrected: 212 complaints, 198 resolved, median 9 days."),
        )
        _explain_and_submit(
            story,
            "hiresense",
            hiresense,
            {
                "complaints": "212 complaints in the year, 198 resolved; the median time to "
                "resolve was 9 days. The rest were with the employer concerned."
            },
        )
        answer(
            story.uow,
            officer,
            inquiry,
            ProgrammeAnswer(
                answer="Yes: ranking applicants for an employer is screening within the "
                "requirement, even when the employer makes the final choice.",
                published_summary="A staffing firm asked whether ranking applicants it "
                "forwards to employers counts as automated screening. It does: the "
                "requirement applies to any ranking that decides who is shortlisted.",
            ),
        )
    with story.at(REPORTS_DUE + 1, 7):
        # The engine's morning run: Hokuriku Staffing's report is now late.
        draft_and_remind(story.uow, story.day(REPORTS_DUE + 1))
    with story.at(REPORTS_DUE + 2, 16):
        _explain_and_submit(story, "hokuriku", hokuriku, HOKURIKU_TEXTS)
    with story.at(REPORTS_DUE + 4, 10):
        for report, summary in (
            (
                talentbridge,
                "Meets the requirement with a margin; the dip after a client "
                "joined was found and corrected within the cycle.",
            ),
            (
                hiresense,
                "Meets the requirement; complaint handling was reported only "
                "after a correction and should be measured from the start next year.",
            ),
            (
                hokuriku,
                "Meets the requirement at the line, with no margin; the report was "
                "late. The ministry will ask for a plan to keep a margin.",
            ),
        ):
            review_report(
                story.uow,
                officer,
                report,
                ReviewInput(
                    {
                        key: FindingInput(finding="adequate")
                        for key in ("overview", "complaints", "disclosure", "measures")
                    }
                    | {"self_assessment": FindingInput(finding="needs_improvement")}
                ),
            )
            publish_evaluation(story.uow, officer, report, EvaluationCreate(summary=summary))
    with story.at(REPORTS_DUE + 5, 10):
        publish_sector_summary(
            story.uow,
            officer,
            story.ids["m.duty"],
            SectorSummaryCreate(
                period_start=_period_start(story),
                summary="Three providers reported; all meet the 0.8 line, the lowest "
                "with no margin. One report was late and one was corrected.",
            ),
        )
        exit_programme(
            story.uow,
            story.people["startup"],
            sandbox,
            ProgrammeExit(
                exit_report="Over the demonstration the selection-rate ratio stayed above "
                "0.85 with recruiter review; without it, recorded interviews ranked older "
                "applicants lower.",
            ),
        )
    with story.at(REPORTS_DUE + 6, 10):
        conclude(
            story.uow,
            officer,
            sandbox,
            ProgrammeConclusion(
                outcome="Propose that ranking from recorded interviews is allowed only "
                "with a recruiter's review of every recommendation.",
            ),
        )


def _period_start(story: Story) -> date:
    starts_month = story.day(PERIOD_ENDS_BY).month % 12 + 1
    start, _ = period_containing(story.day(PERIOD_ENDS_BY), 12, starts_month)
    return start


def _applications(story: Story) -> tuple[int, int]:
    """Mirai Match applies for a sandbox; Hokuriku Staffing asks a gray-zone question."""
    ministry = story.organizations["ministry-of-work"]
    with story.at(REPORTS_DRAFTED, 10):
        scope = create_scope(
            story.uow,
            story.people["startup"],
            ScopeCreate(
                organization_id=story.organizations["mirai-match"],
                name="Mirai Match interview matching",
                kind="ai_system",
                description="Matches applicants to jobs from short recorded interviews.",
            ),
        )
        story.scopes["mirai-match"] = scope.id
        goal = story.new(
            "mirai.goal",
            "startup",
            "mirai-match",
            GOAL,
            GoalCreate(
                title="Applicant groups are recommended at comparable rates",
                level="specific",
                direction="higher_is_better",
                unit="ratio",
                acceptable_level=0.8,
            ),
        )
        indicator = story.new(
            "mirai.indicator",
            "startup",
            "mirai-match",
            INDICATOR,
            IndicatorCreate(
                goal_id=goal.id,
                key="fairness.selection_rate_ratio",
                name="Recommendation-rate ratio, lowest group to highest",
                window_days=7,
                aggregate="min",
                data_source="The demonstration's weekly export",
            ),
        )
        sandbox = apply(
            story.uow,
            story.people["startup"],
            ProgrammeCreate(
                kind="sandbox",
                regulator_organization_id=ministry,
                applicant_organization_id=story.organizations["mirai-match"],
                scope_id=scope.id,
                regulator_scope_id=story.scopes["requirement"],
                title="Matching from recorded interviews, with recruiter review",
                description="Three employers in Fukuoka try recommendations from two-minute "
                "recorded interviews for 200 applicants who volunteer.",
                question="Learn whether recorded interviews can be ranked fairly, and "
                "which safeguards keep the selection-rate ratio above 0.8.",
                safeguards="A recruiter reviews every recommendation; protected attributes "
                "are never inputs; recordings are deleted after 30 days.",
                consent="Written consent before recording, withdrawable at any time.",
                indicator_ids=[indicator.id],
                period_start=story.day(REPORTS_DRAFTED + 4),
                period_end=story.day(REPORTS_DRAFTED + 60),
            ),
        )
        inquiry = apply(
            story.uow,
            story.people["hokuriku"],
            ProgrammeCreate(
                kind="gray_zone",
                regulator_organization_id=ministry,
                applicant_organization_id=story.organizations["hokuriku-staffing"],
                title="Does ranking forwarded applicants count as screening?",
                description="We rank applicants with a licensed model and forward the top "
                "ten to each employer, who decides whom to interview.",
                question="Does the fairness requirement apply to us, or to the employer?",
            ),
        )
    return sandbox.id, inquiry.id


def _explain_and_submit(story: Story, who: str, report_id: int, texts: dict[str, str]) -> None:
    set_explanations(story.uow, story.people[who], report_id, texts)
    submit_report(story.uow, story.people[who], report_id, story.assessor_key_dir)


TALENTBRIDGE_TEXTS = {
    "overview": "AI ranking of résumés for about 300 employer clients; about 40,000 "
    "applications in the year.",
    "complaints": "Complaints go to a review desk and are answered within 30 days; the "
    "share resolved is monitored as an indicator.",
    "disclosure": "Applicants are told that AI ranks résumés, on which data, and how to "
    "get reasons and contest a rejection.",
    "measures": "Per-client calibration and monitoring after one client's history skewed "
    "the ratio; reasons in every rejection.",
    "self_assessment": "We meet 0.8 with the margin we set ourselves (0.85) except for a "
    "dip we caught and corrected; FairBench certified the monitoring.",
}
HIRESENSE_TEXTS = {
    "overview": "AI scoring of mid-career applications for about 120 employers.",
    "complaints": "212 complaints in the year.",
    "disclosure": "Our terms describe the scoring and its data.",
    "measures": "Quarterly re-weighting of the scoring model by age band.",
    "self_assessment": "Above 0.82 in every window of the period.",
}
HOKURIKU_TEXTS = {
    "overview": "Screening with a licensed model for about 60 employers in Hokuriku.",
    "complaints": "14 complaints, all resolved within a month.",
    "disclosure": "Applicants are told in the application form.",
    "measures": "Monthly check of the ratio by the vendor of the model.",
    "self_assessment": "At the line: 0.80 at the lowest. We lack a margin.",
}
