"""Bulk marking: one mark applied to every element of a set of procedures whose text matches a
pattern ("every document named like 'sổ hộ khẩu' -> reuse from the population database").

Three steps, each a function that the pages, the tests and scripts call:

- ``plan``: which procedures and elements match, and which of them will be skipped and why
  (procedure not published, an open mark with the same action already there, a problem that a
  dry run of the review rules finds). Set-based: one query per element table and chunk of
  procedures over the current versions, then a Python fold check of the texts; the version
  records are read (in chunks) only for the versions that have a match, for the rule checks.
- ``sign_plan`` / ``read_plan``: the request and a digest of every previewed target are kept,
  signed, for the confirm form (the digests in a file on the server, the form holds their
  fingerprint), so that confirming applies exactly what was previewed and nothing that was
  posted unsigned, and the form stays small for any number of targets.
- ``apply_plan``: recomputes the plan, refuses when its targets differ from the previewed ones
  (saying how many changed), then creates every mark through ``app.review.services.create_mark``
  (the single-mark service: permission, rules, audit row) and optionally proposes it, plus one
  audit row for the whole operation. Nothing is committed here: the caller commits once, or
  rolls everything back when any mark fails (``BulkFailed`` names the procedure and element).
  ``start_job`` runs it as a background job with progress.

Measured on 2,000 generated procedures (``flask procedures generate``; SQLite, 2 cores), every
procedure of the search selected: the plan (preview) takes 0.1-0.25 s, and applying 1,387 form
field marks, each through ``create_mark`` with its audit row, 3.6 s in one transaction (484
document marks: 1.4 s).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from app.core import jobs, storage
from app.audit import services as audit
from app.bulk.matching import Match, find, fold_pattern
from app.catalog.models import (Channel, Document, Fee, FormField, LegalBasis, Procedure, ProcedureVersion,
                                Requirement, Step)
from app.extensions import db
from app.review import permissions
from app.review import services as review
from app.review.labels import ACTION, TARGET_KIND, label
from app.review.models import OPEN_STATUSES, Mark
from app.review.rules import (ACTION_TARGETS, EFFECT_FIELDS, RuleError, check_reason, clean_effects, clean_params,
                              target_data, target_hash)
from app.search import services as search

# What can be marked in bulk, in the order the form offers them.
KINDS = ("document", "field", "step", "fee", "requirement", "channel", "procedure")
# The element table and the text column(s) a pattern is matched against, per kind.
_TEXT_COLUMNS = {
    "document": (Document, ("name",)),
    "field": (FormField, ("label",)),
    "step": (Step, ("text",)),
    "fee": (Fee, ("name", "text")),
    "requirement": (Requirement, ("text",)),
    "channel": (Channel, ("description",)),
}
# The values of a mark that are the same for every target; ``legal_number`` is applied per
# procedure (only where the procedure has that legal basis) and so is kept apart.
COMMON_FIELDS = ("action", "params", "reason", "rationale", "legal_text", *EFFECT_FIELDS)
MAX_PATTERN = 200
# Procedure ids per query: well under the bound-parameter limits of SQLite and PostgreSQL.
CHUNK = 500
JOB_KIND = "bulk_mark"
AUDIT_OBJECT = "bulk_mark"
SIGNING_SALT = "bulk-mark-plan"
# A signed plan is confirmed within a day or previewed again.
PLAN_MAX_AGE = 24 * 3600
PLANS_FOLDER = "bulk-plans"
# Why a target is skipped (codes; the page shows the label, ``SKIP_REASONS``).
NOT_PUBLISHED, ALREADY_MARKED, INVALID = "not_published", "already_marked", "invalid"


class BulkError(ValueError):
    """A bulk operation that cannot be carried out; the message is for the user."""


class BulkForbidden(BulkError):
    pass


class BulkInvalid(BulkError):
    """A request that cannot be planned; ``errors`` maps a form field to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


class BulkChanged(BulkError):
    """The targets differ from the previewed ones; nothing was written."""

    def __init__(self, gone: list[str], new: list[str]):
        self.gone, self.new = gone, new
        self.codes = sorted({entry.split("|", 1)[0] for entry in gone + new})
        shown = ", ".join(self.codes[:10]) + (" …" if len(self.codes) > 10 else "")
        changed = ngettext("%(num)s target changed since the preview.", "%(num)s targets changed since the preview.",
                           len(gone) + len(new))
        super().__init__(" ".join((changed, _("Previewed but no longer as shown: %(gone)s; new: %(new)s; "
                                              "procedures: %(codes)s. Nothing was written: preview again.",
                                              gone=len(gone), new=len(new), codes=shown))))


class BulkFailed(BulkError):
    """One mark could not be made; everything was rolled back."""

    def __init__(self, code: str, element_key: str | None, message: str):
        self.code, self.element_key, self.reason = code, element_key, message
        super().__init__(_("Nothing was written: the mark on %(code)s %(target)s failed: %(reason)s",
                           code=code, target=element_key or label(TARGET_KIND, "procedure"), reason=message))


def skip_reasons() -> dict[str, str]:
    return {NOT_PUBLISHED: _("Procedure not published"),
            ALREADY_MARKED: _("Already has an open mark with this action"),
            INVALID: _("The rules refuse this mark")}


def count_text(kind: str, targets: int, procedures: int) -> str:
    """ "37 documents in 35 procedures" (or "35 procedures" for marks on procedures)."""
    in_procedures = ngettext("%(num)s procedure", "%(num)s procedures", procedures)
    counted = {
        "document": lambda: ngettext("%(num)s document", "%(num)s documents", targets),
        "field": lambda: ngettext("%(num)s form field", "%(num)s form fields", targets),
        "step": lambda: ngettext("%(num)s step", "%(num)s steps", targets),
        "fee": lambda: ngettext("%(num)s fee", "%(num)s fees", targets),
        "requirement": lambda: ngettext("%(num)s requirement", "%(num)s requirements", targets),
        "channel": lambda: ngettext("%(num)s channel", "%(num)s channels", targets),
    }.get(kind)
    if counted is None:
        return in_procedures
    # TRANSLATORS: e.g. "37 documents in 35 procedures"; both parts are translated on their own.
    return _("%(elements)s in %(procedures)s", elements=counted(), procedures=in_procedures)


# -- the request -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Selection:
    """Which procedures: the chosen codes, or every procedure a search matches."""

    text: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    codes: tuple[str, ...] = ()
    all_matching: bool = False

    def search_request(self) -> search.SearchRequest:
        return search.SearchRequest(text=self.text, filters=self.filters, sort="code")


@dataclass(frozen=True)
class BulkRequest:
    """What to mark (kind, pattern, selection) and the mark itself (``values``: the common
    fields; ``legal_number`` is applied where a procedure has it)."""

    selection: Selection
    kind: str = "document"
    pattern: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)
    legal_number: str = ""
    propose: bool = False

    @property
    def action(self) -> str:
        return self.values.get("action") or ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["values"] = dict(self.values)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BulkRequest:
        selection = data["selection"]
        return cls(selection=Selection(text=selection["text"],
                                       filters=tuple((name, tuple(values)) for name, values in selection["filters"]),
                                       codes=tuple(selection["codes"]), all_matching=bool(selection["all_matching"])),
                   kind=data["kind"], pattern=data["pattern"], values=dict(data["values"]),
                   legal_number=data["legal_number"], propose=bool(data["propose"]))


def actions_for(kind: str) -> list[str]:
    """The actions that apply to a kind of target, in the order of ``ACTION_TARGETS``."""
    return [action for action, kinds in ACTION_TARGETS.items() if kind in kinds]


def check_request(request: BulkRequest) -> None:
    """Check what is the same for every target (kind, pattern, action, reason, texts, effects);
    raise ``BulkInvalid``. The per-target rules (values, legal basis) run in ``plan``."""
    errors: dict[str, str] = {}
    if request.kind not in KINDS:
        errors["target"] = _("Choose what to mark.")
    pattern = request.pattern.strip()
    if len(pattern) > MAX_PATTERN:
        errors["pattern"] = _("Keep this under %(count)s characters.", count=MAX_PATTERN)
    elif request.kind != "procedure" and not fold_pattern(pattern):
        errors["pattern"] = _("Enter the text to look for.")
    unknown = [name for name in request.values if name not in COMMON_FIELDS]
    for name in unknown:
        errors[name] = _("This value cannot be set.")
    action = request.action
    if not action:
        errors["action"] = _("Choose an action.")
    elif action not in ACTION_TARGETS:
        errors["action"] = _("Unknown action %(action)s.", action=action)
    elif request.kind in KINDS and request.kind not in ACTION_TARGETS[action]:
        errors["action"] = _("%(action)s does not apply to a %(target)s.", action=label(ACTION, action),
                             target=label(TARGET_KIND, request.kind))
    check_reason(request.values.get("reason"), errors)
    for name in ("rationale", "legal_text"):
        text = request.values.get(name)
        if text is not None and not isinstance(text, str):
            errors[name] = _("Enter text.")
        elif text and len(text.strip()) > review.MAX_TEXT:
            errors[name] = _("Keep this under %(count)s characters.", count=review.MAX_TEXT)
    if action in ACTION_TARGETS:
        clean_effects(request.values, action, errors)
    if request.propose and action != "keep":
        if not request.values.get("reason"):
            errors.setdefault("reason", _("Choose a reason before proposing."))
        if not (request.values.get("rationale") or "").strip():
            errors.setdefault("rationale", _("Explain the proposal before proposing."))
    if not request.selection.all_matching and not request.selection.codes:
        errors["selection"] = _("Select procedures on the search page first.")
    if errors:
        raise BulkInvalid(errors)


# -- planning ----------------------------------------------------------------------------------

@dataclass
class Target:
    """One element (or procedure) that matched: where, its text with the match, and for a
    skipped one the reason."""

    procedure_id: int
    code: str
    element_key: str | None
    match: Match
    lang: str = "vi"  # the language of the procedure's text, for the page to mark it
    legal_number: str | None = None  # the request's number, when this procedure has it
    digest: str = ""
    skip: str | None = None
    problem: str = ""  # the rules' message for an invalid one

    @property
    def anchor(self) -> str:
        """The id of the element on the procedure page (``el-d1.f3``), or "" for a procedure."""
        return "el-" + self.element_key.split(":", 1)[1] if self.element_key else ""


@dataclass
class Plan:
    request: BulkRequest
    procedure_count: int = 0  # procedures selected
    targets: list[Target] = field(default_factory=list)  # to be marked, in code order
    skipped: list[Target] = field(default_factory=list)
    missing_codes: list[str] = field(default_factory=list)  # chosen codes that are not in the catalog

    @property
    def digests(self) -> list[str]:
        return sorted(target.digest for target in self.targets)

    @property
    def marked_procedures(self) -> int:
        return len({target.procedure_id for target in self.targets})

    @property
    def with_legal_number(self) -> int:
        return len({target.procedure_id for target in self.targets if target.legal_number})

    def skip_counts(self) -> list[tuple[str, int]]:
        counts = Counter(target.skip for target in self.skipped)
        return [(reason, counts[reason]) for reason in (NOT_PUBLISHED, ALREADY_MARKED, INVALID) if counts[reason]]


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def selected_procedure_ids(selection: Selection) -> tuple[list[int], list[str]]:
    """(ids of the selected procedures in code order, chosen codes that do not exist)."""
    if selection.all_matching:
        return search.matching_ids(selection.search_request()), []
    codes = list(dict.fromkeys(selection.codes))
    found: dict[str, int] = {}
    for chunk in _chunks(codes):
        found.update(db.session.execute(select(Procedure.code, Procedure.id).where(Procedure.code.in_(chunk))).all())
    return [found[code] for code in sorted(found)], [code for code in codes if code not in found]


def _matches(kind: str, folded: str,
             procedure_ids: list[int]) -> Iterator[tuple[int, str, str, int, str, str | None, Match]]:
    """(procedure id, code, status, version id, language, element key, match) for every element
    of the kind in the current versions of the procedures whose text matches."""
    for chunk in _chunks(procedure_ids):
        base = (select(Procedure.id, Procedure.code, Procedure.status, ProcedureVersion.id, ProcedureVersion.lang)
                .join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
                .where(Procedure.id.in_(chunk)))
        if kind == "procedure":
            rows = db.session.execute(base.add_columns(ProcedureVersion.title).order_by(Procedure.code))
            for pid, code, status, version_id, lang, title in rows:
                match = find(folded, title)
                if match:
                    yield pid, code, status, version_id, lang, None, match
            continue
        model, columns = _TEXT_COLUMNS[kind]
        rows = db.session.execute(
            base.join(model, model.version_id == ProcedureVersion.id)
            .add_columns(model.eid, *(getattr(model, name) for name in columns))
            .order_by(Procedure.code, model.position))
        for pid, code, status, version_id, lang, eid, *texts in rows:
            match = find(folded, " · ".join(text for text in texts if text) or None)
            if match:
                yield pid, code, status, version_id, lang, f"{kind}:{eid}", match


def _records(version_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    records: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(sorted(set(version_ids))):
        records.update(db.session.execute(select(ProcedureVersion.id, ProcedureVersion.record)
                                          .where(ProcedureVersion.id.in_(chunk))).all())
    return records


def _open_marks(action: str, procedure_ids: list[int]) -> set[tuple[int, str | None]]:
    found: set[tuple[int, str | None]] = set()
    for chunk in _chunks(procedure_ids):
        found.update(db.session.execute(select(Mark.procedure_id, Mark.element_key).where(
            Mark.procedure_id.in_(chunk), Mark.action == action, Mark.status.in_(OPEN_STATUSES))).all())
    return found


def _versions_with_number(number: str, version_ids: list[int]) -> set[int]:
    if not number:
        return set()
    found: set[int] = set()
    for chunk in _chunks(sorted(set(version_ids))):
        found.update(db.session.scalars(select(LegalBasis.version_id).where(
            LegalBasis.version_id.in_(chunk), LegalBasis.number == number)))
    return found


def _procedure_exists(cache: dict[str, bool]) -> Callable[[str], bool]:
    def exists(code: str) -> bool:
        if code not in cache:
            cache[code] = db.session.scalar(select(Procedure.id).where(Procedure.code == code)) is not None
        return cache[code]
    return exists


def _digest(code: str, element_key: str | None, data: Any, legal_number: str | None) -> str:
    """What a preview showed about one target: which element, its content, the legal number."""
    content = hashlib.sha256(f"{target_hash(data)}|{legal_number or ''}".encode()).hexdigest()[:10]
    return f"{code}|{element_key or ''}|{content}"


def plan(request: BulkRequest, actor) -> Plan:
    """The targets of a bulk request, and the ones skipped with their reason."""
    if not permissions.can_create(actor):
        raise BulkForbidden(_("Only reviewers and admins create marks."))
    check_request(request)
    try:
        procedure_ids, missing = selected_procedure_ids(request.selection)
    except search.QueryError as exc:
        raise BulkInvalid({"selection": _("The search of this selection cannot be read.")}) from exc
    except search.IndexUnavailable as exc:
        raise BulkInvalid({"selection": _("The search index of this server is unavailable while it is "
                                          "being built; try again in a few minutes.")}) from exc
    result = Plan(request, procedure_count=len(procedure_ids), missing_codes=missing)
    folded = fold_pattern(request.pattern)
    found = list(_matches(request.kind, folded, procedure_ids))
    published = [row for row in found if row[2] == "published"]
    marked = _open_marks(request.action, sorted({row[0] for row in published}))
    records = _records(row[3] for row in published if (row[0], row[5]) not in marked)
    numbered = _versions_with_number(request.legal_number, list(records))
    exists = _procedure_exists({})
    values = {name: value for name, value in request.values.items() if name in COMMON_FIELDS}
    legal_text = (values.get("legal_text") or "").strip()
    for pid, code, status, version_id, lang, key, match in found:
        target = Target(pid, code, key, match, lang)
        if status != "published":
            target.skip = NOT_PUBLISHED
        elif (pid, key) in marked:
            target.skip = ALREADY_MARKED
        else:
            record = records[version_id]
            target.legal_number = request.legal_number if version_id in numbered else None
            try:
                clean_params(request.action, values.get("params"), element_key=key, record=record,
                             procedure_exists=exists)
            except RuleError as exc:
                target.skip, target.problem = INVALID, "; ".join(exc.errors.values())
            else:
                if (request.propose and request.action != "keep" and values.get("reason") != "no_legal_basis"
                        and not (target.legal_number or legal_text)):
                    target.skip = INVALID
                    target.problem = _("Name the legal text to amend before proposing.")
            target.digest = _digest(code, key, target_data(record, key), target.legal_number)
        (result.skipped if target.skip else result.targets).append(target)
    return result


# -- the signed plan ---------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SIGNING_SALT)


def _plans_folder() -> Path:
    return storage.folder(PLANS_FOLDER)


def _fingerprint(digests: list[str]) -> str:
    return hashlib.sha256("\n".join(digests).encode("utf-8")).hexdigest()


def sign_plan(result: Plan, actor) -> str:
    """A signed token for the confirm form: the request, and a reference to the previewed
    targets' digests, which are kept on the server (``<STORAGE_DIR>/bulk-plans``) so that the
    form stays small however many targets there are. Plans older than a day are removed."""
    folder = _plans_folder()
    cutoff = time.time() - PLAN_MAX_AGE
    for old in folder.glob("*.json"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    plan_id = uuid.uuid4().hex
    digests = result.digests
    partial = folder / f"{plan_id}.partial"
    partial.write_text(json.dumps({"user": actor.id, "targets": digests}), encoding="utf-8")
    os.replace(partial, folder / f"{plan_id}.json")
    return _serializer().dumps({"user": actor.id, "request": result.request.to_json(), "plan": plan_id,
                                "targets": _fingerprint(digests)})


def read_plan(token: str, actor) -> tuple[BulkRequest, list[str]]:
    """(request, previewed target digests) from a signed plan of this actor; ``BulkError``
    when it is missing, forged, someone else's or too old."""
    try:
        data = _serializer().loads(token or "", max_age=PLAN_MAX_AGE)
        if data["user"] != actor.id:
            raise BadSignature("another user's plan")
        plan_id = str(data["plan"])
        if not plan_id.isalnum():
            raise BadSignature("not a plan id")
        stored = json.loads((_plans_folder() / f"{plan_id}.json").read_text(encoding="utf-8"))
        digests = [str(digest) for digest in stored["targets"]]
        if stored["user"] != actor.id or _fingerprint(digests) != data["targets"]:
            raise BadSignature("the stored plan is not the signed one")
        return BulkRequest.from_json(data["request"]), digests
    except (BadSignature, KeyError, TypeError, ValueError, OSError) as exc:
        raise BulkError(_("This preview is no longer valid. Preview again.")) from exc


# -- applying ----------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What ``apply_plan`` made: the marks as (mark id, code, element key), and the audit row."""

    operation: str
    marks: list[tuple[int, str, str | None]]
    procedures: int
    proposed: bool
    audit_id: int | None = None

    @property
    def count(self) -> int:
        return len(self.marks)


def apply_plan(request: BulkRequest, previewed: list[str], actor, *, operation: str | None = None,
               progress: Callable[[int, int], None] | None = None) -> Outcome:
    """Create (and optionally propose) the previewed marks; the caller commits, or rolls back
    on any error. Raises ``BulkChanged`` when the targets are no longer the previewed ones and
    ``BulkFailed`` when a mark cannot be made."""
    current = plan(request, actor)
    now, seen = set(current.digests), set(previewed)
    if now != seen:
        raise BulkChanged(sorted(seen - now), sorted(now - seen))
    values = {name: value for name, value in request.values.items() if name in COMMON_FIELDS}
    made: list[tuple[int, str, str | None]] = []
    total = len(current.targets)
    for done, target in enumerate(current.targets, start=1):
        try:
            mark = review.create_mark(target.procedure_id, target.element_key,
                                      {**values, "legal_number": target.legal_number or ""}, actor)
            if request.propose:
                review.propose_mark(mark.id, mark.revision, actor)
        except review.MarkError as exc:
            raise BulkFailed(target.code, target.element_key, str(exc)) from exc
        made.append((mark.id, target.code, target.element_key))
        if progress:
            progress(done, total)
    operation = operation or uuid.uuid4().hex
    entry = audit.record(actor, "bulk.marked", AUDIT_OBJECT, operation, new={
        "kind": request.kind, "pattern": request.pattern, "action": request.action,
        "params": dict(values.get("params") or {}), "reason": values.get("reason"),
        "legal_number": request.legal_number or None, "proposed": request.propose,
        "selection": {"all_matching": request.selection.all_matching, "query": request.selection.text,
                      "filters": {name: list(chosen) for name, chosen in request.selection.filters},
                      "codes": list(request.selection.codes)},
        "marks": len(made), "procedures": current.marked_procedures, "mark_ids": [mark_id for mark_id, *_ in made],
    }, message=f"{request.action} {request.kind} {request.pattern}".strip())
    db.session.flush()
    return Outcome(operation, made, current.marked_procedures, request.propose, entry.id)


def start_job(token: str, actor, locale) -> jobs.Job:
    """Queue the application of a signed plan (kind ``bulk_mark``), run in one transaction.

    The plan is read (and its owner checked) before the job is queued; ``locale`` is the
    language of the job's messages, as for imports.
    """
    _request, previewed = read_plan(token, actor)
    label_text = ngettext("%(num)s mark", "%(num)s marks", len(previewed))
    return jobs.enqueue(JOB_KIND, label=label_text, owner_id=actor.id,
                        params={"plan": token, "locale": str(locale), "targets": len(previewed)})


def outcome_json(outcome: Outcome) -> dict:
    return {"operation": outcome.operation, "marks": [list(mark) for mark in outcome.marks],
            "procedures": outcome.procedures, "proposed": outcome.proposed, "audit_id": outcome.audit_id,
            "count": outcome.count}


@jobs.handler(JOB_KIND)
def run_job(job: jobs.Running) -> dict:
    """All marks or none: an interrupted job has written nothing."""
    from app.auth.models import User
    from app.i18n.locale import as_locale

    with force_locale(as_locale(job.params.get("locale") or "en")):
        try:
            actor = db.session.get(User, job.owner_id)
            request, previewed = read_plan(job.params["plan"], actor)
            job.progress("check", 0, len(previewed))
            outcome = apply_plan(request, previewed, actor, operation=job.id,
                                 progress=lambda done, total: job.progress("write", done, total))
            job.progress("commit")
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            if isinstance(exc, BulkFailed):
                raise jobs.JobFailed(str(exc), [[exc.code, exc.element_key, exc.reason]]) from exc
            if isinstance(exc, BulkError):
                raise jobs.JobFailed(str(exc)) from exc
            current_app.logger.exception("bulk marking job %s failed", job.id)
            raise jobs.JobFailed(_("The marks could not be written.")) from exc
    return outcome_json(outcome)
