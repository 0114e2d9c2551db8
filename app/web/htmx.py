"""One route serves the full page and its HTMX fragment."""
from __future__ import annotations

import json
from urllib.parse import quote

from flask import make_response, render_template, request


def wants_fragment() -> bool:
    """True for an HTMX request that is not a history restore (which needs the full page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


def render_page(page_template: str, fragment_template: str, status: int = 200, push_url: str | None = None,
                **context):
    """Render the fragment for HTMX requests and the full page (which includes it) otherwise."""
    template = fragment_template if wants_fragment() else page_template
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    if push_url and wants_fragment():
        # Header values must be ASCII for a real WSGI server: percent-encode the URL.
        response.headers["HX-Push-Url"] = quote(push_url, safe="/?&=%:#+,;")
    return response


def trigger_header(events: dict) -> str:
    """Encode an HX-Trigger value as ASCII-escaped JSON (non-ASCII header values break servers)."""
    return json.dumps(events, ensure_ascii=True)
