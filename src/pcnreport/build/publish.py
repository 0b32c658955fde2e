"""The render step: key it by every file it reads, render the book into a staging folder, check its
numbers and links, and only then swap it in for `_book/` (atomic publishing, recovery after a crash).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from pcnreport.build import buildcache, profile_runs
from pcnreport.build.context import OUTPUT_DIR, Context
from pcnreport.core import errors
from pcnreport.core.atomic import current_umask
from pcnreport.core.hashing import sha256_json, tree_hashes

BUILD_KEY_FILE = ".build-key.json"  # in _book/: the render step's key, published with the site it describes

# What the render step reads besides the library: the book's sources and what the notebooks wrote.
RENDER_ROOT_SUFFIXES = (".qmd", ".yml", ".yaml", ".bib", ".css", ".csl", ".scss", ".lua", ".typ", ".html")
RENDER_WARNINGS = "render-warnings.log"  # in _build/: the last render's warnings, one a line
RENDER_FOLDERS = ("chapters", "profiles", "_generated", "figures", "_build/notebooks", "_typst")  # _typst: Quarto's PDF frame


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
    staging_root = project / "_build"
    staging_root.mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=staging_root, prefix="site."))
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
        warnings_log.write_text("".join(f"{line}\n" for line in rendered.warnings), encoding="utf-8")
        # The executed notebooks are the provenance of every number: publish them with the site.
        (staging / "notebooks").mkdir()
        for notebook in ctx.notebooks():
            shutil.copy2(ctx.executed_dir / notebook.name, staging / "notebooks" / notebook.name)
        if ctx.areas:
            (staging / "notebooks" / profile_runs.EXECUTED_SUBDIR).mkdir()
        for area_type, code, _name in ctx.areas:
            executed = profile_runs.executed_path(ctx.executed_dir, area_type, code)
            shutil.copy2(executed, staging / "notebooks" / profile_runs.EXECUTED_SUBDIR / executed.name)
        # Every internal link and anchor of the new site must resolve before it replaces the old.
        checks.check_site_links(staging)
        # The numbers the next build compares itself with (its "What changed" appendix).
        changes.write_published_numbers(staging, variables)
        site_index = rendered.site_index.relative_to(staging).as_posix()
        pdf = rendered.pdf.relative_to(staging).as_posix()
        # The key travels inside the site it describes: swapped in by the same rename, never out of step.
        (staging / BUILD_KEY_FILE).write_text(json.dumps({
            "key": sha256_json(components), "components": components,
            "site_index": site_index, "pdf": pdf, "renderer": rendered.renderer,
        }, indent=1, sort_keys=True), encoding="utf-8")
        publish_directory(staging, project / OUTPUT_DIR)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return project / OUTPUT_DIR / site_index, project / OUTPUT_DIR / pdf, rendered.renderer


def publish_directory(staging: Path, target: Path) -> None:
    """Replace `target` with the complete folder `staging`.

    POSIX cannot swap two non-empty folders in one call, so the old folder is first renamed aside
    (`.target.old`), the new one renamed in, and only then the old one deleted. If the process dies
    between the two renames, `recover_directory` puts the old one back on the next run.
    """
    staging, target = Path(staging), Path(target)
    # Staging folders come from mkdtemp (owner-only); a published site must be readable by a web server.
    os.chmod(staging, 0o777 & ~current_umask())
    backup = target.with_name(f".{target.name}.old")
    if backup.exists():
        shutil.rmtree(backup)
    if target.exists():
        os.replace(target, backup)
    try:
        os.replace(staging, target)
    except BaseException:
        if backup.exists() and not target.exists():
            os.replace(backup, target)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def recover_directory(target: Path) -> None:
    """Restore `target` from its backup if a previous publish was interrupted mid-swap."""
    target = Path(target)
    backup = target.with_name(f".{target.name}.old")
    if backup.exists():
        if target.exists():
            shutil.rmtree(backup)
        else:
            os.replace(backup, target)
