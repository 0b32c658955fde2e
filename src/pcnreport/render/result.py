from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RenderResult:
    renderer: str  # "quarto" or "pandoc+typst"
    site_index: Path  # out_dir / "index.html"
    pdf: Path  # out_dir / f"{book output-file}.pdf"
    pages: tuple[Path, ...]  # every HTML page written
    seconds: float = 0.0  # wall time of the render (the benchmark compares the two renderers by it)
    warnings: tuple[str, ...] = ()  # the renderer's warnings (Quarto's WARN lines), kept for the build log
