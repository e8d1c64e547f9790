"""The ``agilegov cycle`` commands."""

import typer
from rich.table import Table

from agilegov.terminal import console, open_uow

cycle_app = typer.Typer(name="cycle", help="The governance cycle.", no_args_is_help=True)


@cycle_app.command("tick")
def cycle_tick() -> None:
    """Open triggers for every review-by date that has passed."""
    from agilegov.cycle.service import tick

    opened = tick(open_uow())
    for trigger in opened:
        console.print(
            f"scope {trigger.scope_id}: trigger #{trigger.id} {trigger.kind} "
            f"({trigger.loop} loop): {trigger.cause}",
            highlight=False,
        )
    console.print(f"{len(opened)} trigger(s) opened")


@cycle_app.command("rules")
def cycle_rules() -> None:
    """Show which loop each kind of trigger calls for."""
    from agilegov.cycle.rules import LOOP_RULES, loop_summary

    table = Table(title="Trigger kinds and the loop they call for")
    table.add_column("kind")
    table.add_column("loop")
    table.add_column("why")
    for kind, rule in LOOP_RULES.items():
        table.add_row(kind.value, loop_summary(kind), rule.explanation)
    console.print(table)
