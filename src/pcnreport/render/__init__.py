"""Render the book: with Quarto when it is on PATH, otherwise with pandoc + Typst (see GUIDE "Rendering").

The pandoc + Typst path renders this subset of Quarto, and `pcnreport.build.checks.check_supported_features`
refuses anything else before rendering, naming the file and line (the README's "Rendering" repeats it):

Supported
- shortcodes `{{< var key >}}` (from `_variables.yml`), `{{< meta key >}}`, `{{< include file >}}`, and
  escaped `{{{< ... >}}}`;
- cross-references `@fig-`, `@tbl-`, `@sec-` (also `[-@fig-x]`), to figure and table divs
  (`::: {#fig-x}`, `::: {#tbl-x}`), images `![..](..){#fig-x}`, captioned pipe tables `: cap {#tbl-x}`,
  and headings `{#sec-x}`; chapters numbered, appendices lettered, unnumbered headings `{.unnumbered}`;
- `fig-alt` on figure divs and images (alt text, or `aria-label` on a chart);
- callouts `.callout-note|tip|warning|caution|important`, titled by `title=` or a first `##` heading;
- conditional content `.content-visible`/`.content-hidden` with `when-format`/`unless-format`/
  `when-meta`/`unless-meta`;
- citations (`--citeproc`), `bibliography`, `csl`, and the `::: {#refs}` list;
- raw blocks `{=html}`, `{=typst}`; static code blocks (```` ```python ````, ```` ```{.python} ````);
- `_quarto.yml`: book chapters, appendices and parts, `format.html` css, includes and toc-depth,
  `format.typst` includes, `project.resources`, `metadata-files`.

Not supported (refused)
- executable cells (```` ```{python} ````, ```` ```{r} ````, `{julia}`, `{ojs}`) and inline code
  (`` `{python} x` ``, `` `r x` ``); diagram cells (`{mermaid}`, `{dot}`);
- any other shortcode (`embed`, `video`, `pagebreak`, `kbd`, `lipsum`, ...);
- tabsets and panels (`.panel-tabset`, `.panel-*`), page layout (`.column-*`, `.aside`), figure layouts
  and subfigures (`layout`, `layout-ncol`, `layout-nrow`), collapsible callouts (`collapse=`),
  conditional content on profiles (`when-profile`);
- equation, listing and theorem references and labels (`@eq-`, `@lst-`, `@thm-`, `@lem-`, ...).

The site the pandoc path writes has a full-text search box (`search.py`: an index of every page's
sections and the vendored MiniSearch library, offline and relative-linked).
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path

from ..core.errors import RenderError
from .result import RenderResult

__all__ = ["RenderResult", "choose_renderer", "render_book"]

RENDERERS = ("quarto", "pandoc+typst")


def choose_renderer(renderer: str = "auto") -> str:
    if renderer == "auto":
        return "quarto" if shutil.which("quarto") else "pandoc+typst"
    if renderer not in RENDERERS:
        raise RenderError(f"unknown renderer '{renderer}': choose one of auto, {', '.join(RENDERERS)}")
    return renderer


def render_book(project_dir: Path, out_dir: Path, renderer: str = "auto", cache_dir: Path | None = None,
                refresh: bool = False) -> RenderResult:
    """Render the Quarto book in `project_dir` into `out_dir` (writes nothing elsewhere, but for
    `cache_dir`: where the pandoc path keeps pandoc's answers, so unchanged pages are not converted again;
    `refresh` converts every page but still keeps the answers)."""
    chosen = choose_renderer(renderer)
    start = time.perf_counter()
    # Imported here so choosing a renderer costs nothing and each path loads only what it uses.
    if chosen == "quarto":
        from . import quarto_path

        result = quarto_path.render(Path(project_dir), Path(out_dir))
    else:
        from . import pandoc_path

        result = pandoc_path.render(Path(project_dir), Path(out_dir), Path(cache_dir) if cache_dir else None, refresh)
    # Timed here, the same way for both paths, so the benchmark's ratio compares like with like.
    return dataclasses.replace(result, seconds=time.perf_counter() - start)
