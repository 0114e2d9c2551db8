"""What a mark may say: which actions apply to which targets, and the values each action needs.

Pure functions over an import record (``ProcedureVersion.record``); the services call them
before writing. Problems are collected per field (``{"params.database": "..."}``) so that a
form can show each one beside its input.
"""
from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from app.catalog.models import LEVELS, TIME_UNITS
from app.catalog.records import SCALAR_FIELDS, canonical_json, flatten, normalise
from app.review.labels import ACTION, TARGET_KIND, label
from app.review.models import DATABASES, REASONS, TARGET_KINDS
from app.review.numbers import Unreadable

# Which targets each action applies to.
ACTION_TARGETS: dict[str, frozenset[str]] = {
    "keep": frozenset({"procedure"}),
    "abolish": frozenset({"procedure"}),
    "simplify": frozenset({"procedure"}),
    "replace": frozenset({"procedure"}),
    "merge_with": frozenset({"procedure", "document", "field", "requirement", "fee"}),
    "change_level": frozenset({"procedure"}),
    "make_fully_online": frozenset({"procedure"}),
    "remove": frozenset({"document", "field", "requirement", "channel"}),
    "make_optional": frozenset({"document", "field"}),
    "reuse_from_database": frozenset({"document", "field"}),
    "accept_copy": frozenset({"document"}),
    "fewer_copies": frozenset({"document"}),
    "shorten_time": frozenset({"procedure", "channel"}),
    "reduce_fee": frozenset({"fee", "channel"}),
    "exempt_fee": frozenset({"fee", "channel"}),
    "remove_step": frozenset({"step"}),
    "merge_steps": frozenset({"step"}),
    "parallel_steps": frozenset({"step"}),
}
# Actions whose effect on the cost is fixed: keeping saves nothing, abolishing saves everything.
FIXED_EFFECT_ACTIONS = ("keep", "abolish")
EFFECT_FIELDS = ("hours_saved_per_case", "fees_saved_vnd", "other_saved_vnd")
COPY_FORMS = ("copy", "e_copy")
CODE_PATTERN = re.compile(r"^[0-9]+\.[0-9]{6}$")


class RuleError(ValueError):
    """A mark that breaks the rules; ``errors`` maps a field name to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


# -- targets -----------------------------------------------------------------------------------

def parse_target(element_key: str | None) -> str:
    """The target kind of an element key (``"field:d1.f3"`` -> ``"field"``); None -> procedure."""
    if element_key is None:
        return "procedure"
    kind, sep, ident = element_key.partition(":")
    if not sep or not ident or kind not in TARGET_KINDS or kind == "procedure":
        raise RuleError({"element_key": _("%(key)s is not the key of a markable element.", key=element_key)})
    return kind


def target_data(record: dict[str, Any], element_key: str | None) -> dict[str, Any] | None:
    """The data a mark is about in a record: the element (as ``flatten`` gives it), or for a
    procedure mark its top-level properties; None when the element is not in the record."""
    if element_key is None:
        return {name: record[name] for name in SCALAR_FIELDS if name in record}
    return flatten(record).get(element_key)


def target_hash(data: dict[str, Any]) -> str:
    """Canonical hash of a target's data: NFC text, sorted keys, compact UTF-8 JSON, SHA-256."""
    return hashlib.sha256(canonical_json(normalise(data)).encode("utf-8")).hexdigest()


def check_action(action: str, target_kind: str) -> None:
    if not action:
        raise RuleError({"action": _("Choose an action.")})
    if action not in ACTION_TARGETS:
        raise RuleError({"action": _("Unknown action %(action)s.", action=action)})
    if target_kind not in ACTION_TARGETS[action]:
        raise RuleError({"action": _("%(action)s does not apply to a %(target)s.",
                                     action=label(ACTION, action), target=label(TARGET_KIND, target_kind))})


# -- values ------------------------------------------------------------------------------------

def parse_number(value: Any) -> Decimal | None:
    """A non-negative finite number from a number or a plain decimal string; None when empty.

    Strings use a decimal point and no thousands separators ("1500000", "0.5"): "150.000"
    would be 150 here but 150,000 to a Vietnamese reader, so forms read what people type with
    the interface locale first (``numbers.read_field``); what they could not read arrives as
    ``Unreadable`` and its message is the error.
    """
    if isinstance(value, Unreadable):
        raise ValueError(value.message)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("not a finite number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError("not a number") from exc
    if not number.is_finite() or number < 0:
        raise ValueError("negative or not finite")
    return number


def _unreadable_message(value: Any, default: str) -> str:
    return value.message if isinstance(value, Unreadable) else default


def clean_effects(values: Mapping[str, Any], action: str, errors: dict[str, str]) -> dict[str, float | None]:
    """The estimated effect fields as floats (or None: not estimated)."""
    cleaned: dict[str, float | None] = {}
    for name in EFFECT_FIELDS:
        if name not in values:
            continue
        try:
            number = parse_number(values[name])
        except ValueError:
            errors[name] = _unreadable_message(values[name], _("Enter a number of zero or more."))
            continue
        if number is not None and action in FIXED_EFFECT_ACTIONS:
            errors[name] = _("%(action)s has a fixed effect on the cost; leave the estimate empty.",
                             action=label(ACTION, action))
            continue
        cleaned[name] = None if number is None else float(number)
    return cleaned


def check_reason(reason: Any, errors: dict[str, str]) -> str | None:
    if reason in (None, ""):
        return None
    if reason not in REASONS:
        errors["reason"] = _("Unknown reason %(reason)s.", reason=reason)
        return None
    return reason


def check_legal_number(number: Any, record: dict[str, Any], errors: dict[str, str]) -> str | None:
    """A legal basis number must be one of the procedure's; free text goes in legal_text."""
    if number in (None, ""):
        return None
    numbers = [item["number"] for item in record.get("legal_basis") or []]
    if number not in numbers:
        errors["legal_number"] = _("%(number)s is not in the legal basis of this procedure.", number=number)
        return None
    return number


# -- parameters per action ---------------------------------------------------------------------

def clean_params(action: str, params: Mapping[str, Any] | None, *, element_key: str | None,
                 record: dict[str, Any], procedure_exists: Callable[[str], bool]) -> dict[str, Any]:
    """Check the action-specific values of a mark against its target; return them cleaned.

    ``record`` is the version the mark is made on; ``procedure_exists(code)`` says whether
    another procedure exists (for merging procedures).
    """
    if params is not None and not isinstance(params, Mapping):
        raise RuleError({"params": _("This value cannot be set.")})  # values come by name, in a mapping
    params = dict(params or {})
    target_kind = parse_target(element_key)
    check_action(action, target_kind)
    data = target_data(record, element_key)
    if data is None:
        raise RuleError({"element_key": _("%(key)s is not an element of this version.", key=element_key)})
    errors: dict[str, str] = {}
    cleaner = _PARAMS.get(action)
    context = _Context(target_kind, element_key, data, record, procedure_exists)
    cleaned = cleaner(params, errors, context) if cleaner else {}
    for name, value in params.items():
        # Empty inputs a form sends for values this action does not use are ignored.
        if value in (None, "") or name in cleaned or f"params.{name}" in errors:
            continue
        errors[f"params.{name}"] = _("%(action)s takes no value %(name)s.", action=label(ACTION, action),
                                     name=name)
    if errors:
        raise RuleError(errors)
    return cleaned


@dataclass(frozen=True)
class _Context:
    """What a parameter check may look at: the target and the version it is in."""

    kind: str
    key: str | None
    data: dict[str, Any]
    record: dict[str, Any]
    procedure_exists: Callable[[str], bool]


def _required(params, name, errors, *, text: bool = True) -> Any:
    """A value the action needs: stripped text (codes, keys, choices), or any value for numbers."""
    value = params.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        errors[f"params.{name}"] = _("This value is required.")
        return None
    if text and not isinstance(value, str):
        errors[f"params.{name}"] = _("Enter text.")
        return None
    if isinstance(value, Unreadable):
        return value  # a number the form could not read: _number reports why
    return value.strip() if isinstance(value, str) else value


def _number(params, name, errors, *, whole: bool = False) -> Decimal | None:
    value = _required(params, name, errors, text=False)
    if value is None:
        return None
    if isinstance(value, Unreadable):
        errors[f"params.{name}"] = value.message
        return None
    try:
        number = parse_number(value)
    except ValueError:
        number = None
    if number is None or (whole and number != number.to_integral_value()):
        errors[f"params.{name}"] = (_("Enter a whole number of zero or more.") if whole
                                    else _("Enter a number of zero or more."))
        return None
    return number


def _merge_with(params, errors, ctx: _Context) -> dict[str, Any]:
    if ctx.kind == "procedure":
        code = _required(params, "code", errors)
        if code is None:
            return {}
        if not CODE_PATTERN.match(str(code)):
            errors["params.code"] = _("%(code)s is not a procedure code.", code=code)
        elif code == ctx.record.get("code"):
            errors["params.code"] = _("A procedure cannot be merged with itself.")
        elif not ctx.procedure_exists(code):
            errors["params.code"] = _("There is no procedure %(code)s.", code=code)
        return {"code": code}
    key = _required(params, "key", errors)
    if key is None:
        return {}
    if key == ctx.key:
        errors["params.key"] = _("An element cannot be merged with itself.")
    elif not str(key).startswith(ctx.kind + ":") or key not in flatten(ctx.record):
        errors["params.key"] = _("%(key)s is not another %(target)s of this procedure.", key=key,
                                 target=label(TARGET_KIND, ctx.kind))
    return {"key": key}


def _change_level(params, errors, ctx: _Context) -> dict[str, Any]:
    level = _required(params, "level", errors)
    if level is None:
        return {}
    if level not in LEVELS:
        errors["params.level"] = _("Unknown level %(level)s.", level=level)
    elif list(ctx.record.get("level") or []) == [level]:
        errors["params.level"] = _("The procedure is already carried out at this level only.")
    return {"level": level}


def _make_fully_online(params, errors, ctx: _Context) -> dict[str, Any]:
    if ctx.record.get("online_level") == "full":
        errors["action"] = _("The procedure is already fully online.")
    return {}


def _replace(params, errors, ctx: _Context) -> dict[str, Any]:
    # Optional: what replaces the procedure (a notification, a post-check...).
    by = params.get("by")
    if by is None or by == "":
        return {}
    if not isinstance(by, str):
        errors["params.by"] = _("Describe the replacement in words.")
        return {}
    return {"by": by.strip()} if by.strip() else {}


def _make_optional(params, errors, ctx: _Context) -> dict[str, Any]:
    if ctx.data.get("required", True) is False:
        errors["action"] = _("%(key)s is already optional.", key=ctx.key)
    return {}


def _reuse_from_database(params, errors, ctx: _Context) -> dict[str, Any]:
    database = _required(params, "database", errors)
    if database is None:
        return {}
    if database not in DATABASES:
        errors["params.database"] = _("Unknown database %(name)s.", name=database)
        return {"database": database}
    name = (params.get("name") or "").strip()
    if database == "other" and not name:
        errors["params.name"] = _("Name the database.")
    if database != "other" and name:
        errors["params.name"] = _("A name is only given for another database.")
    return {"database": database, "name": name} if database == "other" else {"database": database}


def _accept_copy(params, errors, ctx: _Context) -> dict[str, Any]:
    form = _required(params, "form", errors)
    if form is not None and form not in COPY_FORMS:
        errors["params.form"] = _("Choose a copy or an electronic copy.")
    return {"form": form} if form is not None else {}


def _fewer_copies(params, errors, ctx: _Context) -> dict[str, Any]:
    copies = _number(params, "copies", errors, whole=True)
    if copies is None:
        return {"copies": params.get("copies")} if "copies" in params else {}
    current = ctx.data.get("copies")
    if current is not None and copies >= current:
        errors["params.copies"] = _("The document asks for %(count)s copies; propose fewer.", count=current)
    return {"copies": int(copies)}


def _shorten_time(params, errors, ctx: _Context) -> dict[str, Any]:
    value = _number(params, "value", errors)
    unit = _required(params, "unit", errors)
    if unit is not None and unit not in TIME_UNITS:
        errors["params.unit"] = _("Unknown time unit %(unit)s.", unit=unit)
    if value is None or unit is None:
        return {name: params[name] for name in ("value", "unit") if name in params}
    current = ctx.data.get("processing_time") or {}
    # Durations in different units (days, working days) are not comparable without a calendar.
    if current.get("unit") == unit and current.get("value") is not None and value >= Decimal(str(current["value"])):
        errors["params.value"] = _("The processing time is already %(value)s; propose a shorter one.",
                                   value=current["value"])
    return {"value": float(value), "unit": unit}


def _reduce_fee(params, errors, ctx: _Context) -> dict[str, Any]:
    amount = _number(params, "amount_vnd", errors)
    if amount is None:
        return {"amount_vnd": params.get("amount_vnd")} if "amount_vnd" in params else {}
    current = ctx.data.get("amount_vnd") if ctx.kind == "fee" else None
    if current is not None and amount >= Decimal(str(current)):
        errors["params.amount_vnd"] = _("The fee is %(amount)s VND; propose a lower amount.", amount=current)
    return {"amount_vnd": float(amount)}


def _exempt_fee(params, errors, ctx: _Context) -> dict[str, Any]:
    if ctx.kind == "fee" and ctx.data.get("amount_vnd") == 0:
        errors["action"] = _("%(key)s is already free.", key=ctx.key)
    return {}


def _other_steps(params, errors, ctx: _Context) -> dict[str, Any]:
    steps = params.get("steps")
    if not isinstance(steps, list | tuple) or not steps:
        errors["params.steps"] = _("Choose at least one other step.")
        return {"steps": steps} if "steps" in params else {}
    elements = flatten(ctx.record)
    wrong = [key for key in steps if not isinstance(key, str) or not key.startswith("step:")
             or key not in elements or key == ctx.key]
    if wrong or len(set(steps)) != len(steps):
        errors["params.steps"] = _("Choose other steps of this procedure, each once.")
    return {"steps": list(steps)}


_PARAMS: dict[str, Callable[[dict, dict, _Context], dict[str, Any]]] = {
    "merge_with": _merge_with,
    "change_level": _change_level,
    "make_fully_online": _make_fully_online,
    "replace": _replace,
    "make_optional": _make_optional,
    "reuse_from_database": _reuse_from_database,
    "accept_copy": _accept_copy,
    "fewer_copies": _fewer_copies,
    "shorten_time": _shorten_time,
    "reduce_fee": _reduce_fee,
    "exempt_fee": _exempt_fee,
    "merge_steps": _other_steps,
    "parallel_steps": _other_steps,
}
