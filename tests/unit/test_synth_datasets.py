"""The synthetic sample's datasets beyond ePCN, registrations and payments: formats against the real
files, consistency between files, and calibration to chapter 6 of the interim report.

Figures are computed straight from the files with pandas (not pcnreport's readers or analysis modules),
so a bug there cannot hide a generator bug; the exception is Table 6.4, whose definition belongs to
pcnreport.analysis.ventures (test_federation_overlap_table_6_4). One seed is enough here: calibration comes from stratified
margins (see test_synth.py, which checks two seeds for the organisations).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from pcnreport.data.synth import MARKER, SAMPLE_PATHS, SyntheticSpec, write_sample


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    # The default seed's sample, written once a session: test_synth.py's `shared_sample` writes (or
    # reuses) the same folder, so running both files writes it once. Tests only read it.
    root = tmp_path_factory.getbasetemp() / f"synth-sample-seed{SyntheticSpec().seed}"
    if (root / MARKER).is_file():
        return {name: root / path for name, path in SAMPLE_PATHS.items()}
    return write_sample(root, SyntheticSpec())


@functools.cache
def _csv(path: Path, **options) -> pd.DataFrame:
    return pd.read_csv(path, **options)


def _members(files) -> pd.DataFrame:
    workbook = openpyxl.load_workbook(files["epcn"], read_only=True)
    rows = list(workbook["PCN Core Partner Details"].iter_rows(values_only=True))
    workbook.close()
    table = pd.DataFrame(rows[1:], columns=rows[0])
    return table.rename(columns={"Partner Organisation Code": "practice", "PCN Code": "pcn"})[["practice", "pcn"]]


@pytest.fixture(scope="module")
def members(files) -> pd.DataFrame:
    return _members(files)


@pytest.fixture(scope="module")
def lists(files) -> pd.Series:
    registrations = _csv(files["registrations"])
    return registrations.set_index("CODE")["NUMBER_OF_PATIENTS"]


@pytest.fixture(scope="module")
def pcn_population(members, lists) -> pd.Series:
    return members.assign(n=members["practice"].map(lists)).groupby("pcn")["n"].sum()


def _by_size(values: pd.Series, population: pd.Series) -> tuple[float, float, float]:
    population = population.reindex(values.index)
    return (
        values[population < 30_000].mean(),
        values[population.between(30_000, 50_000)].mean(),
        values[population > 50_000].mean(),
    )


# --- Formats: headers byte for byte against the real files ---------------------------------------------


def _first_line(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.readline()


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "dataset, real",
    [
        ("qof-prevalence", "qof/2017-18/PREVALENCE_1718.csv"),
        ("qof-organisations", "qof/2017-18/ORGANISATION_REFERENCE_1718.csv"),
        ("practice-ccg", "qof/2019-20/MAPPING_NHS_GEOGRAPHIES_1920.csv"),
        ("lsoa-msoa", "geography/lsoa_geog_lookup.csv"),
        ("ruc", "ruc/2011/ruc_2011.csv"),
    ],
)
def test_csv_headers_match_the_real_files(shared_data, files, dataset, real):
    # Header text, and line ending (CRLF for NHS Digital's, LF for the third-party republications).
    assert _first_line(files[dataset]) == _first_line(shared_data / real)


@pytest.mark.shared_data
def test_lsoa_registrations_header_is_the_publishers_of_the_r_resave(shared_data, files):
    # The real extract is an R re-save: an unnamed index column, every field quoted, `Number.of.Patients`.
    real = _first_line(shared_data / "registrations-lsoa/2020-01-pennine-lancashire/lsoapops_01JAN2020.csv")
    columns = [c.strip('"') for c in real.decode().strip().split(",")][1:]
    ours = _first_line(files["registrations-lsoa"]).decode()
    assert ours.endswith("\r\n")
    assert ours.strip().split(",") == [*columns[:-1], "NUMBER_OF_PATIENTS"]


@pytest.mark.shared_data
def test_imd_workbook_sheets_and_header_match_the_real_one(shared_data, files):
    def sheets(path):
        workbook = openpyxl.load_workbook(path, read_only=True)
        rows = list(workbook["IMD2019"].iter_rows(max_row=2, values_only=True))
        return workbook.sheetnames, rows[0], [type(v).__name__ for v in rows[1]]

    assert sheets(files["imd"]) == sheets(shared_data / "imd/2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx")


@pytest.mark.shared_data
def test_ruc_codes_and_names_are_onss(shared_data, files):
    pairs = lambda path: set(map(tuple, pd.read_csv(path)[["RUC11CD", "RUC11"]].drop_duplicates().values))  # noqa: E731
    assert pairs(files["ruc"]) <= pairs(shared_data / "ruc/2011/ruc_2011.csv")


@pytest.mark.shared_data
def test_qof_list_types_per_group_as_in_the_real_file(shared_data, files):
    types = lambda path: dict(pd.read_csv(path)[["INDICATOR_GROUP_CODE", "PATIENT_LIST_TYPE"]].drop_duplicates().values)  # noqa: E731
    assert types(files["qof-prevalence"]) == types(shared_data / "qof/2017-18/PREVALENCE_1718.csv")


def test_age_file_header_and_bands(files):
    # Header as NHS Digital published the quinary-age file 2017-2020 (confirmed from public code reading it).
    assert _first_line(files["registrations-age"]) == (
        b"PUBLICATION,EXTRACT_DATE,ORG_TYPE,ORG_CODE,ONS_CODE,POSTCODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS\r\n"
    )
    ages = _csv(files["registrations-age"])
    assert set(ages["SEX"]) == {"ALL", "MALE", "FEMALE"}
    bands = [f"{a}_{a + 4}" for a in range(0, 95, 5)] + ["95+"]
    assert list(ages.loc[ages["SEX"] == "MALE", "AGE_GROUP_5"].drop_duplicates()) == bands


def test_every_name_says_synthetic(files):
    for dataset, column in [
        ("registrations-lsoa", "PRACTICE_NAME"), ("qof-organisations", "CCG_NAME"), ("practice-ccg", "CCG_NAME"),
        ("practice-ccg", "STP_NAME"), ("practice-ccg", "REGION_NAME"), ("lsoa-msoa", "LAD_NAME"),
        ("lsoa-msoa", "PCON_NAME"), ("ruc", "LSOA11NM"), ("federations", "venture_name"),
    ]:  # fmt: skip
        names = _csv(files[dataset], dtype=str)[column]
        assert names.str.contains("SYNTHETIC").all(), (dataset, column)


# --- Consistency -----------------------------------------------------------------------------------------


def test_lsoa_registrations_sum_to_list_sizes(files, lists):
    by_lsoa = _csv(files["registrations-lsoa"]).groupby("PRACTICE_CODE")["NUMBER_OF_PATIENTS"].sum()
    pd.testing.assert_series_equal(by_lsoa.sort_index(), lists.sort_index(), check_names=False)


def test_age_bands_sum_to_list_sizes(files, lists):
    ages = _csv(files["registrations-age"])
    bands = ages[ages["SEX"] != "ALL"].groupby("ORG_CODE")["NUMBER_OF_PATIENTS"].sum()
    total = ages[ages["SEX"] == "ALL"].set_index("ORG_CODE")["NUMBER_OF_PATIENTS"]
    pd.testing.assert_series_equal(bands.sort_index(), lists.sort_index(), check_names=False)
    pd.testing.assert_series_equal(total.sort_index(), lists.sort_index(), check_names=False)


def test_geography_files_agree(files):
    lookup = _csv(files["lsoa-msoa"])
    ruc = _csv(files["ruc"])
    workbook = openpyxl.load_workbook(files["imd"], read_only=True)
    imd = pd.DataFrame(list(workbook["IMD2019"].iter_rows(min_row=2, values_only=True)))
    workbook.close()
    assert len(lookup) == 32_844 and lookup["MSOA_CODE"].nunique() == 6_791
    assert lookup["LSOA_CODE"].str.fullmatch(r"E019\d{5}").all() and lookup["MSOA_CODE"].str.fullmatch(r"E029\d{5}").all()
    assert set(lookup["LSOA_CODE"]) == set(ruc["lsoa"]) == set(imd[0])
    assert sorted(imd[4]) == list(range(1, 32_845))
    assert imd[5].value_counts().sort_index().tolist() == [3_284] * 6 + [3_285] * 4 or imd[5].nunique() == 10
    lsoas = set(_csv(files["registrations-lsoa"])["LSOA_CODE"])
    assert lsoas <= set(lookup["LSOA_CODE"])
    per_msoa = lookup.groupby("MSOA_CODE").size()
    assert per_msoa.mean() == pytest.approx(4.84, abs=0.01) and per_msoa.min() >= 1 and per_msoa.max() <= 10


def test_practices_agree_across_files(files, members, lists):
    mapping = _csv(files["practice-ccg"])
    assert set(members["practice"]) <= set(mapping["PRACTICE_CODE"])
    assert set(mapping["PRACTICE_CODE"]) == set(lists.index)
    assert dict(zip(mapping["PRACTICE_CODE"], mapping["PCN_ODS_CODE"])) == {
        **dict.fromkeys(lists.index, "U"), **dict(zip(members["practice"], members["pcn"]))
    }
    assert mapping["CCG_ODS_CODE"].nunique() == 135 and mapping["REGION_ODS_CODE"].nunique() == 7
    qof = _csv(files["qof-prevalence"])
    assert set(qof["PRACTICE_CODE"]) == set(_csv(files["qof-organisations"])["PRACTICE_CODE"])
    assert set(qof["PRACTICE_CODE"]) <= set(lists.index)
    assert set(_csv(files["federations"])["practice_code"]) <= set(lists.index)


# --- Calibration -----------------------------------------------------------------------------------------
# Tolerances: quantiles from stratified inverse CDFs land within rounding of the knots; where a figure
# passes through a later random step (patients spread over LSOAs, practice noise around a PCN's rate),
# the tolerance is what that step's noise allows, measured over seeds, and says so.


def _prevalence(files, members) -> pd.DataFrame:
    qof = _csv(files["qof-prevalence"]).merge(members, left_on="PRACTICE_CODE", right_on="practice")
    sums = qof.groupby(["pcn", "INDICATOR_GROUP_CODE"])[["REGISTER", "PATIENT_LIST_SIZE"]].sum(min_count=1)
    return (100 * sums["REGISTER"] / sums["PATIENT_LIST_SIZE"]).unstack()


TABLE_6_1_PREVALENCE = {  # mean, P10, median, P90 (percent)
    "COPD": (1.9, 1.0, 1.9, 2.9),
    "CKD": (4.1, 2.2, 4.1, 6.2),
    "DM": (7.0, 5.1, 7.0, 8.8),
    "CVDPP": (1.1, 0.8, 1.1, 1.5),
    "HYP": (14.1, 10.0, 14.4, 17.6),
    "STIA": (1.8, 1.0, 1.8, 2.5),
    "MH": (1.0, 0.7, 0.9, 1.3),
    "OB": (8.1, 5.0, 8.0, 11.0),
}


def test_qof_covers_1249_pcns(files, members):
    assert _prevalence(files, members).notna().all(axis=1).sum() == 1_249


@pytest.mark.parametrize("group", TABLE_6_1_PREVALENCE)
def test_qof_prevalence_by_pcn(files, members, group):
    rate = _prevalence(files, members)[group].dropna()
    mean, p10, median, p90 = TABLE_6_1_PREVALENCE[group]
    # Practice noise (10% a register) around the PCN rate, and PCN rates summed over practices of
    # different list types, move the quantiles by up to ~4% of the median.
    tolerance = 0.06 * median + 0.05
    assert rate.mean() == pytest.approx(mean, abs=tolerance)
    assert rate.quantile(0.1) == pytest.approx(p10, abs=tolerance)
    assert rate.median() == pytest.approx(median, abs=tolerance)
    assert rate.quantile(0.9) == pytest.approx(p90, abs=tolerance)


def test_qof_prevalence_higher_in_small_pcns(files, members, pcn_population):
    rates = _prevalence(files, members)
    for group in ("CKD", "HYP", "STIA", "COPD"):
        small, within, large = _by_size(rates[group].dropna(), pcn_population)
        assert small > within > large, group  # Table 6.2


def test_share_aged_65_by_pcn(files, members, pcn_population):
    ages = _csv(files["registrations-age"])
    ages = ages[ages["SEX"] != "ALL"]
    old = ages["AGE_GROUP_5"].isin(["65_69", "70_74", "75_79", "80_84", "85_89", "90_94", "95+"])
    by_practice = ages.assign(old=ages["NUMBER_OF_PATIENTS"] * old).groupby("ORG_CODE")[["old", "NUMBER_OF_PATIENTS"]].sum()
    by_pcn = by_practice.join(members.set_index("practice"), how="inner").groupby("pcn").sum()
    share = 100 * by_pcn["old"] / by_pcn["NUMBER_OF_PATIENTS"]
    # Table 6.1: mean 17.7, P10 9.2, median 18, P90 25.6 (practice noise: +-0.5 points).
    assert share.mean() == pytest.approx(17.7, abs=0.5)
    assert share.quantile(0.1) == pytest.approx(9.2, abs=0.5)
    assert share.median() == pytest.approx(18.0, abs=0.5)
    assert share.quantile(0.9) == pytest.approx(25.6, abs=0.5)
    small, within, large = _by_size(share, pcn_population)  # Table 6.2: 21.3, 17.8, 16.9
    # Default seed: 21.3, 17.8, 16.8. Over seeds the 84 small PCNs' mean moves by up to 0.9 points, the
    # 726 within and 440 over by under 0.2.
    assert small == pytest.approx(21.3, abs=1.5)
    assert within == pytest.approx(17.8, abs=0.5)
    assert large == pytest.approx(16.9, abs=0.5)
    assert small - within > 2 * (within - large)  # steep at the small end, nearly flat above


def test_workload_index_by_pcn(files, pcn_population):
    payments = _csv(files["payments"])
    members = payments[payments["PCN Code"] != "Unknown or no PCN"]
    sums = members.groupby("PCN Code")[
        ["Number of Weighted Patients (Last Known Figure)", "Number of Registered Patients (Last Known Figure)"]
    ].sum()
    index = sums.iloc[:, 0] / sums.iloc[:, 1]
    # Table 6.1: mean 1.01, P10 0.90, median 1.01, P90 1.11, published to two decimals.
    assert index.mean() == pytest.approx(1.01, abs=0.01)
    assert index.quantile(0.1) == pytest.approx(0.90, abs=0.01)
    assert index.median() == pytest.approx(1.01, abs=0.01)
    assert index.quantile(0.9) == pytest.approx(1.11, abs=0.01)
    small, within, large = _by_size(index, pcn_population)  # Table 6.2: 0.98, 1.00, 1.01
    assert small < within <= large + 0.005
    assert small == pytest.approx(0.98, abs=0.015)


def _residence(files, members) -> pd.DataFrame:
    rows = _csv(files["registrations-lsoa"])[["PRACTICE_CODE", "LSOA_CODE", "NUMBER_OF_PATIENTS"]]
    lookup = _csv(files["lsoa-msoa"])[["LSOA_CODE", "MSOA_CODE"]]
    ruc = _csv(files["ruc"]).rename(columns={"lsoa": "LSOA_CODE"})[["LSOA_CODE", "RUC11CD"]]
    rows = rows.merge(lookup, on="LSOA_CODE").merge(ruc, on="LSOA_CODE")
    rows["rural"] = rows["RUC11CD"].str[0].isin(["D", "E"])
    return rows.merge(members, left_on="PRACTICE_CODE", right_on="practice", how="left")


def test_rural_population(files, members, pcn_population):
    rows = _residence(files, members)
    # "~17% of population rural" (England 2011: 17.6% of residents in rural LSOAs).
    assert np.average(rows["rural"], weights=rows["NUMBER_OF_PATIENTS"]) == pytest.approx(0.17, abs=0.02)
    by_pcn = rows.dropna(subset=["pcn"]).groupby("pcn")
    share = 100 * by_pcn.apply(lambda g: np.average(g["rural"], weights=g["NUMBER_OF_PATIENTS"]), include_groups=False)
    # Table 6.1: mean 17.2, P10 0, median 2.5, P90 60.1. Patients living around their practice blur a
    # PCN's share towards its neighbours', so the median sits higher (about 6) and P90 a little lower.
    assert share.mean() == pytest.approx(17.2, abs=2.0)
    assert share.quantile(0.1) < 0.5
    assert share.median() < 8
    assert share.quantile(0.9) == pytest.approx(60.1, abs=6)
    small, within, large = _by_size(share, pcn_population)  # Table 6.2: 34.2, 17.3, 13.9
    assert small > within > large
    assert small == pytest.approx(34.2, abs=4)


def test_pcns_per_msoa(files, members):
    rows = _residence(files, members)
    residents = rows.groupby("MSOA_CODE")["NUMBER_OF_PATIENTS"].sum()
    by_pcn = rows.dropna(subset=["pcn"]).groupby(["MSOA_CODE", "pcn"])["NUMBER_OF_PATIENTS"].sum().reset_index()
    by_pcn["share"] = by_pcn["NUMBER_OF_PATIENTS"] / by_pcn["MSOA_CODE"].map(residents)
    counted = by_pcn[by_pcn["share"] >= 0.01].groupby("MSOA_CODE").size().reindex(residents.index, fill_value=0)
    every = by_pcn.groupby("MSOA_CODE").size().reindex(residents.index, fill_value=0)
    assert len(residents) == 6_791
    assert residents.mean() == pytest.approx(8_853, rel=0.05)  # published mean MSOA population
    # Chapter 6.3: 3.5 (SD 1.8) PCNs with >= 1% of an MSOA's residents; about 19 counting every PCN.
    assert counted.mean() == pytest.approx(3.5, abs=0.3)
    assert 1.0 <= counted.std() <= 2.0
    assert every.mean() == pytest.approx(19, abs=3)
    # Figure 6.4: more PCNs per MSOA in towns than in the country.
    rural_msoa = rows.groupby("MSOA_CODE")["rural"].mean().reindex(residents.index) > 0.5
    assert counted[~rural_msoa].mean() > counted[rural_msoa].mean()


def test_pcns_per_ccg_in_the_april_2020_mapping(files):
    mapping = _csv(files["practice-ccg"])
    per_ccg = mapping[mapping["PCN_ODS_CODE"] != "U"].groupby("CCG_ODS_CODE")["PCN_ODS_CODE"].nunique()
    # 1,250 PCNs over 135 CCGs: the mean is 9.3 (the text's figure; Table 6.3's 6.5 is over the 191
    # earlier CCGs). Median 7 and decile ratio 4.5 as in the real April 2020 mapping; 3 CCGs with one
    # PCN; the largest about 40. Practices in a CCG other than their PCN's add a PCN to a few CCGs.
    assert len(per_ccg) == 135
    assert per_ccg.mean() == pytest.approx(9.3, abs=0.4)
    assert per_ccg.median() == pytest.approx(7, abs=1)
    assert per_ccg.quantile(0.1) == pytest.approx(4, abs=1)
    assert per_ccg.quantile(0.9) == pytest.approx(18, abs=2)
    assert 2 <= (per_ccg == 1).sum() <= 4
    assert 35 <= per_ccg.max() <= 46


def test_federations(files, members):
    ventures = _csv(files["federations"])
    registrations = _csv(files["registrations"])
    assert ventures["practice_code"].is_unique  # one venture a practice (the format allows two)
    assert set(ventures["venture_type"]) == {"federation", "super-practice"}
    kinds = ventures.drop_duplicates("venture_id")["venture_type"].value_counts()
    assert kinds["super-practice"] == 166
    assert kinds.sum() == pytest.approx(386, abs=40)
    sizes = ventures[ventures["venture_type"] == "federation"].groupby("venture_id").size()
    assert sizes.min() >= 1 and sizes.max() <= 60
    assert 12 <= sizes.median() <= 25  # "about 25 GP practices", from 1 to 60
    # "about 62% of GP practices are nested in" a venture. Table 6.4 puts 60% of PCN members in a
    # federation, and here super-practices hold only practices in no federation, so this lands 1-2
    # points above 62% (63.3% for the default seed, 63.3-63.8% over four seeds).
    assert len(ventures) / len(registrations) == pytest.approx(0.62, abs=0.025)


def test_federation_overlap_table_6_4(files):
    # Table 6.4 is defined by the analysis (the practice's own share excludes itself, super-practices
    # are not federations, single-practice PCNs are their own category), so it is computed here with
    # the project's readers and pcnreport.analysis.ventures rather than re-derived with pandas.
    from pcnreport.analysis.ventures import ALL, BELOW, HALF, NONE, SINGLE, THIRTY, venture_results
    from pcnreport.data.readers import read_epcn, read_federations

    members = read_epcn(files["epcn"]).members
    results = venture_results(members, read_federations(files["federations"]))
    shares = results.summary.set_index("category")["share"]
    # Published over 6,313 practices as whole percentages: 16, 27, 10, 7, 40 (the report has no
    # single-practice category: 34 PCNs of one practice, 0.5% of practices at most). Modes are
    # balanced over PCN sizes, so the shares stay within 0.6 points of target over seeds (default
    # seed: 15.9, 26.8, 10.1, 6.9, 39.8); 1.5 points is that spread plus the published rounding.
    expected = {ALL: 0.16, HALF: 0.27, THIRTY: 0.10, BELOW: 0.07, NONE: 0.40}
    for name, target in expected.items():
        assert shares[name] == pytest.approx(target, abs=0.015), name
    assert shares[SINGLE] <= 0.005
    # "more than four PCN core-member GP practices out of 10 are known working already together"
    assert shares[ALL] + shares[HALF] > 0.4
    # The text before Table 6.4: 16 PCNs formed by a stand-alone super-practice.
    configurations = results.configurations["configuration"].value_counts()
    assert configurations["Stand-alone super-practice"] == 16


# --- Each vintage's formats ---------------------------------------------------------------------------------

LATER = ("2022-02", "2023-01", "latest")


@functools.cache
def _vintage_files(base: Path, vintage: str) -> dict[str, Path]:
    # The same folder test_synth.py's `vintage_sample` writes, so the two files write each vintage once.
    from pcnreport.data.synth import get_vintage

    era = get_vintage(vintage)
    root = base / f"synth-sample-vintage-{era.name}"
    if (root / MARKER).is_file():
        return {name: root / path for name, path in era.paths.items()}
    return write_sample(root, SyntheticSpec(), vintage)


@pytest.fixture(scope="module")
def vintage_files(tmp_path_factory):
    return lambda vintage: _vintage_files(tmp_path_factory.getbasetemp(), vintage)


@pytest.fixture(scope="module")
def data_later(shared_data) -> Path:
    """../shared/data-later, beside ../shared/data (whose fixture skips with a reason when it is absent)."""
    folder = shared_data.parent / "data-later"
    if not folder.is_dir():
        pytest.skip("../shared/data-later is absent: real later releases are not part of a user's clone")
    return folder


def _first_line(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.readline()


def _sheet_headers(path: Path) -> dict[str, tuple]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    headers = {sheet.title: next(sheet.iter_rows(max_row=1, values_only=True)) for sheet in workbook.worksheets}
    workbook.close()
    return headers


def test_epcn_2022_has_the_real_february_2022_sheets_and_headers(vintage_files, data_later):
    ours = _sheet_headers(vintage_files("2022-02")["epcn"])
    assert ours == _sheet_headers(data_later / "epcn" / "2022-02" / "ePCN.xlsx")
    assert list(ours) == ["PCNDetails", "PCN Core Partner Details"]
    assert ours["PCNDetails"][2] == "Current Clinical \nCommissioning \nGroup Code"


@pytest.mark.parametrize("vintage", ["2023-01", "latest"])
def test_epcn_sub_icb_eras_have_sub_icb_location_columns(vintage_files, vintage):
    ours = _sheet_headers(vintage_files(vintage)["epcn"])
    assert list(ours) == ["PCNDetails", "PCN Core Partner Details"]
    assert ours["PCNDetails"] == (
        "PCN Code", "PCN Name", "Current Sub ICB Loc Code", "Sub ICB Location", "Open Date", "Close Date",
        "Address Line 1", "Address Line 2", "Address Line 3", "Address Line 4", "Address Line 5", "Postcode",
    )  # fmt: skip
    members = ours["PCN Core Partner Details"]
    assert members[:4] == ("Partner\nOrganisation\nCode", "Partner\nName", "Practice\nParent\nSub ICB Loc Code",
                           "Practice\nParent\nSub ICB Loc Name")  # fmt: skip
    assert not any("CCG" in header for header in members)


def test_epcn_2022_cells_are_text_dates_and_values_not_formulas(vintage_files):
    workbook = openpyxl.load_workbook(vintage_files("2022-02")["epcn"], read_only=True)
    pcn = next(workbook["PCNDetails"].iter_rows(min_row=2, max_row=2, values_only=True))
    member = next(workbook["PCN Core Partner Details"].iter_rows(min_row=2, max_row=2, values_only=True))
    workbook.close()
    assert pcn[4] in ("20191001", "20191201")
    assert member[5].startswith("SYNTHETIC PCN ") and member[8] in ("20191001", "20191201") and member[10] is True


def test_payments_2020_21_first_line_is_the_real_one_with_its_byte_order_mark(vintage_files, data_later):
    ours = vintage_files("2022-02")["payments"]
    assert _first_line(ours) == _first_line(data_later / "payments" / "2020-21" / "20-21.csv")
    table = pd.read_csv(ours, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert set(table["Practice Rurality"]) == {"Urban", "Rural", "Missing"}
    numbers = table.iloc[:, 17:].astype(float)
    total = numbers["Total NHS Payments to General Practice"]
    pcn = numbers.loc[:, "PCN Leadership":"PCN Care Home Premium"].sum(axis=1)
    covid = numbers[["Covid Immunisation", "Covid Support and Expansion"]].sum(axis=1)
    assert np.allclose(numbers["Total NHS Payments including PCN Workforce, Leadership and Support"], total + pcn, atol=0.011)
    wider = "Total NHS Payments including covid vaccination and covid support and expansion payments"
    assert np.allclose(numbers[wider], total + covid, atol=0.011)


def test_qof_mapping_2020_21_header_is_the_real_one(vintage_files, data_later):
    ours = vintage_files("2022-02")["practice-ccg"]
    assert _first_line(ours) == _first_line(data_later / "qof" / "2020-21" / "MAPPING_NHS_GEOGRAPHIES_2021.csv")


def test_registrations_2026_first_line_is_the_real_one(vintage_files, data_later):
    ours = vintage_files("latest")["registrations"]
    assert _first_line(ours) == _first_line(data_later / "registrations" / "2026-06" / "gp-reg-pat-prac-all.csv")
    assert pd.read_csv(ours, nrows=1)["EXTRACT_DATE"].iat[0] == "2026-06-01"


@pytest.mark.parametrize(
    "vintage, header",
    [
        ("2023-01", "NAT_ONS_CODE,NAT_CODE,COUNTRY,REGION_ODS_CODE,REGION_ONS_CODE,REGION_NAME,ICB_ODS_CODE,"
                    "ICB_ONS_CODE,ICB_NAME,SUB_ICB_LOC_ODS_CODE,SUB_ICB_LOC_ONS_CODE,SUB_ICB_LOC_NAME,PCN_ODS_CODE,"
                    "PCN_NAME,PRACTICE_CODE,PRACTICE_NAME"),
        ("latest", "NAT_COUNTRY,REGION_ODS_CODE,REGION_ONS_CODE,REGION_NAME,ICB_ODS_CODE,ICB_ONS_CODE,ICB_NAME,"
                   "SUB_ICB_ODS_CODE,SUB_ICB_ONS_CODE,SUB_ICB_NAME,PCN_ODS_CODE,PCN_NAME,PRACTICE_CODE,PRACTICE_NAME"),
    ],
)  # fmt: skip
def test_qof_mapping_sub_icb_headers_and_new_region_codes(vintage_files, vintage, header):
    path = vintage_files(vintage)["practice-ccg"]
    assert _first_line(path) == (header + "\r\n").encode()
    mapping = pd.read_csv(path, dtype=str)
    # July 2022: North East and Yorkshire E40000009 -> E40000012, Midlands E40000008 -> E40000011.
    regions = mapping.drop_duplicates("REGION_ODS_CODE").set_index("REGION_ODS_CODE")["REGION_ONS_CODE"]
    assert regions["Y63"] == "E40000012" and regions["Y60"] == "E40000011" and regions["Y56"] == "E40000003"
    # 42 ICBs' worth of STPs, each sub-ICB location in one ICB and named after it.
    assert mapping.groupby("SUB_ICB_LOC_ODS_CODE" if vintage == "2023-01" else "SUB_ICB_ODS_CODE")["ICB_ODS_CODE"].nunique().max() == 1


@pytest.mark.parametrize(
    "vintage, decimal, cvdpp, list_size",
    [("2019-12", False, True, "PATIENT_LIST_SIZE"), ("2022-02", False, False, "PATIENT_LIST_SIZE"),
     ("2023-01", True, False, "PATIENT_LIST_SIZE"), ("latest", True, False, "PRACTICE_LIST_SIZE")],
)  # fmt: skip
def test_qof_prevalence_register_style_and_retired_register(files, vintage_files, vintage, decimal, cvdpp, list_size):
    path = files["qof-prevalence"] if vintage == "2019-12" else vintage_files(vintage)["qof-prevalence"]
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert table.columns[-1] == list_size
    registers = table["REGISTER"][table["REGISTER"] != ""]
    assert registers.str.fullmatch(r"\d+\.0" if decimal else r"\d+").all()
    assert ("CVDPP" in set(table.iloc[:, 1])) == cvdpp
    if vintage != "2019-12":
        # The same registers as 2019's file: only the format changed (and CVD primary prevention retired).
        old = pd.read_csv(files["qof-prevalence"], dtype=str, keep_default_na=False)
        old = old[old["INDICATOR_GROUP_CODE"] != "CVDPP"]
        assert (registers.str.removesuffix(".0").to_numpy() == old["REGISTER"][old["REGISTER"] != ""].to_numpy()).all()


def test_nine_commissioners_carry_five_character_codes_from_2022(files, vintage_files):
    assert _csv(files["registrations"])["CCG_CODE"].str.len().eq(3).all()
    for vintage, column in (("2022-02", "CCG_CODE"), ("2023-01", "SUB_ICB_LOCATION_CODE")):
        codes = _csv(vintage_files(vintage)["registrations"])[column].drop_duplicates()
        five = codes[codes.str.len() == 5]
        assert len(five) == 9 and five.str.fullmatch(r"Z\d[A-Z]\d[A-Z]").all(), vintage


def test_the_readers_read_the_2022_02_sample_fully(vintage_files):
    from pcnreport.data import readers

    later = vintage_files("2022-02")
    epcn = readers.read_epcn(later["epcn"])
    registrations = readers.read_registrations(later["registrations"])
    payments = readers.read_payments(later["payments"])
    prevalence = readers.read_qof_prevalence(later["qof-prevalence"])
    mapping = readers.read_practice_ccg(later["practice-ccg"])
    assert len(epcn.pcns) == 1250 and epcn.pcns["ccg_code"].str.len().eq(5).sum() > 0
    assert set(registrations["practice_code"]) == set(payments["practice_code"]) == set(mapping["practice_code"])
    assert payments["practice_rurality"].isna().sum() == (_csv(later["payments"], encoding="utf-8-sig")["Practice Rurality"] == "Missing").sum()
    assert "CVDPP" not in set(prevalence["indicator"]) and len(set(prevalence["indicator"])) == 20
    assert mapping["ccg_code"].nunique() == 135
    practice_map = readers.read_practice_map(later["registrations-map"])
    assert set(practice_map["commissioner_level"]) == {"ccg"}
    assert set(practice_map["practice_code"]) == set(mapping["practice_code"])
    for name in ("registrations-age", "registrations-lsoa"):
        reader = readers.read_registrations_age if name == "registrations-age" else readers.read_registrations_lsoa
        assert len(reader(later[name])) > 0, name


@pytest.mark.parametrize("vintage, real", [("2022-02", "2022-01"), ("latest", "2025-10")])
def test_practice_mapping_first_line_is_the_real_one(vintage_files, data_later, vintage, real):
    ours = vintage_files(vintage)["registrations-map"]
    assert _first_line(ours) == _first_line(data_later / "registrations-map" / real / "gp-reg-pat-prac-map.csv")
    table = pd.read_csv(ours, dtype=str)
    assert table["EXTRACT_DATE"].iat[0] == {"2022-02": "01Feb2022", "latest": "2026-06-01"}[vintage]
    # Every practice once, those in no PCN in PCN 'U' as in the real file; the commissioner is the QOF
    # mapping's and the registrations' (the same synthetic geography in every file).
    assert table["PRACTICE_CODE"].is_unique and table["PRACTICE_CODE"].is_monotonic_increasing
    assert (table["PCN_CODE"] == "U").sum() == SyntheticSpec().unaffiliated_practices
    code = "CCG_CODE" if vintage == "2022-02" else "SUB_ICB_LOCATION_CODE"
    registrations = _csv(vintage_files(vintage)["registrations"]).set_index("CODE")[code]
    assert (table.set_index("PRACTICE_CODE")[code] == registrations.reindex(table["PRACTICE_CODE"])).all()


def test_practice_mapping_2023_has_the_sub_icb_columns_without_a_supplier(vintage_files):
    header = _first_line(vintage_files("2023-01")["registrations-map"]).decode().rstrip("\n").split(",")
    assert header[7:13] == ["ONS_SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME",
                            "ONS_ICB_CODE", "ICB_CODE", "ICB_NAME"]  # fmt: skip
    assert header[-1] == "COMM_REGION_NAME"


@pytest.mark.parametrize("vintage", ["2023-01", "latest"])
def test_the_sub_icb_eras_have_42_icbs_and_their_boundaries(vintage_files, vintage):
    from pcnreport.data import readers

    written = vintage_files(vintage)
    mapping = readers.read_practice_ccg(written["practice-ccg"])
    # 135 CCGs: the nine largest ICBs' CCGs (four each) merged into one sub-ICB location each (England: 106).
    assert (mapping["icb_code"].nunique(), mapping["ccg_code"].nunique()) == (42, 135 - 9 * 3)
    pairs = mapping[["ccg_code", "icb_code", "region_code"]].drop_duplicates()
    assert pairs["ccg_code"].is_unique  # each sub-ICB location in one ICB and one region
    assert mapping.groupby("icb_code")["region_code"].nunique().max() == 1
    five = pairs["ccg_code"][pairs["ccg_code"].str.len() == 5]
    # The merged ones, with five-character codes and new ONS codes (E38950001...), as the CCGs of April 2021.
    merged = mapping.drop_duplicates("ccg_code").set_index("ccg_code")["ccg_ons_code"]
    assert len(five) == 9 and merged[five].str.startswith("E38950").all()
    assert not merged.drop(five).str.startswith("E38950").any()
    practice_map = readers.read_practice_map(written["registrations-map"])
    assert practice_map.set_index("practice_code")["commissioner_code"].equals(mapping.set_index("practice_code")["ccg_code"])
    sub_icbs = readers.read_sub_icb_boundaries(written["boundaries-sub-icb"])
    icbs = readers.read_icb_boundaries(written["boundaries-icb"])
    assert set(sub_icbs["code"]) == set(mapping["ccg_ons_code"]) and set(icbs["code"]) == set(mapping["icb_ons_code"])
    assert {g.geom_type for g in (*sub_icbs["geometry"], *icbs["geometry"])} == {"Polygon"}  # each area contiguous
    # The CCG boundaries stay April 2020's 135 CCGs, named as CCGs.
    ccgs = readers.read_ccg_boundaries(written["boundaries-ccg"])
    assert len(ccgs) == 135 and ccgs["name"].str.startswith("NHS SYNTHETIC CCG").all()
