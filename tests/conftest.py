"""Fixtures shared by every kind of test.

Test folders by kind (see README "Tests"):
- unit/: one module against small hand-computed cases; fast, no build.
- functional/: the whole build on the synthetic sample, the site in headless Chromium, the PDF.
- reproduction/: the pipeline on the real publisher extracts in ../shared/data, against the
  interim report's published figures.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
SHARED_DATA_ABSENT = "../shared/data is absent: real publisher extracts are not part of a user's clone"

# The project's sources: what a build reads. Copied into a temporary project so tests never
# touch the developer's own _book/ or caches.
PROJECT_SOURCES = ("_quarto.yml", "_typst", "styles.css", "index.qmd", "references.qmd", "references.bib", "CHANGELOG.md",
                   "chapters", "analysis", "data")


def _required(variable: str) -> bool:
    """CI sets these so that a missing prerequisite fails instead of silently skipping."""
    return os.environ.get(variable, "") not in ("", "0")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real publisher extracts, read in place (never copied into the project)."""
    if not SHARED_DATA.is_dir():
        if _required("PCNREPORT_REQUIRE_SHARED_DATA"):
            pytest.fail(f"PCNREPORT_REQUIRE_SHARED_DATA is set but {SHARED_DATA} is absent")
        pytest.skip(SHARED_DATA_ABSENT)
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_data_later(shared_data) -> Path:
    """Real releases published after the interim report (../shared/data-later), beside ../shared/data;
    absent, a skip with the reason, or a failure where shared data are required (CI)."""
    folder = shared_data.parent / "data-later"
    if not folder.is_dir():
        if _required("PCNREPORT_REQUIRE_SHARED_DATA"):
            pytest.fail(f"PCNREPORT_REQUIRE_SHARED_DATA is set but {folder} is absent")
        pytest.skip(f"{folder} is absent: real later releases are not part of a user's clone")
    return folder


def copy_project(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_SOURCES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="session")
def project_copy():
    """A function that copies the project's sources into a folder and returns it."""
    return copy_project


@pytest.fixture(scope="session")
def built_project(tmp_path_factory):
    """A copy of the project built once from the synthetic sample, shared by the functional tests."""
    from pcnreport.build.pipeline import BuildOptions, build

    project = copy_project(tmp_path_factory.mktemp("project") / "pcn-report")
    # The pandoc + Typst path, even with Quarto on PATH: these tests read its markup (its search, its
    # "Figure 6.1" text); tests/functional/test_quarto.py builds with Quarto and compares the two.
    result = build(BuildOptions(project_dir=project, renderer="pandoc+typst"))
    return project, result


@pytest.fixture(scope="session")
def chromium_path() -> str:
    # PCNREPORT_CHROMIUM names another Chromium-based browser (GitHub's runners ship Google Chrome).
    path = os.environ.get("PCNREPORT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        if _required("PCNREPORT_REQUIRE_BROWSER"):
            pytest.fail("PCNREPORT_REQUIRE_BROWSER is set but Debian's chromium is not installed")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium): browser tests need it")
    return path
