"""Every environment variable Panorama reads is documented in docs/configuration.md."""

import ast
from pathlib import Path

from panorama.config import env, settings

ROOT = Path(__file__).resolve().parents[3]
DOCS = (ROOT / "docs" / "configuration.md").read_text()


def test_every_variable_settings_read_is_documented():
    assert env.READ, "settings read no variable at all?"
    missing = sorted(name for name in env.READ if f"`{name}`" not in DOCS)
    assert not missing, f"document these in docs/configuration.md: {missing}"


def _direct_environment_reads(path: Path) -> list[str]:
    """Names read from os.environ/os.getenv in a file (literal names only)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = ast.unparse(node.func.value)
            if (target == "os.environ" and node.func.attr in {"get", "setdefault"}) or ast.unparse(
                node.func
            ) == "os.getenv":
                first = node.args[0]
                names.append(
                    str(first.value) if isinstance(first, ast.Constant) else ast.unparse(first)
                )
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            names.append(ast.unparse(node.slice).strip("'\""))
    return names


def test_code_outside_the_env_module_reads_only_documented_variables():
    """Variables read directly (tests, entry points) must be documented too."""
    undocumented: dict[str, list[str]] = {}
    files = [p for p in ROOT.glob("panorama/**/*.py") if p.name != "env.py"] + [
        ROOT / "conftest.py"
    ]
    for path in files:
        for name in _direct_environment_reads(path):
            if name in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}:  # Django's own
                continue
            if f"`{name}`" not in DOCS:
                undocumented.setdefault(str(path.relative_to(ROOT)), []).append(name)
    assert not undocumented, f"document these in docs/configuration.md: {undocumented}"


def test_a_generated_secret_key_is_private_and_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path)
    first = settings._default_secret_key()
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert settings._default_secret_key() == first
    assert len(first) > 50
