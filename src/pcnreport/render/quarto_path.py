"""Render with Quarto itself when it is installed: Quarto owns the whole job, we only check the outputs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..core.errors import RenderError
from .book import load_book
from .result import RenderResult

RENDERER = "quarto"


def render(project_dir: Path, out_dir: Path) -> RenderResult:
    quarto = shutil.which("quarto")
    if quarto is None:
        raise RenderError("quarto is not on PATH; use renderer='pandoc+typst' or install Quarto")
    book = load_book(project_dir)
    out_dir = Path(out_dir).resolve()
    # Quarto renders every format listed in _quarto.yml (html and typst) into --output-dir.
    proc = subprocess.run(
        [quarto, "render", str(book.project_dir), "--output-dir", str(out_dir)],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        raise RenderError(f"'{book.project_dir}': quarto render failed (exit {proc.returncode}):\n{proc.stderr.strip()}")
    pdf = out_dir / f"{book.output_file}.pdf"
    pages = tuple(out_dir / ch.page for ch in book.chapters)
    missing = [p for p in (out_dir / "index.html", pdf, *pages) if not p.is_file()]
    if missing:
        raise RenderError(f"quarto render finished but did not write: {', '.join(str(p) for p in missing)}")
    return RenderResult(RENDERER, out_dir / "index.html", pdf, pages)
