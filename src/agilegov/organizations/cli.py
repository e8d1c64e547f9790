"""The ``agilegov user`` commands."""

from typing import Annotated

import typer
from pydantic import ValidationError

from agilegov.errors import DomainError
from agilegov.i18n import gettext
from agilegov.terminal import console, fail, open_uow

user_app = typer.Typer(name="user", help="People and their tokens.", no_args_is_help=True)
organization_app = typer.Typer(
    name="organization", help="Organizations and who vouches for them.", no_args_is_help=True
)


def _problems(problem: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in problem.errors())


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Their e-mail address.")],
    name: Annotated[str, typer.Option(help="Their name.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    site_admin: Annotated[
        bool, typer.Option("--site-admin", help="Make them the site's operator.")
    ] = False,
) -> None:
    """Register a person and print an API token for them (shown once)."""
    from agilegov.organizations.schemas import UserCreate
    from agilegov.organizations.service import (
        create_user,
        issue_token,
        principal_for_user,
        set_site_admin,
    )

    try:
        user = create_user(open_uow(), UserCreate(email=email, name=name, password=password))
        if site_admin:
            set_site_admin(open_uow(), user.email, True)
    except ValidationError as problem:
        fail(_problems(problem))
    except DomainError as problem:
        fail(str(problem))
    uow = open_uow()
    with uow:
        actor = principal_for_user(uow.session, user.id)
    token = issue_token(uow, actor, "cli")
    console.print(
        gettext(
            "user %(user_id)s %(email)s\ntoken %(token)s",
            user_id=user.id,
            email=user.email,
            token=token.token,
        ),
        highlight=False,
    )


@user_app.command("site-admin")
def user_site_admin(
    email: Annotated[str, typer.Argument(help="Their e-mail address.")],
    revoke: Annotated[bool, typer.Option("--revoke", help="No longer the operator.")] = False,
) -> None:
    """Make a person the site's operator (who verifies organizations and makes
    verifiers), or no longer with --revoke."""
    from agilegov.organizations.service import set_site_admin

    try:
        user = set_site_admin(open_uow(), email, not revoke)
    except DomainError as problem:
        fail(str(problem))
    said = (
        gettext("%(email)s is no longer the site's operator", email=user.email)
        if revoke
        else gettext("%(email)s is the site's operator", email=user.email)
    )
    console.print(said, highlight=False)


@organization_app.command("verify")
def organization_verify(
    slug: Annotated[str, typer.Argument(help="The organization's handle.")],
    method: Annotated[
        str,
        typer.Option(help="dns_txt, well_known_file, corporate_number or registry_entry."),
    ],
    evidence: Annotated[
        str,
        typer.Option(
            help="The domain, the corporate number and where it was looked up, or the "
            "registry and the entry."
        ),
    ],
    expires: Annotated[
        str | None, typer.Option(help="When it lapses (YYYY-MM-DD); a year from now if not given.")
    ] = None,
    note: Annotated[str, typer.Option(help="What else the verifier says.")] = "",
    by: Annotated[
        str | None,
        typer.Option(help="The site operator's e-mail address (needed when there are several)."),
    ] = None,
) -> None:
    """Verify an organization as the site's operator."""
    from agilegov.organizations.schemas import VerificationCreate
    from agilegov.organizations.service import (
        organization_by_slug,
        principal_for_user,
        site_operator,
        verify_organization,
    )

    uow = open_uow()
    try:
        data = VerificationCreate.model_validate(
            {"method": method, "evidence": evidence, "note": note, "expires_on": expires}
        )
        organization = organization_by_slug(uow, slug)
        with uow:
            actor = principal_for_user(uow.session, site_operator(uow.session, by))
        done = verify_organization(uow, actor, organization.id, data)
    except ValidationError as problem:
        fail(_problems(problem))
    except DomainError as problem:
        fail(str(problem))
    console.print(
        gettext(
            "%(name)s is verified until %(until)s (verification %(id)s)",
            name=organization.name,
            until=done.expires_at.date().isoformat(),
            id=done.id,
        ),
        highlight=False,
    )
