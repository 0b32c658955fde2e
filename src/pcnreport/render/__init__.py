"""Render the book: with Quarto when it is on PATH, otherwise with pandoc + Typst (see GUIDE "Rendering")."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import RenderError
from .result import RenderResult

__all__ = ["RenderResult", "render_book", "choose_renderer"]

RENDERERS = ("quarto", "pandoc+typst")


def choose_renderer(renderer: str = "auto") -> str:
    if renderer == "auto":
        return "quarto" if shutil.which("quarto") else "pandoc+typst"
    if renderer not in RENDERERS:
        raise RenderError(f"unknown renderer '{renderer}': choose one of auto, {', '.join(RENDERERS)}")
    return renderer


def render_book(project_dir: Path, out_dir: Path, renderer: str = "auto") -> RenderResult:
    """Render the Quarto book in `project_dir` into `out_dir` (writes nothing elsewhere)."""
    chosen = choose_renderer(renderer)
    # Imported here so choosing a renderer costs nothing and each path loads only what it uses.
    if chosen == "quarto":
        from . import quarto_path as path
    else:
        from . import pandoc_path as path
    return path.render(Path(project_dir), Path(out_dir))
