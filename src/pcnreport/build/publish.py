"""The render step: key it by every file it reads, render the book into a staging folder, check its
numbers and links, and only then swap it in for `_book/` (atomic publishing, recovery after a crash).

Killed at any moment (tests/functional/test_build_killed.py), a build leaves `_book/` complete: the
old site until the single step that exchanges it with the staging folder, the new one after
(`core.atomic.replace_directory`). What a killed build leaves in `_build/` (a staging folder, an old
site caught before its deletion) is deleted by the next build's `recover`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from pcnreport.build import buildcache, month_runs, profile_runs
from pcnreport.build.context import OUTPUT_DIR, Context
from pcnreport.core import errors
from pcnreport.core.atomic import current_umask, recover_directory, replace_directory, write_text_atomic
from pcnreport.core.hashing import sha256_json, tree_hashes

BUILD_KEY_FILE = ".build-key.json"  # in _book/: the render step's key, published with the site it describes

# What the render step reads besides the library: the book's sources and what the notebooks wrote.
RENDER_ROOT_SUFFIXES = (".qmd", ".yml", ".yaml", ".bib", ".css", ".csl", ".scss", ".lua", ".typ", ".html")
RENDER_WARNINGS = "render-warnings.log"  # in _build/: the last render's warnings, one a line
RENDER_FOLDERS = ("chapters", "profiles", "_generated", "figures", "_build/notebooks", "_typst")  # _typst: Quarto's PDF frame
STAGING_ROOT = "_build"
STAGING_PREFIX = "site."  # _build/site.XXXXXXXX: a render in progress (or one a killed build left)


def recover(project: Path) -> None:
    """Clear up after a build that was killed: put back a site caught mid-publish (where the system
    cannot swap folders in one step) and delete staging folders no build is using any more.

    Called by a build holding the project's lock, so no other build's staging folder can be among them.
    """
    from pcnreport.render.quarto_path import PROFILE_FILE

    project = Path(project)
    recover_directory(project / OUTPUT_DIR)
    staging_root = project / STAGING_ROOT
    # site.*: staging folders; .site.*: what was being deleted (an old site after the exchange) and
    # Quarto's folder for the PDF beside a staging folder.
    for leftover in [*staging_root.glob(f"{STAGING_PREFIX}*"), *staging_root.glob(f".{STAGING_PREFIX}*")]:
        shutil.rmtree(leftover, ignore_errors=True)
    # Quarto's website profile lives only for one render: left behind, it would change the render key.
    (project / PROFILE_FILE).unlink(missing_ok=True)


def render_components(ctx: Context) -> dict:
    from pcnreport.render import choose_renderer

    files = {}
    for path in sorted(ctx.project.iterdir()):
        if path.is_file() and path.suffix in RENDER_ROOT_SUFFIXES and not path.name.startswith("."):
            files[path.name] = ctx.hasher(path)
    for folder in RENDER_FOLDERS:
        files.update(tree_hashes(ctx.project, folder, ctx.hasher))
    package = buildcache.PACKAGE_DIR
    return {
        "files": files,
        "render package": sha256_json(tree_hashes(package.parent, f"{package.name}/render", ctx.hasher)),
        "library": ctx.library,
        "environment": ctx.environment,
        "renderer": choose_renderer(ctx.options.renderer),
    }


def published_key(project: Path) -> dict | None:
    path = project / OUTPUT_DIR / BUILD_KEY_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def render_reasons(ctx: Context, components: dict) -> list[str]:
    record = published_key(ctx.project)
    outputs = []
    if record:
        outputs = [ctx.project / OUTPUT_DIR / record.get("site_index", ""), ctx.project / OUTPUT_DIR / record.get("pdf", "")]
    if record is not None and not (ctx.project / OUTPUT_DIR).is_dir():
        record = None
    return buildcache.step_reasons(record, components, outputs, ctx.options.force)


def render_and_publish(ctx: Context, components: dict) -> tuple[Path, Path, str]:
    """Render into staging, check it, publish it atomically. Returns (site index, PDF, renderer) in _book/."""
    import yaml

    from pcnreport.build import checks
    from pcnreport.render import render_book
    from pcnreport.report import changes

    project = ctx.project
    # A computed number typed into the prose would go stale silently when the data change.
    variables = yaml.safe_load((project / "_variables.yml").read_text(encoding="utf-8"))
    checks.check_no_typed_numbers(project, variables)
    staging_root = project / STAGING_ROOT
    staging_root.mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=staging_root, prefix=STAGING_PREFIX))
    try:
        # Pages whose pandoc input is unchanged come from _build/cache/render (a chapter's edit
        # re-converts that chapter, not the 150 pages around it).
        # --force converts every page again but still keeps the answers for the next build.
        rendered = render_book(project, staging, renderer=ctx.options.renderer,
                               cache_dir=project / buildcache.CACHE_DIR / "render", refresh=ctx.options.force)
        for required in (rendered.site_index, rendered.pdf):
            if not required.is_file():
                raise errors.RenderError(f"the renderer did not write '{required.relative_to(staging)}'")
        # Quarto's warnings (a dead cross-reference, an unresolved link) do not fail its render: keep them
        # where a reader of the build can find them, rather than dropping them with its output.
        warnings_log = staging_root / RENDER_WARNINGS
        write_text_atomic(warnings_log, "".join(f"{line}\n" for line in rendered.warnings), record=False, fsync=False)
        # The executed notebooks are the provenance of every number: publish them with the site.
        (staging / "notebooks").mkdir()
        for notebook in ctx.notebooks():
            shutil.copy2(ctx.executed_dir / notebook.name, staging / "notebooks" / notebook.name)
        if ctx.areas:
            (staging / "notebooks" / profile_runs.EXECUTED_SUBDIR).mkdir()
        for area_type, code, _name in ctx.areas:
            executed = profile_runs.executed_path(ctx.executed_dir, area_type, code)
            shutil.copy2(executed, staging / "notebooks" / profile_runs.EXECUTED_SUBDIR / executed.name)
        if ctx.months:
            (staging / "notebooks" / month_runs.EXECUTED_SUBDIR).mkdir()
        for month in ctx.months:
            executed = month_runs.executed_path(ctx.executed_dir, month)
            shutil.copy2(executed, staging / "notebooks" / month_runs.EXECUTED_SUBDIR / executed.name)
        # The PCN directory (website only): its page bodies, framed like the rest of the site.
        from pcnreport.build import pcn_site

        pcn_site.publish_pages(project, staging, variables)
        # Every internal link and anchor of the new site must resolve before it replaces the old.
        checks.check_site_links(staging)
        # The numbers the next build compares itself with (its "What changed" appendix).
        changes.write_published_numbers(staging, variables)
        site_index = rendered.site_index.relative_to(staging).as_posix()
        pdf = rendered.pdf.relative_to(staging).as_posix()
        # The key travels inside the site it describes: swapped in by the same step, never out of step.
        (staging / BUILD_KEY_FILE).write_text(json.dumps({
            "key": sha256_json(components), "components": components,
            "site_index": site_index, "pdf": pdf, "renderer": rendered.renderer,
        }, indent=1, sort_keys=True), encoding="utf-8")
        publish_directory(staging, project / OUTPUT_DIR)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return project / OUTPUT_DIR / site_index, project / OUTPUT_DIR / pdf, rendered.renderer


def publish_directory(staging: Path, target: Path) -> None:
    """Replace `target` with the complete folder `staging`, so that `target` is at every instant
    either the whole old site or the whole new one (see `core.atomic.replace_directory`)."""
    staging, target = Path(staging), Path(target)
    # Staging folders come from mkdtemp (owner-only); a published site must be readable by a web server.
    os.chmod(staging, 0o777 & ~current_umask())
    replace_directory(staging, target)
