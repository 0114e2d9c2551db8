"""Signals the catalog sends, so that other features react without the catalog knowing them."""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent inside the publishing transaction with ``procedure_ids``: the procedures whose public
# version changed (published, updated or abolished). Receivers write in the same transaction.
versions_published = _signals.signal("versions-published")
