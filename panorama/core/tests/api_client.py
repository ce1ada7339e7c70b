"""Test support for the REST API: requests as a persona, and a snapshot of every record table
to show that a refused request changed nothing."""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.db.models import Model
from django.test import Client

from panorama.core.models import ApiToken, RecordChange, User

RECORD_APPS = ("customers", "revenue", "support", "timeline")


class Api:
    """Requests under ``/api{prefix}`` with a persona's bearer token: ``api.get(path, as_=…)``."""

    def __init__(self, prefix: str, users: dict[str, User]) -> None:
        self.prefix = prefix
        self.client = Client()
        self.tokens = {name: ApiToken.issue(user=u, name="test")[1] for name, u in users.items()}

    def send(self, method: str, path: str, body: Any = None, *, as_: str = "member") -> Any:
        kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {self.tokens[as_]}"}}
        if body is not None:
            kwargs |= {"data": json.dumps(body), "content_type": "application/json"}
        return getattr(self.client, method)(f"/api{self.prefix}{path}", **kwargs)

    def get(self, path: str, **kw: Any) -> Any:
        return self.send("get", path, **kw)

    def post(self, path: str, body: Any, **kw: Any) -> Any:
        return self.send("post", path, body, **kw)

    def patch(self, path: str, body: Any, **kw: Any) -> Any:
        return self.send("patch", path, body, **kw)

    def put(self, path: str, **kw: Any) -> Any:
        return self.send("put", path, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.send("delete", path, **kw)


def database() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the record tables and of the audit log."""
    models: list[type[Model]] = [
        m
        for label in RECORD_APPS
        for m in apps.get_app_config(label).get_models(include_auto_created=True)
    ]
    models.append(RecordChange)
    return {
        model._meta.label: sorted(model._default_manager.values_list(), key=repr)
        for model in models
    }


def ids(response: Any) -> set[int]:
    return {item["id"] for item in response.json()["items"]}
