"""``flask translate``: the translator workflow (extract, update, compile, check, stats, pseudo)."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.config import SUPPORTED_LOCALES
from app.i18n import catalogs

directory_option = click.option(
    "--directory", type=click.Path(file_okay=False, path_type=Path), default=catalogs.TRANSLATIONS_DIR,
    show_default=True, help="Folder of the catalogs (<locale>/LC_MESSAGES/messages.po).")
locale_option = click.option(
    "--locale", "locales", multiple=True, type=click.Choice(SUPPORTED_LOCALES),
    help="Only this locale (repeatable); default: every supported locale.")


@click.group("translate")
def translate_cli():
    """Interface translations: extract -> update -> translate the .po files -> check -> compile."""


@translate_cli.command("extract")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=catalogs.TEMPLATE_FILE,
              show_default=True, help="Template catalog to write.")
def extract_command(output: Path):
    """Collect the interface strings of app/ and templates/ (babel.cfg) into the .pot template."""
    template = catalogs.extract()
    catalogs.write_template(template, output)
    click.echo(f"{len(template)} messages extracted into {output}")


@translate_cli.command("update")
@directory_option
@locale_option
@click.option("--template", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=catalogs.TEMPLATE_FILE, show_default=True)
@click.option("--previous/--no-previous", default=True, show_default=True,
              help="Keep the previous msgid (#| msgid) of fuzzy entries, so the translator sees what changed.")
@click.option("--fuzzy-matching/--no-fuzzy-matching", default=True, show_default=True,
              help="Guess a new msgid's translation from a similar old one (marked fuzzy).")
@click.option("--extract/--no-extract", "run_extract", default=False,
              help="Extract the template first.")
def update_command(directory: Path, locales: tuple[str, ...], template: Path, previous: bool,
                   fuzzy_matching: bool, run_extract: bool):
    """Merge the template into each locale's catalog; new strings arrive untranslated or fuzzy."""
    if run_extract:
        catalogs.write_template(catalogs.extract(), template)
    result = catalogs.update(template, directory, locales or None, fuzzy_matching=fuzzy_matching,
                             include_previous=previous)
    for figures in result.values():
        click.echo(_stats_line(figures))


@translate_cli.command("export")
@directory_option
@locale_option
@with_appcontext
def export_command(directory: Path, locales: tuple[str, ...]):
    """Write the catalogs saved in the app (the database) back to the .po files, to commit them."""
    from app.i18n import stored

    written = stored.export(directory, locales or None)
    for path in written:
        click.echo(f"wrote {path}")
    if not written:
        click.echo("no catalog has been saved in the app")


@translate_cli.command("compile")
@directory_option
@locale_option
def compile_command(directory: Path, locales: tuple[str, ...]):
    """Write the .mo files the app reads (fuzzy entries left out). The .mo files are not in git."""
    for path in catalogs.compile_catalogs(directory, locales=locales or None):
        click.echo(f"compiled {path}")


@translate_cli.command("check")
@directory_option
@locale_option
def check_command(directory: Path, locales: tuple[str, ...]):
    """Fail (exit 1) on a placeholder or HTML-tag mismatch, invalid plural forms, or an
    untranslated or fuzzy entry in vi or th."""
    problems = catalogs.check_all(directory, locales or None)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in the catalogs")
    click.echo(f"catalogs OK: {', '.join(locales or SUPPORTED_LOCALES)}")


@translate_cli.command("stats")
@directory_option
@locale_option
def stats_command(directory: Path, locales: tuple[str, ...]):
    """Translated, fuzzy and untranslated messages per locale."""
    for locale in locales or SUPPORTED_LOCALES:
        path = catalogs.po_path(locale, directory)
        if not path.exists():
            click.echo(f"{locale}: no catalog")
            continue
        click.echo(_stats_line(catalogs.stats(catalogs.read_catalog(path, locale), locale)))


@translate_cli.command("pseudo")
@directory_option
@click.option("--template", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=catalogs.TEMPLATE_FILE, show_default=True)
def pseudo_command(directory: Path, template: Path):
    """Generate the developers' pseudo-locale xx from the template (PSEUDO_LOCALE=1 to select it)."""
    path = catalogs.make_pseudo(template, directory)
    click.echo(f"pseudo-locale {catalogs.PSEUDO_LOCALE} written to {path}")


def _stats_line(figures: catalogs.Stats) -> str:
    line = (f"{figures.locale}: {figures.translated} translated, {figures.fuzzy} fuzzy, "
            f"{figures.untranslated} untranslated of {figures.total} ({figures.percent:.1f} %)")
    if figures.locale not in catalogs.COMPLETE_LOCALES:
        line += " - source language: an empty entry shows the English msgid"
    return line
