"""Access policy: every view declares who may call it, and a request hook refuses any view
that declares nothing, so a new route is closed until someone opens it on purpose."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from app.auth.models import ROLES

PUBLIC = "public"
ANY_ROLE = frozenset(ROLES)


def _policy(view: Callable, value) -> Callable:
    view.access_policy = value  # read by enforce_access_policy and the role-matrix test
    return view


def public(view: Callable) -> Callable:
    """Open to anyone, logged in or not (login page, health check)."""
    return _policy(view, PUBLIC)


def roles_required(*roles: str) -> Callable[[Callable], Callable]:
    """Allow users holding at least one of ``roles``."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)
        return _policy(wrapper, frozenset(roles))
    return decorate


def any_role(view: Callable) -> Callable:
    """Allow every logged-in user, whatever role they hold."""
    return roles_required(*ROLES)(view)


def _login_redirect():
    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if request.headers.get("HX-Request"):
        # A swap would put the login page inside a fragment; send the browser there instead.
        response = current_app.response_class(status=401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def enforce_access_policy():
    """``before_request`` hook: check the declared policy of the matched view."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    policy = getattr(view, "access_policy", None)
    if policy is None:
        # Fail closed: a view without a declared policy is a programming error.
        current_app.logger.error("view %s declares no access policy", request.endpoint)
        abort(403)
    if policy == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return _login_redirect()
    if current_user.must_change_password and request.endpoint not in ("auth.change_password", "auth.logout"):
        return redirect(url_for("auth.change_password"))
    if not current_user.has_role(*policy):
        abort(403)
    return None
