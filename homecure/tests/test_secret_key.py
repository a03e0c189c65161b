"""Without SECRET_KEY (and DEBUG off) the app servers refuse to start, while commands that sign nothing run."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env["DEBUG"] = "false"
    command = [sys.executable, *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603


@pytest.mark.parametrize("module", ["homecure.wsgi", "homecure.asgi"])
def test_an_app_server_does_not_start_without_a_key(module):
    result = _run("-c", f"import {module}")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_checking_the_migrations_needs_no_key():
    result = _run("manage.py", "makemigrations", "--check", "--dry-run")

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
