"""Refuse custom SQL from tenant-facing Superset users.

Superset's row-level security adds each user's predicate to every query of a
dataset, but Explore also lets a user type SQL: an adhoc metric, column or
filter, or a WHERE/HAVING clause. A tenant-facing user (anyone without the
Admin role) may only pick the dataset's saved metrics and columns, so a
request carrying any SQL text is refused with 403 before a query runs."""

from __future__ import annotations

import json
import re
from typing import Any

# Explore sends a chart's x-axis as a SQL-typed column whose expression is
# just the column's name: a bare identifier is no custom SQL.
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Endpoints that turn form data or a query context into SQL, or save one.
GUARDED = (
    "/api/v1/chart/data",
    "/api/v1/chart/",
    "/api/v1/explore/",
    "/superset/explore_json",
    "/explore_json",
    "/api/v1/sqllab",
    "/superset/sql_json",
    "/api/v1/dataset/",
)
SQL_KEYS = ("sqlExpression", "where", "having", "sql")


def custom_sql(payload: Any) -> str | None:
    """The first piece of user-written SQL in a request payload, or None."""
    if isinstance(payload, dict):
        for key in SQL_KEYS:
            value = payload.get(key)
            if isinstance(value, str) and value.strip() and not (key == "sqlExpression" and IDENTIFIER.fullmatch(value.strip())):
                return f"{key}: {value.strip()[:60]}"
        for value in payload.values():
            found = custom_sql(value)
            if found:
                return found
    elif isinstance(payload, list):
        for value in payload:
            found = custom_sql(value)
            if found:
                return found
    elif isinstance(payload, str) and payload[:1] in "{[":
        # form_data and query_context travel as JSON inside JSON or forms
        try:
            return custom_sql(json.loads(payload))
        except ValueError:
            return None
    return None


def request_payloads(request) -> list[Any]:
    payloads: list[Any] = [dict(request.args)]
    if request.form:
        payloads.append(dict(request.form))
    body = request.get_json(silent=True)
    if body is not None:
        payloads.append(body)
    return payloads


def current_roles() -> set[str]:
    """Role names of the request's user: session cookie or JWT bearer."""
    from flask_jwt_extended import get_current_user, verify_jwt_in_request
    from flask_login import current_user

    user = current_user if getattr(current_user, "is_authenticated", False) else None
    if user is None:
        try:
            verify_jwt_in_request(optional=True)
            user = get_current_user()
        except Exception:  # noqa: BLE001 - a bad token: Superset answers 401
            user = None
    return {role.name for role in getattr(user, "roles", None) or []}


def install_guard(app) -> None:
    """FLASK_APP_MUTATOR: register the before_request check."""
    from flask import jsonify, request

    @app.before_request
    def refuse_custom_sql():
        if not request.path.startswith(GUARDED):
            return None
        roles = current_roles()
        if not roles or "Admin" in roles:
            return None  # anonymous requests are refused by Superset itself
        if request.path.startswith(("/api/v1/sqllab", "/superset/sql_json")):
            return jsonify(message="SQL Lab is not available to this user"), 403
        if request.path.startswith("/api/v1/dataset/") and request.method != "GET":
            return jsonify(message="datasets are read-only for this user"), 403
        for payload in request_payloads(request):
            found = custom_sql(payload)
            if found:
                return jsonify(message=f"custom SQL is not allowed ({found})"), 403
        return None
