"""The whole build, end to end, on the synthetic sample; and what bad input does to it."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from pcnreport import cli


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_build_publishes_site_and_pdf(built_project):
    project, result = built_project
    assert result.site_index == project / "_book" / "index.html"
    assert result.pdf == project / "_book" / "pcn-report.pdf"
    assert result.synthetic
    chapter = project / "_book" / "chapters" / "06-pcn-characteristics.html"
    assert chapter.is_file()
    # Nothing half-made is left beside the published site.
    assert not list((project / "_build").glob("site.*"))
    assert not (project / "._book.old").exists()


def test_every_number_in_the_chapter_comes_from_the_computed_results(built_project):
    project, _ = built_project
    numbers = json.loads((project / "_generated" / "numbers" / "pcn_size.json").read_text())
    variables = yaml.safe_load((project / "_variables.yml").read_text())
    assert variables["pcn_size"] == numbers["text"]
    html = (project / "_book" / "chapters" / "06-pcn-characteristics.html").read_text()
    assert "{{<" not in html, "a shortcode was left unexpanded"
    raw = numbers["raw"]
    assert f"{raw['pcns']:,} PCNs" in html
    assert variables["pcn_size"]["population"]["median"] in html
    within = round(100 * raw["bands"]["within"] / raw["pcns"])
    assert f"({within}%)" in html


def test_chapter_6_names_the_qof_release_the_build_read(built_project):
    project, _ = built_project
    variables = yaml.safe_load((project / "_variables.yml").read_text())
    section = variables["population_profile"]
    start, end = section["releases"]["qof-prevalence"].split("-")  # the sample's QOF release, e.g. 2017-18
    year = f"{start}/{end}"
    conditions = section["qof_conditions_words"]
    text = " ".join(re.sub(r"<[^>]+>", " ", (project / "_book" / "chapters" / "06-pcn-characteristics.html").read_text()).split())
    assert f"prevalence of {conditions} conditions in the Quality and Outcomes Framework (QOF) for {year}" in text
    assert f"Prevalences are QOF {year} registers" in text
    # The sample publishes every register Table 6.1 uses, so none is marked missing.
    assert conditions == "eight" and section["qof_missing_note"] == ""
    assert "not in this release" not in (project / "figures" / "tbl-pcn-characteristics.md").read_text()


def test_figures_are_numbered_and_cross_referenced(built_project):
    project, _ = built_project
    html = (project / "_book" / "chapters" / "06-pcn-characteristics.html").read_text()
    for anchor in ("fig-pcn-population", "fig-pcn-practices", "fig-pcn-practices-population"):
        assert f'id="{anchor}"' in html
        assert re.search(rf'href="[^"]*#{anchor}"', html), f"no cross-reference link to {anchor}"
    assert re.search(r"Figure\s+\d+\.1", html)


def test_every_page_says_the_data_are_synthetic(built_project):
    project, _ = built_project
    pages = list((project / "_book").rglob("*.html"))
    assert len(pages) >= 3
    for page in pages:
        assert "Synthetic data" in page.read_text(), f"{page.name} lacks the synthetic-data notice"


def test_executed_notebook_is_kept_as_provenance(built_project):
    _project, result = built_project
    executed = result.executed_notebooks[0]
    assert executed.is_file()
    notebook = json.loads(executed.read_text())
    injected = [c for c in notebook["cells"] if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
    assert injected and "data_dir" in "".join(injected[0]["source"])


def _corrupt_copy_of_sample(sample: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(sample, data)
    (data / "SYNTHETIC.json").unlink()  # from here on it is "real" data the user supplies
    return data


def _non_numeric_count(data: Path) -> tuple[Path, list[str]]:
    path = next((data / "registrations").rglob("*.csv"))
    lines = path.read_text().splitlines()
    fields = lines[5].split(",")
    fields[-1] = "many"
    lines[5] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    return path, ["row 6", "NUMBER_OF_PATIENTS", "whole number"]


def _missing_column(data: Path) -> tuple[Path, list[str]]:
    path = next((data / "registrations").rglob("*.csv"))
    text = path.read_text()
    path.write_text(text.replace("NUMBER_OF_PATIENTS", "PATIENTS", 1))
    return path, ["missing column", "NUMBER_OF_PATIENTS"]


def _empty_file(data: Path) -> tuple[Path, list[str]]:
    path = next((data / "registrations").rglob("*.csv"))
    path.write_bytes(b"")
    return path, ["empty"]


def _practice_in_two_pcns(data: Path) -> tuple[Path, list[str]]:
    import openpyxl

    path = next((data / "epcn").rglob("*.xlsx"))
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["PCN Core Partner Details"]
    first = [cell.value for cell in sheet[2]]
    other_pcn = next(row[4].value for row in sheet.iter_rows(min_row=3) if row[4].value != first[4])
    sheet.append([first[0], first[1], first[2], first[3], other_pcn] + first[5:])
    workbook.save(path)
    return path, [str(first[0]), str(first[4]), str(other_pcn), "two PCNs"]


@pytest.mark.parametrize(
    "break_data", [_non_numeric_count, _missing_column, _empty_file, _practice_in_two_pcns],
    ids=["non-numeric count", "missing column", "empty file", "practice in two PCNs"],
)
def test_bad_input_is_reported_and_leaves_the_published_site_untouched(built_project, tmp_path, capsys, break_data):
    project, result = built_project
    before = _tree_digest(project / "_book")
    data = _corrupt_copy_of_sample(result.data_dir, tmp_path)
    broken, expected_phrases = break_data(data)

    code = cli.main(["--project", str(project), "build", "--data-dir", str(data)])

    err = capsys.readouterr().err
    assert code == 3, err
    assert broken.name in err
    for phrase in expected_phrases:
        assert phrase in err, f"{phrase!r} not in: {err}"
    assert "Traceback" not in err
    assert _tree_digest(project / "_book") == before


def test_missing_dataset_is_reported(built_project, tmp_path, capsys):
    project, result = built_project
    data = _corrupt_copy_of_sample(result.data_dir, tmp_path)
    shutil.rmtree(data / "epcn")
    code = cli.main(["--project", str(project), "build", "--data-dir", str(data)])
    assert code == 4
    assert "epcn" in capsys.readouterr().err


def test_no_chapter_types_a_number_the_analysis_computes(built_project, tmp_path):
    """The build's check passes on the book, and catches a computed number typed into a chapter."""
    from pcnreport.build import checks
    from pcnreport.core.errors import RenderError

    project, _ = built_project
    variables = yaml.safe_load((project / "_variables.yml").read_text())
    checks.check_no_typed_numbers(project, variables)  # the book as it is: no typed computed number

    copy = tmp_path / "book"
    shutil.copytree(project / "chapters", copy / "chapters")
    for name in ("_quarto.yml", "index.qmd", "references.qmd"):  # every page _quarto.yml lists must exist
        shutil.copy2(project / name, copy / name)
    chapter = copy / "chapters" / "06-pcn-characteristics.qmd"
    lines = chapter.read_text().splitlines()
    lines.insert(2, f"The data hold {variables['pcn_size']['member_practices']} core partner practices.")
    chapter.write_text("\n".join(lines) + "\n")
    with pytest.raises(RenderError) as excinfo:
        checks.check_no_typed_numbers(copy, variables)
    assert "06-pcn-characteristics.qmd" in str(excinfo.value) and "line 3" in str(excinfo.value)


def test_executed_notebooks_are_published_with_the_site(built_project):
    project, result = built_project
    published = sorted(p.name for p in (project / "_book" / "notebooks").glob("*.ipynb"))
    assert published == sorted(p.name for p in result.executed_notebooks)
    # Every notebook of analysis/ but the profile and month notebooks, whose runs are under notebooks/profiles/
    # and notebooks/months/.
    assert len(published) == len(list((project / "analysis").glob("*.ipynb"))) - 2
    assert len(list((project / "_book" / "notebooks" / "profiles").glob("*.ipynb"))) == len(result.profile_notebooks)
    months = sorted(p.name for p in (project / "_book" / "notebooks" / "months").glob("*.ipynb"))
    assert months == sorted(p.name for p in result.month_notebooks)
    assert len(months) == len(list((result.data_dir / "registrations-map").iterdir()))


def test_build_writes_a_profile_for_every_region_and_ccg_of_the_sample(built_project):
    """The area list is computed here independently, straight from the sample's mapping file."""
    from pcnreport.data import readers

    project, result = built_project
    mapping = readers.read_practice_ccg(next(result.data_dir.glob("qof/*/MAPPING_NHS_GEOGRAPHIES_*.csv")))
    expected = {f"region-{c}" for c in mapping["region_code"].unique()} | {f"ccg-{c}" for c in mapping["ccg_code"].unique()}
    assert len(expected) == 7 + 135
    book = project / "_book"
    assert {p.stem for p in (book / "profiles").glob("*.html")} == expected | {"index"}
    assert {p.stem for p in (book / "notebooks" / "profiles").glob("*.ipynb")} == expected
    assert sorted(p.stem for p in result.profile_notebooks) == sorted(expected)
    index = (book / "profiles" / "index.html").read_text()
    for slug in expected:
        assert f'href="{slug}.html"' in index, slug
    # Each profile's executed notebook ran with its own area and is linked from its page.
    some = sorted(expected)[0]
    notebook = json.loads((book / "notebooks" / "profiles" / f"{some}.ipynb").read_text())
    injected = next(c for c in notebook["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    area_type, code = some.split("-", 1)
    assert f'area_code = "{code}"' in "".join(injected["source"])
    assert f'area_type = "{area_type}"' in "".join(injected["source"])
    assert f"../notebooks/profiles/{some}.ipynb" in (book / "profiles" / f"{some}.html").read_text()
    # The PCNs of all CCG profiles add up to England's: every PCN is in exactly one CCG.
    totals = [json.loads(p.read_text())["raw"] for p in (project / "_generated" / "profiles").glob("ccg-*.json")]
    pcn_size = json.loads((project / "_generated" / "numbers" / "pcn_size.json").read_text())["raw"]
    assert sum(t["pcns"] for t in totals) == pcn_size["pcns"]


def test_every_ccg_profile_carries_its_map_and_stays_a_reasonable_size(built_project):
    """Figure 4.2's chart for each CCG (pcnreport.report.profile_maps): the synthetic sample has boundaries
    and residents for every CCG, so none shows the notice; the regional profiles have no map."""
    project, _ = built_project
    pages = sorted((project / "_book" / "profiles").glob("ccg-*.html"))
    assert len(pages) == 135
    sizes = {}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert f'data-chart="chart-profile-{page.stem}-map"' in html, f"{page.name} has no map"
        assert "SYNTHETIC SAMPLE: made-up areas" in html and "Not available in this build" not in html, page.name
        sizes[page.name] = page.stat().st_size
    # Two CCGs' maps each hold their own MSOAs (synthetic CCGs are unions of whole MSOAs: no overlap).
    drawn = []
    for page in pages[:2]:
        spec = json.loads((project / "figures" / f"profile-{page.stem}-map.vl.json").read_text(encoding="utf-8"))
        drawn.append({f["properties"]["code"] for f in spec["vconcat"][0]["layer"][0]["data"]["values"]})
    assert all(drawn) and not drawn[0] & drawn[1]
    # A CCG page with its map: about 0.1 MB for most, 0.3 MB for the largest CCG (see README, "Area profiles").
    assert max(sizes.values()) < 400_000, max(sizes.items(), key=lambda item: item[1])
    for page in (project / "_book" / "profiles").glob("region-*.html"):
        assert "-map\"" not in page.read_text(encoding="utf-8")
    assert not list((project / "figures").glob("profile-*-map.pdf"))  # website only


def test_both_maps_are_drawn_from_the_synthetic_sample_and_say_so(built_project):
    project, _ = built_project
    chapters = project / "_book" / "chapters"
    for page, figure in (("04-commissioning-contracting.html", "fig-ccg-service-map"),
                         ("06-pcn-characteristics.html", "fig-pcn-footprints-map")):
        html = (chapters / page).read_text(encoding="utf-8")
        assert f'id="{figure}"' in html, f"{figure} missing from {page}"
        assert f'data-chart="chart-{figure}"' in html, f"{figure} is not an interactive chart in {page}"
        assert "SYNTHETIC SAMPLE: made-up areas" in html
        assert "Not available in this build" not in html.split(f'id="{figure}"')[1][:2000]
        spec = json.loads((project / "figures" / f"{figure}.vl.json").read_text(encoding="utf-8"))
        assert "geoshape" in json.dumps(spec)
    # The numbers behind Figure 4.2 are in the text and in a table with a CSV download.
    numbers = json.loads((project / "_generated" / "numbers" / "service_map.json").read_text())["text"]
    html = (chapters / "04-commissioning-contracting.html").read_text(encoding="utf-8")
    assert f"In {numbers['ccg_name']}" in html
    assert 'id="tbl-ccg-service-map"' in html and "tbl-ccg-service-map.csv" in html
    # The national map stays small enough for one page (see README, "Maps").
    assert (project / "figures" / "fig-pcn-footprints-map.md").stat().st_size < 1_800_000


def test_every_page_carries_the_edition_footer(built_project):
    # The edition, the build's date and sources, and a link to the colophon, on every page of the site.
    project, _ = built_project
    facts = yaml.safe_load((project / "_variables.yml").read_text())["edition"]
    pages = [p for p in (project / "_book").rglob("*.html") if "notebooks" not in p.parts]
    assert len(pages) >= 3
    for page in pages:
        html = page.read_text()
        footer = re.search(r'<footer class="site-footer">(.*?)</footer>', html, re.S)
        assert footer, f"{page.relative_to(project)} has no footer"
        assert facts["line"] in footer.group(1) and facts["build_text"] in footer.group(1)
        link = re.search(r'<a href="([^"]+)">About this edition</a>', footer.group(1))
        assert link and (page.parent / link.group(1)).resolve() == project / "_book" / "chapters" / "colophon.html"
    colophon = (project / "_book" / "chapters" / "colophon.html").read_text()
    assert "How to cite this edition" in colophon and "Department of Health and Social Care" in colophon
