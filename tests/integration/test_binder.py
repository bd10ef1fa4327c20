"""Binder's requirements resolve against the package's own extras, in this environment."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import tomllib
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def binder_lines() -> list[str]:
    text = (ROOT / "binder" / "requirements.txt").read_text()
    return [line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip()]


def test_binder_installs_this_repository_with_existing_extras() -> None:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    extras = set(project["optional-dependencies"])
    local = [line for line in binder_lines() if line.startswith(".")]
    assert local, "binder/requirements.txt must install this repository"
    for line in local:
        match = re.fullmatch(r"\.(\[([\w,\s-]+)\])?", line)
        assert match, line
        wanted = {e.strip() for e in (match.group(2) or "").split(",") if e.strip()}
        assert wanted <= extras, f"unknown extras {wanted - extras}"
        assert "demo" in wanted


def test_every_requirement_of_the_demo_is_satisfied_here() -> None:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    requirements = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["demo"]]
    requirements += [Requirement(line) for line in binder_lines() if not line.startswith(".")]
    for req in requirements:
        installed = metadata.version(req.name)
        assert req.specifier.contains(installed, prereleases=True), f"{req} but {installed} is installed"


def test_binder_runs_in_demo_mode_and_needs_no_key() -> None:
    start = (ROOT / "binder" / "start").read_text()
    assert "VEO_DEMO=1" in start and 'exec "$@"' in start
    assert "AIMLAPI_KEY" not in "".join(binder_lines())
