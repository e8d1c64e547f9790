"""The ``agilegov cycle`` commands."""

import typer
from rich.table import Table

from agilegov.i18n import N_, gettext
from agilegov.terminal import console, open_uow

cycle_app = typer.Typer(name="cycle", help="The governance cycle.", no_args_is_help=True)


@cycle_app.command("tick")
def cycle_tick() -> None:
    """Open triggers for every review-by date that has passed."""
    from agilegov.cycle.service import tick

    opened = tick(open_uow())
    for trigger in opened:
        console.print(
            gettext(
                "scope %(scope_id)s: trigger #%(trigger_id)s %(kind)s (%(loop)s loop): %(cause)s",
                scope_id=trigger.scope_id,
                trigger_id=trigger.id,
                kind=trigger.kind,
                loop=trigger.loop,
                cause=trigger.cause,
            ),
            highlight=False,
        )
    console.print(gettext("%(count)s trigger(s) opened", count=len(opened)))


@cycle_app.command("rules")
def cycle_rules() -> None:
    """Show which loop each kind of trigger calls for."""
    from agilegov.cycle.rules import LOOP_RULES, loop_summary

    table = Table(title=gettext("Trigger kinds and the loop they call for"))
    for column in (N_("kind"), N_("loop"), N_("why")):
        table.add_column(gettext(column))
    for kind, rule in LOOP_RULES.items():
        table.add_row(kind.value, loop_summary(kind), rule.explanation)
    console.print(table)
