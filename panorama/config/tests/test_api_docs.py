"""Every REST endpoint is documented in docs/api.md (as datasette's docs tests do)."""

import re
from pathlib import Path

from panorama.config.api import api

DOCS = (Path(__file__).resolve().parents[3] / "docs" / "api.md").read_text()


def _documented() -> set[tuple[str, str]]:
    """(METHOD, path) of each endpoint heading, path parameters normalised to {}."""
    found = set()
    for method, path in re.findall(r"^#+ `(GET|POST|PUT|PATCH|DELETE) ([^`?]+)", DOCS, re.M):
        found.add((method, re.sub(r"\{[^}]+\}", "{}", path.strip())))
    return found


def test_every_endpoint_in_the_openapi_schema_is_documented():
    schema = api.get_openapi_schema()
    served = {
        (method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
        for path, operations in schema["paths"].items()
        for method in operations
    }
    assert served, "the API serves no endpoint?"
    missing = sorted(served - _documented())
    assert not missing, f"document these in docs/api.md: {missing}"
