"""``flask review``: commands of the review module."""
from __future__ import annotations

import click


@click.group("review")
def review_cli():
    """Review marks, progress and the simplification plan."""
