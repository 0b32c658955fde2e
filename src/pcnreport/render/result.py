from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RenderResult:
    renderer: str  # "quarto" or "pandoc+typst"
    site_index: Path  # out_dir / "index.html"
    pdf: Path  # out_dir / f"{book output-file}.pdf"
    pages: tuple[Path, ...]  # every HTML page written
