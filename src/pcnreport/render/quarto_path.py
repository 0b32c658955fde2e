"""Render with Quarto itself when it is installed: Quarto owns the whole job, we only check the outputs.

A Quarto book renders only its chapters and appendices: it replaces `project.render` with that list
(quarto-cli's book-config.ts), so the website-only pages `project.render` adds (the CCG or sub-ICB
profiles) would never be rendered and every link to them would be dead. So Quarto runs twice:

1. the website, with a configuration profile (`_quarto-website.yml`, written at the project root for
   this render and removed afterwards; Quarto reads profile files only there) that appends those pages
   to the book's appendices as one more part, folded in the sidebar;
2. the PDF, without that profile (the PDF carries the book alone, as the pandoc path's does), into a
   temporary folder beside the output, from which the PDF is moved in.

Quarto 1.9 or later is needed: earlier versions drop the `typst` format from book projects (no PDF).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml

from ..core.errors import RenderError
from .book import load_book
from .result import RenderResult

RENDERER = "quarto"
WEBSITE_PROFILE = "website"
PROFILE_FILE = f"_quarto-{WEBSITE_PROFILE}.yml"
WEBSITE_ONLY_PART = "Area profiles: commissioners"


def website_profile(website_only: list[str]) -> str:
    """The text of `_quarto-website.yml`: the website-only pages as a part after the appendices."""
    # collapse-level 1: the sidebar shows the parts folded, not 150 profile titles in a column.
    config: dict = {"book": {"sidebar": {"collapse-level": 1}}}
    if website_only:
        config["book"]["appendices"] = [{"part": WEBSITE_ONLY_PART, "chapters": website_only}]
    return ("# Written by pcnreport (render/quarto_path.py) for one render, then removed.\n"
            + yaml.safe_dump(config, sort_keys=False))


def _quarto(quarto: str, project_dir: Path, *args: str) -> list[str]:
    """Run `quarto render` and return its warnings (Quarto prints them on stderr even on success)."""
    proc = subprocess.run([quarto, "render", str(project_dir), *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RenderError(f"'{project_dir}': quarto render {' '.join(args)} failed (exit {proc.returncode}):\n"
                          f"{proc.stderr.strip()[-4000:]}")
    # Quarto colours its messages even into a pipe: drop the ANSI codes before reading the level.
    lines = (re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in proc.stderr.splitlines())
    return [line for line in lines if line.startswith(("WARN", "ERROR"))]


def render(project_dir: Path, out_dir: Path) -> RenderResult:
    quarto = shutil.which("quarto")
    if quarto is None:
        raise RenderError("quarto is not on PATH; use renderer='pandoc+typst' or install Quarto")
    book = load_book(project_dir)
    out_dir = Path(out_dir).resolve()
    website_only = [ch.source.as_posix() for ch in book.chapters if ch.website_only]
    profile = book.project_dir / PROFILE_FILE
    pdf_name = f"{book.output_file}.pdf"
    pdf_dir = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.pdf."))
    try:
        profile.write_text(website_profile(website_only), encoding="utf-8")
        warnings = _quarto(quarto, book.project_dir, "--to", "html", "--profile", WEBSITE_PROFILE,
                           "--output-dir", str(out_dir))
        profile.unlink()
        warnings += _quarto(quarto, book.project_dir, "--to", "typst", "--output-dir", str(pdf_dir))
        if (pdf_dir / pdf_name).is_file():
            shutil.move(str(pdf_dir / pdf_name), out_dir / pdf_name)
    finally:
        profile.unlink(missing_ok=True)
        shutil.rmtree(pdf_dir, ignore_errors=True)
    pages = tuple(out_dir / ch.page for ch in book.chapters)
    missing = [p for p in (out_dir / "index.html", out_dir / pdf_name, *pages) if not p.is_file()]
    if missing:
        raise RenderError(f"quarto render finished but did not write: {', '.join(str(p) for p in missing)}")
    return RenderResult(RENDERER, out_dir / "index.html", out_dir / pdf_name, pages, warnings=tuple(warnings))
