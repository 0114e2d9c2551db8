"""View helpers of the review pages: what templates call to show review data (numbers as the
form reads them back, the saving of a row). Kept out of ``routes`` so that the routes stay
the thin layer between requests and the services."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint

from app.review import numbers


def form_number(value: Any) -> str:
    """A number as the mark form shows it for editing ("0,5" in Vietnamese)."""
    return numbers.in_form(value)


def number_echo_text(name: str, value: Any) -> str:
    """A number beside its input as it will be saved ("= 20.000 ₫")."""
    if isinstance(value, float):
        value = Decimal(repr(value))
    elif isinstance(value, int):
        value = Decimal(value)
    return numbers.echo(name, value)


def register(bp: Blueprint) -> None:
    """Make the helpers available to every template (the review's forms appear on other pages)."""
    bp.add_app_template_filter(form_number, "form_number")
    bp.add_app_template_global(number_echo_text, "number_echo_text")
    bp.add_app_template_global(numbers.example, "number_example")
