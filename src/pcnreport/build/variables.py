"""The variables step: merge the runs' numbers into `_variables.yml`, with provenance, the "What changed"
section, the data notice every page shows, the sections' availability metadata and the profiles' index.
"""

from __future__ import annotations

import json
from pathlib import Path

from pcnreport.build.context import OUTPUT_DIR, Context
from pcnreport.core.atomic import write_text_atomic
from pcnreport.core.hashing import tree_hashes
from pcnreport.report import edition


def releases_read(numbers: dict) -> str:
    """'epcn 2019-12, registrations 2021-01': every dataset release the notebooks report reading."""
    releases: dict[str, str] = {}
    for section in numbers.values():
        releases.update(section.get("releases", {}))
    return ", ".join(f"{dataset} {release}" for dataset, release in sorted(releases.items()))


def write_data_notice(generated: Path, synthetic: bool, description: str) -> None:
    """The notice every page carries: the HTML banner and a header on every PDF page."""
    if synthetic:
        headline = "Synthetic data"
        detail = (
            "This report was built from a synthetic sample, not from NHS data: every number, "
            "table and chart illustrates the method only. " + description
        )
        css_class = "data-notice data-notice-synthetic"
    else:
        headline = "Data"
        detail = description
        css_class = "data-notice"
    import html

    write_text_atomic(
        generated / "data-notice.html",
        # A <div>, not an <aside>: Quarto's page layout sets every <aside> in the right margin.
        f'<div class="{css_class}" role="note" aria-label="About the data">'
        f"<strong>{html.escape(headline)}.</strong> {html.escape(detail)}</div>\n",
    )
    typst_text = f"{headline}. {detail}".replace("\\", "\\\\").replace('"', '\\"')
    header = f'#set page(header: align(center, text(size: 8pt, fill: rgb("#8a4b00"), "{typst_text}")))\n'
    write_text_atomic(generated / "data-notice.typ", header if synthetic else "")


def variables_components(ctx: Context, keys: dict[str, str]) -> dict:
    """The variables step reads the notebooks' outputs (named by their keys), the options and data/."""
    from pcnreport.render import choose_renderer

    # The renderer the build will use, not the option: with "auto", installing or removing Quarto changes
    # the renderer the provenance appendix names, so it must change this step's key.
    return {
        "notebooks": keys,
        "parameters": {**ctx.parameters, "renderer": choose_renderer(ctx.options.renderer), "synthetic": ctx.synthetic},
        "library": ctx.library,
        "environment": ctx.environment,
        "project": tree_hashes(ctx.project, "data", ctx.hasher),
        # The edition's version, date, commit, build date and address, and the change log's and colophon's
        # text: a new commit or release re-writes the pages that print them (pcnreport.report.edition).
        "edition": edition.components(ctx.project, getattr(ctx.options, "site_url", None)),
    }


def variables_outputs(project: Path) -> list[Path]:
    generated = project / "_generated"
    return [
        project / "_variables.yml", project / "figures" / "pcn-charts.js", generated / "availability.yml",
        generated / "data-notice.html", generated / "data-notice.typ", generated / "build.json",
        project / "profiles" / "index.qmd", generated / "profiles.yml",
        project / edition.METADATA, project / edition.CHANGELOG_PAGE,
    ]


def write_all(ctx: Context) -> None:
    """Merge the numbers, write provenance, the data notice, availability and _variables.yml."""
    import yaml

    from pcnreport.render import choose_renderer
    from pcnreport.report import changes
    from pcnreport.report.figures import write_runtime
    from pcnreport.report.numbers import collect_variables, write_variables
    from pcnreport.report.outputs import availability_metadata
    from pcnreport.report.provenance import write_provenance

    project, options = ctx.project, ctx.options
    generated = project / "_generated"
    write_runtime(project / "figures")
    numbers = collect_variables(generated / "numbers")
    # Sources, checksums and software versions for the "Data and methods" appendix.
    numbers["provenance"] = write_provenance(project, ctx.data_dir, numbers, choose_renderer(options.renderer))
    release = ctx.label or releases_read(numbers)
    description = f"Data release: {release}." if ctx.synthetic else f"Built from the publishers' releases: {release}."
    write_data_notice(generated, ctx.synthetic, description)
    build_facts = {"release": release, "synthetic": ctx.synthetic, "population_source": options.population_source}
    published = yaml.safe_load((project / "data" / "published.yaml").read_text(encoding="utf-8"))
    facts = edition.edition_facts(project, options.site_url)
    extra = {"data": build_facts, "published": published, "edition": facts}
    # The "What changed" appendix: these numbers against those of the build being replaced.
    previous = changes.load_previous(options.compare_with or project / OUTPUT_DIR / changes.PUBLISHED_NUMBERS)
    numbers[changes.SECTION] = changes.write_section(project, previous, {**numbers, **extra})
    write_text_atomic(
        generated / "availability.yml",
        "# Generated by `pcnreport build`: which sections had their data (read by when-meta).\n"
        + yaml.safe_dump(availability_metadata(numbers), sort_keys=True),
    )
    write_variables(project / "_variables.yml", {**numbers, **extra})
    # After _variables.yml: the PDF's verso is the colophon page with its variables filled in.
    edition.write_files(project, facts, _expanded_colophon(project, {**numbers, **extra}))
    _write_profiles_index(ctx)
    write_text_atomic(generated / "build.json", json.dumps({**build_facts, "data_dir": str(ctx.data_dir)}, indent=1))


def _expanded_colophon(project: Path, variables: dict) -> str | None:
    """chapters/colophon.qmd with its shortcodes expanded, as the renderers will expand them."""
    import yaml

    from pcnreport.render.shortcodes import ShortcodeExpander

    path = project / edition.COLOPHON
    if not path.is_file():
        return None
    config = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8")) or {}
    return ShortcodeExpander(project, variables, config).expand_file(path)


def _write_profiles_index(ctx: Context) -> None:
    """The profiles' index page and the book's metadata listing the regional profiles; stale files removed."""
    from pcnreport.analysis.profiles import Area
    from pcnreport.report import profile_pages

    areas = [Area(*area) for area in ctx.areas]
    profile_pages.remove_stale(ctx.project, areas)
    if areas:
        profile_pages.write_index(ctx.project, areas)
