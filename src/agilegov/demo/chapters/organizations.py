"""Day 0, the actors: a business, a ministry, a community and an assessor, each
founded by its owner, who then adds the other members with their roles."""

from agilegov.auth import Principal, Role
from agilegov.demo.story import ACCOUNTS, DEMO_SLUG, Story
from agilegov.organizations.schemas import MemberAdd, OrganizationCreate, UserCreate
from agilegov.organizations.service import add_member, create_organization, create_user

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
