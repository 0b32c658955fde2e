"""The whole report built from the real extracts: the published practice figures appear in the chapter."""

from __future__ import annotations

import re

import pytest

from pcnreport.build.pipeline import BuildOptions, build


@pytest.fixture(scope="module")
def real_build(shared_data, tmp_path_factory, project_copy):
    project = project_copy(tmp_path_factory.mktemp("real") / "pcn-report")
    return project, build(BuildOptions(project_dir=project, data_dir=shared_data))


def test_chapter_reports_the_december_2019_configuration(real_build):
    project, result = real_build
    assert not result.synthetic
    html = (project / "_book" / "chapters" / "06-pcn-characteristics.html").read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "1,250 PCNs made of 6,757 core partner practices" in text
    assert "34 PCNs consist of a single practice" in text
    assert "77 bring together ten practices or more" in text
    assert "Mean 5.4, median 5, P10 = 3, P90 = 8" in text
    # January 2021 list sizes: 194 member practices of December 2019 have none (see the reproduction test).
    assert "(194 here)" in text
    # The QOF release read is 2017-18 with all eight registers of Table 6.1; IMD 2019 and RUC 2011.
    assert "prevalence of eight conditions in the Quality and Outcomes Framework (QOF) for 2017/18" in text
    assert "Prevalences are QOF 2017/18 registers" in text and "IMD 2019 deciles" in text


def test_no_page_claims_the_real_data_are_synthetic(real_build):
    project, _ = real_build
    for page in (project / "_book").rglob("*.html"):
        page_text = page.read_text()
        assert "Synthetic data" not in page_text
        assert "epcn 2019-12" in page_text and "registrations 2021-01" in page_text


def test_sections_without_national_or_supplied_data_say_why(real_build):
    """../shared/data has only a regional LSOA extract and no federation data (research data)."""
    project, _ = real_build
    html = (project / "_book" / "chapters" / "06-pcn-characteristics.html").read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Rural and deprivation shares not available in this build" in text
    assert "a regional extract, not the national file" in text  # Figure 6.4's notice
    assert "research data the evaluation team supplies" in text  # Table 6.4's notice
    assert "(not available)" not in text  # hidden text's numbers never show
    # Table 6.1 keeps the rows the data allow: age, QOF and workload, without the LSOA rows.
    assert "Percentage aged 65 years and over" in text and "Percentage living in rural area" not in text
