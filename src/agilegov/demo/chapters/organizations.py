"""Day 0, the actors: a business, a ministry, a community and an assessor, each
founded by its owner, who then adds the other members with their roles. The
site's operator verifies the ministry, the business and the assessor, with what
it looked up; a second "FairBench Assurance", a look-alike nobody vouches for,
only exists, so that every page shows which is which."""

from datetime import timedelta

from agilegov.auth import Principal, Role
from agilegov.demo.story import ACCOUNTS, DEMO_SLUG, Story
from agilegov.organizations.schemas import (
    MemberAdd,
    OrganizationCreate,
    UserCreate,
    VerificationCreate,
)
from agilegov.organizations.service import (
    add_member,
    create_organization,
    create_user,
    set_site_admin,
    verify_organization,
)

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
    OrganizationCreate(
        slug="consumer-mediation",
        name="Consumer Dispute Mediation Centre",
        kind="community",
        description="A fictional non-profit ADR body certified under the ADR Act: it "
        "mediates disputes between consumers and businesses, free of charge to consumers.",
        website="https://consumer-mediation.example.jp",
    ),
    OrganizationCreate(
        slug="hiresense",
        name="HireSense Inc.",
        kind="business",
        description="A recruiting platform for mid-career hires that scores applications "
        "with AI for about 120 employers.",
        website="https://hiresense.example.com",
    ),
    OrganizationCreate(
        slug="hokuriku-staffing",
        name="Hokuriku Staffing Co., Ltd.",
        kind="business",
        description="A regional staffing firm in Kanazawa that screens applicants with a "
        "licensed AI model.",
    ),
    OrganizationCreate(
        slug="mirai-match",
        name="Mirai Match",
        kind="business",
        description="A start-up that matches applicants to jobs from short recorded "
        "interviews, and wants to test it under the ministry's supervision first.",
    ),
    OrganizationCreate(
        slug="site-operations",
        name="agilegov demo site operations",
        kind="infrastructure_operator",
        description="Runs this agilegov site. Its operator verifies organizations until "
        "trust registries do.",
    ),
    OrganizationCreate(
        slug="ai-accreditation-council",
        name="AI Assurance Accreditation Council",
        kind="infrastructure_operator",
        description="A fictional accreditation body: it accredits assessors for the "
        "third-party assessment of AI governance, and surveils them every year.",
        website="https://ai-accreditation.example.jp",
    ),
    OrganizationCreate(
        slug="fairbench-assurance-jp",
        name="FairBench Assurance",
        kind="assessor",
        description="Registered under the same name as FairBench Assurance, by someone else. "
        "Nobody vouches for it: every page shows its handle and that it is not the verified one.",
    ),
)

# What the site's operator checked (fictional entries, valid check digits).
VERIFICATIONS: dict[str, VerificationCreate] = {
    "ministry-of-work": VerificationCreate(
        method="corporate_number",
        evidence="5000012080001 (National Tax Agency corporate number site: "
        "Ministry of Work and Employment, Kasumigaseki, Chiyoda-ku)",
        note="Confirmed by telephone with the ministry's general affairs division.",
    ),
    DEMO_SLUG: VerificationCreate(
        method="corporate_number",
        evidence="9010401123456 (National Tax Agency corporate number site: "
        "TalentBridge K.K., Minato-ku, Tokyo)",
    ),
    "ai-accreditation-council": VerificationCreate(
        method="registry_entry",
        evidence="Registry of designated conformity assessment bodies (fictional), entry AB-007",
    ),
    "consumer-mediation": VerificationCreate(
        method="registry_entry",
        evidence="Ministry of Justice, certified dispute resolution providers (fictional), "
        "certification no. 301",
    ),
    "fairbench": VerificationCreate(
        method="registry_entry",
        evidence="Japan Accreditation Board (fictional), accredited inspection bodies, "
        "entry ASNITE-0421",
    ),
}


def people_and_organizations(story: Story) -> None:
    with story.at(0, 9):
        for account in ACCOUNTS:
            user = create_user(
                story.uow,
                UserCreate(email=account.email, name=account.name, password=account.password),
            )
            story.people[account.key] = Principal(user_id=user.id)
        founders = {a.organization: a.key for a in ACCOUNTS if a.role is Role.owner}
        for organization in ORGANIZATIONS:
            founder = founders[organization.slug]
            read = create_organization(story.uow, story.people[founder], organization)
            story.organizations[organization.slug] = read.id
            story.refresh(founder)
        set_site_admin(story.uow, _email_of("operator"), True)
        story.refresh("operator")
    with story.at(0, 10):
        for slug, verification in VERIFICATIONS.items():
            # For two years: the story's verifications hold whenever the demo is loaded.
            expires_on = (story.start + timedelta(days=730)).date()
            verify_organization(
                story.uow,
                story.people["operator"],
                story.organizations[slug],
                verification.model_copy(update={"expires_on": expires_on}),
            )
    with story.at(0, 11):
        for account in ACCOUNTS:
            if account.role is not Role.owner:
                add_member(
                    story.uow,
                    story.people[founders[account.organization]],
                    story.organizations[account.organization],
                    MemberAdd(email=account.email, role=account.role),
                )
                story.refresh(account.key)


def _email_of(key: str) -> str:
    return next(account.email for account in ACCOUNTS if account.key == key)
