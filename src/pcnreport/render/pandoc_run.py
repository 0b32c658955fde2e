"""Run pandoc (from pypandoc-binary) as a subprocess, turning failures into RenderError."""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path

from ..core.errors import RenderError

HERE = Path(__file__).parent
FILTER = HERE / "filters" / "crossref.lua"
TEMPLATES = HERE / "templates"


@lru_cache(maxsize=1)
def pandoc_binary() -> str:
    try:
        import pypandoc
    except ImportError:  # pragma: no cover - a dependency of the project
        raise RenderError("pandoc is missing: pip install pypandoc-binary") from None
    return pypandoc.get_pandoc_path()


def run_pandoc(args: list[str], stdin: str, what: str) -> tuple[str, str]:
    """Run pandoc with `args`, feeding `stdin`; return (stdout, stderr). `what` names the file for errors."""
    proc = subprocess.run(
        [pandoc_binary(), *args], input=stdin.encode("utf-8"), capture_output=True, check=False
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RenderError(f"'{what}': pandoc failed (exit {proc.returncode}):\n{stderr.strip()}")
    return proc.stdout.decode("utf-8"), stderr
