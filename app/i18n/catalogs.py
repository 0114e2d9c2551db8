"""The translator workflow on message catalogs: extract, update, compile, pseudo-translate,
statistics, and the checks that keep a broken translation out of the running app.

``flask translate`` (``app/i18n/cli.py``) and the tests call these functions; the in-app catalog
editor will call :func:`check_entry` to refuse a bad entry on save. Everything works on Babel's
``Catalog`` objects (``babel.messages``), never by shelling out to ``pybabel``.

Catalogs live in ``translations/<locale>/LC_MESSAGES/messages.po``; the template extracted from
the sources is ``translations/messages.pot``. Compiled ``.mo`` files are build products (not in
git): ``make run`` and ``make test`` compile them first.
"""
from __future__ import annotations

import math
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileParser, read_po, write_po

from app.config import PROJECT_ROOT, SUPPORTED_LOCALES
from app.i18n import glossary

DOMAIN = "messages"
TRANSLATIONS_DIR = PROJECT_ROOT / "translations"
TEMPLATE_FILE = TRANSLATIONS_DIR / f"{DOMAIN}.pot"
MAPPING_FILE = PROJECT_ROOT / "babel.cfg"
PROJECT_NAME = "Procedure Review Workbench"

# The gettext functions of Flask-Babel besides Babel's defaults (_, gettext, ngettext, pgettext...).
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_pgettext": ((1, "c"), 2),
    "lazy_ngettext": (1, 2),
}
COMMENT_TAGS = ("TRANSLATORS:",)
# Locales whose catalog must be complete: no untranslated and no fuzzy entry. English is the
# source language; an empty English msgstr shows the msgid, which is the English text.
COMPLETE_LOCALES = ("vi", "th")
# The developers' pseudo-locale (accented, lengthened strings), generated from the template.
PSEUDO_LOCALE = "xx"
PO_WIDTH = 100

# A %-format conversion as Python's % operator reads it (named, positional, or %%).
_FORMAT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?(?P<flags>[#0 +-]*)(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d+))?"
    r"[hlL]?(?P<type>[diouxXeEfFgGcrsa%])"
)
_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?\s*>")
# What a browser could start reading as markup: "<" followed by a letter, "/", "!" or "?".
_MARKUP_START = re.compile(r"<\s*[A-Za-z/!?]")
# Characters that end a quoted attribute value or start a tag or an entity. Jinja's i18n extension
# marks a translation safe, so one more of these than the msgid has could change the page's markup
# (break out of aria-label="..." and add attributes, for instance).
MARKUP_CHARACTERS = "<>\"'&"
# Attribute text that would make the browser (or htmx) act: event handlers, hx-*, data-*.
_ACTIVE_ATTRIBUTE = re.compile(r"(?i)(?<![\w-])(?:hx-[\w:-]+|data-[\w:-]+|on[a-z]+)\s*=")


# --- checks -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One reason a catalog entry cannot be used, named by locale, msgid and context."""

    locale: str
    msgid: str
    problem: str
    context: str | None = None

    def __str__(self) -> str:
        context = f" (context {self.context!r})" if self.context else ""
        return f"{self.locale}: msgid {self.msgid!r}{context}: {self.problem}"


def in_english(text: str, **values) -> str:
    """The problem messages' default wording: the English source, formatted as gettext would.

    ``check_entry`` and the functions it uses take the translating function as ``_``: the CLI
    and CI read English; the catalog editor passes ``flask_babel.gettext``, so that a Thai
    translator reads why a translation was refused in Thai. (Named ``_`` so that extraction
    finds the messages.)"""
    return text % values if values else text


def placeholders(text: str, _=in_english) -> tuple[Counter, list[str]]:
    """The named placeholders of a %-format string, and what is wrong with its other % signs.

    Returns a Counter of ``%(name)s``-style specifications (name and conversion, without width
    or flags) and a list of problems: positional placeholders, and a lone ``%`` that Python's
    ``%`` operator (which Jinja applies to every translated template string) would reject.
    """
    found: Counter = Counter()
    problems: list[str] = []
    position = 0
    while True:
        index = text.find("%", position)
        if index < 0:
            break
        match = _FORMAT.match(text, index)
        if match is None:
            problems.append(_("a lone %% at character %(position)s (write %%%% for a percent sign)",
                              position=index + 1))
            position = index + 1
            continue
        position = match.end()
        if match.group("type") == "%" and match.group("name") is None:
            continue
        if match.group("name") is None:
            problems.append(_("positional placeholder %(found)s: use a named one, %%(name)s",
                              found=repr(match.group(0))))
            continue
        found[f"%({match.group('name')}){match.group('type')}"] += 1
    return found, problems


def html_tags(text: str) -> Counter:
    """The HTML tags of a string, whitespace-normalised, with how often each occurs."""
    return Counter(" ".join(tag.split()) for tag in _TAG.findall(text))


def _mismatch(missing: list[str], extra: list[str], _) -> str:
    parts = []
    if missing:
        parts.append(_("missing %(items)s", items=", ".join(missing)))
    if extra:
        parts.append(_("not in the source %(items)s", items=", ".join(extra)))
    return "; ".join(parts)


def _format_problems(source: str, translation: str, label: str, _=in_english) -> list[str]:
    problems: list[str] = []
    expected, _ignored = placeholders(source, _)
    found, format_problems = placeholders(translation, _)
    problems.extend(f"{label}: {problem}" for problem in format_problems)
    if set(found) != set(expected):
        details = _mismatch(sorted(set(expected) - set(found)), sorted(set(found) - set(expected)), _)
        problems.append(f"{label}: " + _("placeholder mismatch (%(details)s)", details=details))
    source_tags, tags = html_tags(source), html_tags(translation)
    if tags != source_tags:
        details = _mismatch(sorted((source_tags - tags).elements()), sorted((tags - source_tags).elements()), _)
        problems.append(f"{label}: " + _("HTML tag mismatch (%(details)s)", details=details))
    elif _MARKUP_START.search(_TAG.sub("", translation)) and not _MARKUP_START.search(_TAG.sub("", source)):
        problems.append(f"{label}: " + _("an incomplete HTML tag (a translation may not add markup)"))
    problems.extend(f"{label}: {problem}" for problem in markup_problems(source, translation, _))
    return problems


def markup_problems(source: str, translation: str, _=in_english) -> list[str]:
    """Text in a translation that could change the page's markup, in text or attribute position:
    any of ``< > " ' &`` beyond what the msgid has (outside the msgid's own tags), and event-handler,
    ``hx-`` or ``data-`` attribute text that the msgid does not have."""
    problems: list[str] = []
    source_text, text = _TAG.sub("", source), _TAG.sub("", translation)
    extra = [ch for ch in MARKUP_CHARACTERS if text.count(ch) > source_text.count(ch)]
    if extra:
        problems.append(_("the character(s) %(characters)s are not in the source: a translation may not use them "
                          "(they could change the page's markup; use “ ” for quotes)", characters=" ".join(extra)))
    added = Counter(m.group(0).lower() for m in _ACTIVE_ATTRIBUTE.finditer(text)) - \
        Counter(m.group(0).lower() for m in _ACTIVE_ATTRIBUTE.finditer(source_text))
    if added:
        problems.append(_("attribute text not in the source: %(items)s", items=", ".join(sorted(added))))
    return problems


def check_entry(msgid: str | tuple[str, str], msgstr: str | Iterable[str], *, plural_count: int,
                require_complete: bool = False, fuzzy: bool = False, _=in_english) -> list[str]:
    """What is wrong with one translation; an empty list when it can be used.

    ``msgid`` is a string, or (singular, plural) for a plural entry; ``msgstr`` is a string, or
    one string per plural form; ``plural_count`` is the catalog's number of plural forms. An
    empty translation is a problem only when ``require_complete`` (the vi and th catalogs);
    otherwise it means "show the source", which is always safe.
    """
    problems: list[str] = []
    plural = isinstance(msgid, (tuple, list))
    forms = [msgstr] if isinstance(msgstr, str) else list(msgstr)
    if plural:
        source = " ".join(msgid)
        if isinstance(msgstr, str) or len(forms) != plural_count:
            problems.append(_("invalid plural forms: %(given)s msgstr[] for a catalog with %(count)s plural "
                              "form(s)", given=len(forms), count=plural_count))
    else:
        source = msgid
        if len(forms) != 1:
            problems.append(_("invalid plural forms: msgstr[] given for a msgid without plural"))
    empty = [i for i, form in enumerate(forms) if not form]
    if require_complete:
        if fuzzy:
            problems.append("fuzzy: the translation needs review (remove the fuzzy flag when it is right)")
        if empty or not forms:
            which = "" if not plural else f" (msgstr[{', '.join(map(str, empty))}])"
            problems.append(f"untranslated{which}")
    for index, form in enumerate(forms):
        if not form:
            continue
        label = f"msgstr[{index}]" if plural else "msgstr"
        problems.extend(_format_problems(source, form, label, _))
    return problems


def expected_plural_count(locale: str) -> int | None:
    """The number of plural forms CLDR gives a locale (None for the pseudo-locale)."""
    if locale == PSEUDO_LOCALE:
        return None
    return get_plural(locale).num_plurals


def check_catalog(catalog: Catalog, locale: str, *, require_complete: bool | None = None) -> list[Problem]:
    """Every problem of a catalog: its plural header, then each entry (see :func:`check_entry`)."""
    if require_complete is None:
        require_complete = locale in COMPLETE_LOCALES
    problems: list[Problem] = []
    expected = expected_plural_count(locale)
    if expected is not None and catalog.num_plurals != expected:
        problems.append(Problem(locale, "", f"the catalog header has nplurals={catalog.num_plurals}; "
                                            f"{locale} has {expected} plural form(s): {get_plural(locale)}"))
    for message in catalog:
        if not message.id:
            continue  # the header
        for problem in check_entry(message.id, message.string, plural_count=catalog.num_plurals,
                                   require_complete=require_complete, fuzzy=message.fuzzy):
            problems.append(Problem(locale, _first(message.id), problem, message.context))
    return problems


class _RecordingParser(PoFileParser):
    """Babel's .po parser, recording what it would only print: a msgstr[n] beyond the catalog's
    plural count (which it drops), a misformatted line."""

    def __init__(self, catalog: Catalog, locale: str):
        super().__init__(catalog)
        self.locale = locale
        self.problems: list[Problem] = []

    def _invalid_pofile(self, line, lineno, msg) -> None:
        msgid = self.messages[0].denormalize() if self.messages else ""
        if "num_plurals" in msg:
            problem = (f"invalid plural forms: more msgstr[] than the catalog's {self.catalog.num_plurals} "
                       f"plural form(s)")
        else:
            problem = f"the .po file is invalid near line {lineno + 1}: {msg}"
        self.problems.append(Problem(self.locale, msgid, problem))


def read_checked(path: Path, locale: str) -> tuple[Catalog, list[Problem]]:
    """Read a catalog and the problems of the file itself (see :class:`_RecordingParser`)."""
    catalog = Catalog(locale=None if locale == PSEUDO_LOCALE else locale, domain=DOMAIN)
    parser = _RecordingParser(catalog, locale)
    with open(path, "rb") as handle:
        parser.parse(handle)
    return catalog, parser.problems


def check_all(directory: Path = TRANSLATIONS_DIR, locales: Iterable[str] | None = None) -> list[Problem]:
    """Check the catalog of each locale (by default every supported locale); a missing one is a problem."""
    problems: list[Problem] = []
    try:
        glossaries = glossary.load(directory / "glossary.json")
    except glossary.GlossaryError as exc:
        return [Problem("*", "", str(exc))]
    for locale in (SUPPORTED_LOCALES if locales is None else locales):
        path = po_path(locale, directory)
        if not path.exists():
            problems.append(Problem(locale, "", f"no catalog at {path}"))
            continue
        catalog, file_problems = read_checked(path, locale)
        problems.extend(file_problems)
        problems.extend(check_catalog(catalog, locale))
        if locale in glossaries:
            problems.extend(Problem(locale, msgid, problem, context)
                            for msgid, context, problem in glossary.problems(catalog, locale, glossaries[locale]))
    return problems


def _first(msgid: str | tuple) -> str:
    return msgid[0] if isinstance(msgid, (tuple, list)) else msgid


# --- statistics -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Stats:
    locale: str
    translated: int
    fuzzy: int
    untranslated: int

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


def stats(catalog: Catalog, locale: str) -> Stats:
    translated = fuzzy = untranslated = 0
    for message in catalog:
        if not message.id:
            continue
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy:
            fuzzy += 1
        elif forms and all(forms):
            translated += 1
        else:
            untranslated += 1
    return Stats(locale, translated, fuzzy, untranslated)


# --- files ----------------------------------------------------------------------------------

def po_path(locale: str, directory: Path = TRANSLATIONS_DIR) -> Path:
    return Path(directory) / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    """Read a .po or .pot file; ``locale`` is None for the template and the pseudo-locale."""
    with open(path, "rb") as handle:
        return read_po(handle, locale=None if locale in (None, PSEUDO_LOCALE) else locale, domain=DOMAIN)


def _atomic_write(path: Path, writer) -> None:
    """Write through a temporary file in the same folder, then rename: readers (a running app,
    a parallel test run) never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            writer(handle)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_catalog(path: Path, catalog: Catalog, *, include_previous: bool = True) -> None:
    _atomic_write(path, lambda handle: write_po(handle, catalog, width=PO_WIDTH,
                                                include_previous=include_previous))


# --- extract, update, compile ---------------------------------------------------------------

def extract(root: Path = PROJECT_ROOT, mapping_file: Path = MAPPING_FILE) -> Catalog:
    """Collect the interface strings of the sources that ``babel.cfg`` maps into a template catalog."""
    with open(mapping_file, encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(mapping_file))
    catalog = Catalog(project=PROJECT_NAME, version="1", copyright_holder=PROJECT_NAME,
                      msgid_bugs_address="", charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(root), method_map, options_map, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
            strip_comment_tags=True):
        catalog.add(message, None, [(filename.replace(os.sep, "/"), lineno)], auto_comments=comments,
                    context=context)
    return catalog


def write_template(catalog: Catalog, path: Path = TEMPLATE_FILE) -> None:
    write_catalog(path, catalog, include_previous=False)


def update(template_path: Path = TEMPLATE_FILE, directory: Path = TRANSLATIONS_DIR,
           locales: Iterable[str] | None = None, *, fuzzy_matching: bool = True,
           include_previous: bool = True) -> dict[str, Stats]:
    """Merge the template into each locale's catalog (creating a missing one).

    New msgids arrive untranslated, or fuzzy with a guess from a similar msgid; removed ones
    become obsolete (``#~``). The previous msgid of a fuzzy entry is kept (``#| msgid``), so the
    translator sees what changed.
    """
    template = read_catalog(template_path)
    result = {}
    for locale in (SUPPORTED_LOCALES if locales is None else locales):
        path = po_path(locale, directory)
        if path.exists():
            catalog = read_catalog(path, locale)
        else:
            catalog = Catalog(locale=locale, domain=DOMAIN, project=PROJECT_NAME, version="1",
                              copyright_holder=PROJECT_NAME, msgid_bugs_address="", charset="utf-8",
                              fuzzy=False)
        catalog.update(template, no_fuzzy_matching=not fuzzy_matching, update_header_comment=False,
                       keep_user_comments=True, update_creation_date=True)
        for message in catalog:
            forms = [message.string] if isinstance(message.string, str) else list(message.string)
            if message.id and message.fuzzy and not any(forms):
                # A guess copied from an empty translation (English) is just untranslated.
                message.flags.discard("fuzzy")
                message.previous_id = []
        write_catalog(path, catalog, include_previous=include_previous)
        result[locale] = stats(catalog, locale)
    return result


def compile_catalogs(directory: Path = TRANSLATIONS_DIR, output: Path | None = None,
                     locales: Iterable[str] | None = None) -> list[Path]:
    """Write ``messages.mo`` beside each catalog (or under ``output``); fuzzy entries are left
    out, so they show the source text until a translator confirms them."""
    written = []
    for locale in (SUPPORTED_LOCALES if locales is None else locales):
        source = po_path(locale, directory)
        catalog = read_catalog(source, locale)
        target = po_path(locale, output or directory).with_suffix(".mo")
        _atomic_write(target, lambda handle, catalog=catalog: write_mo(handle, catalog, use_fuzzy=False))
        written.append(target)
    return written


# --- the pseudo-locale ----------------------------------------------------------------------

_ACCENTED = dict(zip(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "åƀçđëƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇĐËƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
))
# Left as they are: placeholders, %%, HTML tags and entities.
_PROTECTED = re.compile(_FORMAT.pattern + r"|" + _TAG.pattern + r"|&#?\w+;")


def pseudo_translate(text: str) -> str:
    """"Search" -> "[Šëåŕçĥ ~~~]": every letter accented, about 40 % longer, bracketed, so that
    an untranslated string, a concatenation or a cut-off text stands out on the page."""
    if not text:
        return text
    out: list[str] = []
    position = 0
    for match in _PROTECTED.finditer(text):
        out.append("".join(_ACCENTED.get(ch, ch) for ch in text[position:match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append("".join(_ACCENTED.get(ch, ch) for ch in text[position:]))
    visible = len(_PROTECTED.sub("", text))
    return "[" + "".join(out) + " " + "~" * max(2, math.ceil(visible * 0.4)) + "]"


def make_pseudo(template_path: Path = TEMPLATE_FILE, directory: Path = TRANSLATIONS_DIR) -> Path:
    """Write the pseudo-locale's catalog (.po for reading, .mo for the app) from the template."""
    catalog = read_catalog(template_path)
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            message.string = tuple(pseudo_translate(form) for form in message.id)
        else:
            message.string = pseudo_translate(message.id)
    po = po_path(PSEUDO_LOCALE, directory)
    write_catalog(po, catalog, include_previous=False)
    mo = po.with_suffix(".mo")
    _atomic_write(mo, lambda handle: write_mo(handle, catalog))
    return mo


__all__ = [
    "Problem", "Stats", "check_all", "check_catalog", "check_entry", "compile_catalogs",
    "extract", "html_tags", "make_pseudo", "markup_problems", "placeholders", "pseudo_translate", "read_catalog",
    "read_checked", "stats", "update", "write_template",
]
