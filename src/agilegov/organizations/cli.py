"""The ``agilegov user`` commands."""

from typing import Annotated

import typer
from pydantic import ValidationError

from agilegov.errors import DomainError
from agilegov.i18n import gettext
from agilegov.terminal import console, fail, open_uow

user_app = typer.Typer(name="user", help="People and their tokens.", no_args_is_help=True)


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Their e-mail address.")],
    name: Annotated[str, typer.Option(help="Their name.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Register a person and print an API token for them (shown once)."""
    from agilegov.organizations.schemas import UserCreate
    from agilegov.organizations.service import create_user, issue_token, principal_for_user

    try:
        user = create_user(open_uow(), UserCreate(email=email, name=name, password=password))
    except ValidationError as problem:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in problem.errors()))
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
