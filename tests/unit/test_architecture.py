"""The core imports only the standard library and itself; import-linter's contracts hold."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "core"
ALLOWED = frozenset(sys.stdlib_module_names) | {"core"}


def outside_imports(source: str) -> list[str]:
    """Absolute imports of ``source`` whose top-level package is neither stdlib nor core."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue  # relative imports stay inside core
        found += [name for name in names if name.partition(".")[0] not in ALLOWED]
    return found


def core_modules() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def test_the_import_check_catches_third_party_and_outer_layer_imports() -> None:
    source = (
        "import os, httpx\n"
        "from sqlalchemy.orm import Session\n"
        "from storage import db\n"
        "from core.domain import User\n"
        "from . import errors\n"
        "if TYPE_CHECKING:\n"
        "    import discord\n"
        "def f():\n"
        "    import telegram.ext\n"
    )

    assert outside_imports(source) == [
        "httpx",
        "sqlalchemy.orm",
        "storage",
        "discord",
        "telegram.ext",
    ]


def test_core_has_modules_to_check() -> None:
    names = {p.stem for p in core_modules()}

    assert {"domain", "ports", "requests", "notifications", "services"} <= names


@pytest.mark.parametrize("module", core_modules(), ids=lambda p: p.stem)
def test_a_core_module_imports_only_the_standard_library_and_core(module: Path) -> None:
    assert outside_imports(module.read_text(encoding="utf-8")) == []


def test_import_linter_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    command = str(lint_imports) if lint_imports.exists() else shutil.which("lint-imports")
    assert command, "import-linter is not installed (pip install -e '.[dev]')"

    done = subprocess.run(
        [command, "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
