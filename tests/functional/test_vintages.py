"""The whole build on the synthetic sample in a later format era (`pcnreport build --vintage 2022-02`).

One build (a few minutes): February 2022's formats are the latest the readers take end to end (the sub-ICB
eras' files are checked for format only, in tests/unit/test_synth_datasets.py). What differs from the
December 2019 build is what the formats carry: QOF 2020/21 without the CVD primary-prevention register,
CCGs with five-character codes, the ePCN workbook of 2022; the report must say so rather than fall silent.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
import yaml


@pytest.fixture(scope="module")
def built_2022(tmp_path_factory, project_copy):
    from pcnreport.build.pipeline import BuildOptions, build

    project = project_copy(tmp_path_factory.mktemp("vintage") / "pcn-report")
    result = build(BuildOptions(project_dir=project, renderer="auto", vintage="2022-02"))
    return project, result


def _text(path) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")).split())


def test_the_build_reads_the_sample_written_in_february_2022s_formats(built_2022):
    project, result = built_2022
    assert result.synthetic and result.data_dir.name.startswith("seed-20200101-2022-02-")
    marker = json.loads((result.data_dir / "SYNTHETIC.json").read_text(encoding="utf-8"))
    assert marker["vintage"] == "2022-02"
    assert (result.data_dir / "epcn" / "2022-02" / "ePCN.xlsx").is_file()
    # Every page carries the synthetic label, naming the format era.
    for page in (project / "_book" / "chapters").glob("*.html"):
        assert "synthetic sample, seed 20200101, in the formats of 2022-02" in _text(page), page.name


def test_chapter_6_follows_qof_2020_21_and_says_which_register_it_lacks(built_2022):
    project, result = built_2022
    prevalence = pd.read_csv(result.data_dir / "qof" / "2020-21" / "PREVALENCE_2021.csv", dtype=str)
    assert "CVDPP" not in set(prevalence["INDICATOR_GROUP_CODE"])
    section = yaml.safe_load((project / "_variables.yml").read_text())["population_profile"]
    assert section["releases"]["qof-prevalence"] == "2020-21"
    assert section["qof_conditions_words"] == "seven"  # Table 6.1's eight, less CVD primary prevention
    text = _text(project / "_book" / "chapters" / "06-pcn-characteristics.html")
    assert "prevalence of seven conditions in the Quality and Outcomes Framework (QOF) for 2020/21" in text
    assert "(CVDPP) is not in this release: its register is not in QOF 2020/21" in text
    assert "not in this release" in (project / "figures" / "tbl-pcn-characteristics.md").read_text()


def test_ccg_profiles_include_the_five_character_codes(built_2022):
    project, result = built_2022
    mapping = pd.read_csv(result.data_dir / "qof" / "2020-21" / "MAPPING_NHS_GEOGRAPHIES_2021.csv", dtype=str)
    codes = set(mapping["CCG_ODS_CODE"])
    five = {code for code in codes if len(code) == 5}
    assert len(codes) == 135 and len(five) == 9
    profiles = {p.stem for p in (project / "_book" / "profiles").glob("ccg-*.html")}
    assert profiles == {f"ccg-{code}" for code in codes}
