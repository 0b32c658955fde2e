"""The README is the users' document: short enough to read, the two commands on its first screen."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
FIRST_SCREEN_LINES = 25


def test_readme_stays_under_15000_characters():
    # History of measurements belongs in docs/benchmarks.md, not here (issue 13).
    assert len(README.read_text(encoding="utf-8")) < 15_000


def test_first_screen_gives_the_two_commands():
    first_screen = "\n".join(README.read_text(encoding="utf-8").splitlines()[:FIRST_SCREEN_LINES])
    assert "make report" in first_screen and "make test" in first_screen
