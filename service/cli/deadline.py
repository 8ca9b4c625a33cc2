"""`deadline` commands: compute the legal dates of an agreement from the shell.

The first line of every command's output is the ISO date alone, so scripts can read it; the
following lines are reasons and warnings in German.
"""
from __future__ import annotations

from datetime import date

import click

from workflows import legal_dates


class _IsoDate(click.ParamType):
    """A calendar date written YYYY-MM-DD, with a German error message."""

    name = "JJJJ-MM-TT"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"„{value}“ ist kein gültiges Datum: Datum im Format JJJJ-MM-TT angeben",
                      param, ctx)


ISO_DATE = _IsoDate()


@click.group(name="deadline")
def deadline() -> None:
    """Fristen berechnen: Kündigung, Regelaltersgrenze, Lieferfristen."""


@deadline.command()
@click.option("--received", type=ISO_DATE, required=True,
              help="Tag des Zugangs der Kündigung (JJJJ-MM-TT).")
def termination(received: date) -> None:
    """Wann eine Kündigung nach § 12 wirkt."""
    result = legal_dates.termination_end_date(received)
    click.echo(result.ends_on.isoformat())
    click.echo(result.reason)
    if result.weekend_warning:
        click.echo(f"Warnung: {result.weekend_warning}")


@deadline.command(name="retirement-age")
@click.option("--born", type=ISO_DATE, required=True, help="Geburtsdatum (JJJJ-MM-TT).")
@click.option("--override", type=ISO_DATE, default=None,
              help="Manuell festgelegte Regelaltersgrenze (§ 235 Abs. 2 S. 3 SGB VI).")
def retirement_age(born: date, override: date | None) -> None:
    """Tag, mit dessen Ablauf die Regelaltersgrenze erreicht ist."""
    try:
        result = legal_dates.retirement_age(born, override)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--override") from exc
    click.echo(result.reached_on.isoformat())
    click.echo(result.reason)


@deadline.command()
@click.option("--due", type=ISO_DATE, required=True, help="Vereinbarter Liefertermin (JJJJ-MM-TT).")
@click.option("--agreement", "agreement_id", default=None,
              help="Kennung der Vereinbarung, deren Fristregel gilt (die Kennung aus agreements/*.yaml, Feld id).")
@click.option("--rule", type=click.Choice(legal_dates.DELIVERY_RULES), default=None,
              help="Fristregel direkt angeben statt über --agreement.")
@click.option("--subdivision", default=None,
              help="Bundesland für Feiertage (Standard: aus der Vereinbarung, sonst HE).")
def delivery(due: date, agreement_id: str | None, rule: str | None,
             subdivision: str | None) -> None:
    """Tatsächlicher letzter Liefertag nach der Fristregel der Vereinbarung."""
    if (agreement_id is None) == (rule is None):
        raise click.UsageError("Genau eine der Optionen --agreement oder --rule angeben.")
    if agreement_id is not None:
        from workflows.agreements.files import load_agreement  # written elsewhere; imported lazily
        from workflows.errors import KoopflowError

        try:
            agreement = load_agreement(agreement_id)
        except (KoopflowError, LookupError, FileNotFoundError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            raise click.BadParameter(f"Vereinbarung „{agreement_id}“ nicht ladbar: {message}",
                                     param_hint="--agreement") from exc
        rule = agreement.delivery_deadline_rule
        subdivision = subdivision or getattr(agreement, "holiday_subdivision", None)
    subdivision = subdivision or "HE"
    try:
        effective = legal_dates.effective_delivery_date(due, rule, subdivision)
        reason = legal_dates.delivery_reason(due, rule, subdivision)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(effective.isoformat())
    click.echo(reason)
