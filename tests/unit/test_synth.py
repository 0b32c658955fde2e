"""The synthetic sample: deterministic, in the publishers' exact formats, calibrated to the interim report.

Statistics are computed here straight from the files with pandas and openpyxl, not with pcnreport's
readers, so a reader bug cannot hide a generator bug (one test at the end does read the sample with them).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from pcnreport.core.errors import DataFormatError
from pcnreport.data.synth import MARKER, SAMPLE_PATHS, SyntheticSpec, is_synthetic, write_sample
from pcnreport.data.synth.history import HISTORY_FILE, history_months

DEFAULT_SEED = SyntheticSpec().seed
# Calibration is checked for the default seed and one other: it must come from the method (stratified
# margins), not from a lucky seed.
SEEDS = (DEFAULT_SEED, 7)


@dataclasses.dataclass(frozen=True, eq=False)  # hashed by identity, for functools.cache
class Sample:
    root: Path
    files: dict[str, Path]


def _write(root: Path, spec: SyntheticSpec = SyntheticSpec()) -> Sample:
    return Sample(root, write_sample(root, spec))


def shared_sample(tmp_path_factory, seed: int) -> Sample:
    """The sample of `seed`, written once a test session (about 12 s a seed) and then reused.

    It sits at a fixed place under the session's base temporary folder, so test_synth_datasets.py (which
    has the same helper) reads the same files instead of writing them again. Tests only read it.
    """
    root = tmp_path_factory.getbasetemp() / f"synth-sample-seed{seed}"
    if (root / MARKER).is_file():
        return Sample(root, {name: root / path for name, path in SAMPLE_PATHS.items()})
    return _write(root, SyntheticSpec(seed=seed))


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[int, Sample]:
    return {seed: shared_sample(tmp_path_factory, seed) for seed in SEEDS}


@pytest.fixture(params=SEEDS, ids=lambda seed: f"seed{seed}")
def sample(request, samples) -> Sample:
    return samples[request.param]


@pytest.fixture
def default_sample(samples) -> Sample:
    return samples[DEFAULT_SEED]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree_hashes(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): _sha256(path) for path in sorted(root.rglob("*")) if path.is_file()}


# --- Reading the files directly -----------------------------------------------------------------------


@functools.cache  # the files never change once written; tests only read the frames
def _sheet(path: Path, title: str) -> pd.DataFrame:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(workbook[title].iter_rows(values_only=True))
    finally:
        workbook.close()
    return pd.DataFrame(rows[1:], columns=rows[0])


@functools.cache
def _pcn_sizes(sample: Sample) -> pd.DataFrame:
    """One row a PCN: its number of core partner practices and registered population (January 2020)."""
    members = _sheet(sample.files["epcn"], "PCN Core Partner Details")
    registrations = pd.read_csv(sample.files["registrations"], dtype={"NUMBER_OF_PATIENTS": "int64"})
    patients = members["Partner Organisation Code"].map(registrations.set_index("CODE")["NUMBER_OF_PATIENTS"])
    assert patients.notna().all(), "every member practice has a registrations row"
    return (
        members.assign(patients=patients)
        .groupby("PCN Code")
        .agg(practices=("Partner Organisation Code", "size"), population=("patients", "sum"))
    )


# --- Determinism, the marker, speed --------------------------------------------------------------------


def test_write_sample_returns_each_dataset_and_its_file(default_sample):
    assert set(default_sample.files) == set(SAMPLE_PATHS)
    for name, path in default_sample.files.items():
        assert path == default_sample.root / SAMPLE_PATHS[name]
        assert path.is_file() and path.stat().st_size > 0


def test_same_seed_gives_byte_identical_files(default_sample, tmp_path):
    first = _tree_hashes(default_sample.root)
    # The datasets, the marker, and the history after the interim report: every month of the registrations'
    # practice mapping from April 2020 to the latest vintage's, with the record of its events.
    history = {f"registrations-map/{m}/gp-reg-pat-prac-map.csv" for m in history_months("2026-06")} | {HISTORY_FILE}
    assert set(first) == {*SAMPLE_PATHS.values(), MARKER} | history
    # Written again over a copy of the first write (one write, not two: each takes ~12 s): the same
    # bytes, and the temporary files and renames leave nothing else behind.
    again = shutil.copytree(default_sample.root, tmp_path / "again")
    assert _tree_hashes(_write(again).root) == first


def test_a_different_seed_gives_different_files(samples):
    one, other = (samples[seed] for seed in SEEDS)
    for name in SAMPLE_PATHS:
        assert _sha256(other.files[name]) != _sha256(one.files[name]), name


def test_marker_records_seed_generator_and_file_hashes(default_sample):
    marker = json.loads((default_sample.root / MARKER).read_text(encoding="utf-8"))
    assert marker["synthetic"] is True
    assert marker["seed"] == DEFAULT_SEED
    assert marker["generator"] == "pcnreport.synth"
    assert isinstance(marker["version"], int)
    datasets = {SAMPLE_PATHS[name]: _sha256(path) for name, path in default_sample.files.items()}
    history = {path: _sha256(default_sample.root / path) for path in marker["files"] if path not in datasets}
    assert marker["files"] == datasets | history
    assert len(history) == len(history_months("2026-06")) + 1  # the months and SYNTHETIC-HISTORY.json


def test_is_synthetic(default_sample, tmp_path):
    assert is_synthetic(default_sample.root)
    assert not is_synthetic(tmp_path)  # no marker: real data
    (tmp_path / MARKER).write_text('{"synthetic": false}', encoding="utf-8")
    assert not is_synthetic(tmp_path)


def test_an_unreadable_marker_is_an_error_not_real_data(tmp_path):
    # Treating it as "real" would publish a synthetic report without its label.
    (tmp_path / MARKER).write_text("{not json", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"SYNTHETIC.json"):
        is_synthetic(tmp_path)


# --- Calibration: the interim report's published figures (chapter 6) ------------------------------------
# Margins are drawn by stratified inverse-CDF sampling, so the targets are met closely for any seed; the
# tolerances cover rounding the knots' interpolation to whole patients and practices, and the small
# Dirichlet split rounding (a PCN's population is the sum of its practices' whole-number lists).


def test_organisation_counts(sample):
    pcns = _sheet(sample.files["epcn"], "PCN Details")
    members = _sheet(sample.files["epcn"], "PCN Core Partner Details")
    payments = pd.read_csv(sample.files["payments"], dtype=str, keep_default_na=False)
    assert len(pcns) == 1250
    assert pcns["Current Clinical Commissioning Group Code"].nunique() == 135
    assert 6_750 <= len(members) <= 6_850
    assert members["Partner Organisation Code"].is_unique
    assert set(payments["NHS England (Region) code"]) == {"Y56", "Y58", "Y59", "Y60", "Y61", "Y62", "Y63"}


def test_pcns_per_ccg(sample):
    pcns = _sheet(sample.files["epcn"], "PCN Details")
    per_ccg = pcns.groupby("Current Clinical Commissioning Group Code").size()
    assert 2 <= (per_ccg == 1).sum() <= 5  # "a few" (April 2020: 3)
    assert 35 <= per_ccg.max() <= 45  # the largest CCG has about 40 PCNs (April 2020: 43)
    assert per_ccg.median() == 7


def test_practices_per_pcn(sample):
    practices = _pcn_sizes(sample)["practices"]
    assert practices.mean() == pytest.approx(5.4, abs=0.05)  # published to one decimal
    assert practices.median() == 5
    assert practices.quantile(0.1) == 3
    assert practices.quantile(0.9) == 8
    assert (practices == 1).sum() == pytest.approx(34, abs=2)
    assert (practices >= 10).sum() == pytest.approx(77, abs=3)
    assert 28 <= practices.max() <= 32


def test_pcn_population(sample):
    population = _pcn_sizes(sample)["population"]
    # Published rounded to the nearest 1,000 (mean, median) or 100 (deciles).
    assert population.mean() == pytest.approx(48_000, abs=500)
    assert population.median() == pytest.approx(44_000, abs=500)
    assert population.quantile(0.1) == pytest.approx(31_100, abs=150)
    assert population.quantile(0.9) == pytest.approx(69_200, abs=300)
    # Published as whole percentages (and as counts: 84, 726 and 440 PCNs).
    assert (population < 30_000).mean() == pytest.approx(0.07, abs=0.006)
    assert population.between(30_000, 50_000).mean() == pytest.approx(0.58, abs=0.006)
    assert (population > 50_000).mean() == pytest.approx(0.35, abs=0.006)
    assert (population < 24_000).mean() == pytest.approx(0.01, abs=0.004)
    assert (population > 80_000).mean() == pytest.approx(0.05, abs=0.004)


def test_size_and_practices_correlated_with_wide_spread(sample):
    sizes = _pcn_sizes(sample)
    # Real PCNs: Spearman 0.58. Correlated, but far from a line.
    assert 0.45 <= sizes["practices"].rank().corr(sizes["population"].rank()) <= 0.7  # Spearman
    # "PCNs containing only two (super-)practices but covering nearly 100,000 people".
    assert sizes.loc[sizes["practices"] == 2, "population"].max() >= 90_000
    # And some large PCNs of many practices: population spread within a practice count is wide.
    six = sizes.loc[sizes["practices"] == 6, "population"]
    assert six.quantile(0.9) / six.quantile(0.1) > 1.6


def test_weighted_to_registered_ratio(sample):
    payments = pd.read_csv(sample.files["payments"])
    ratio = (
        payments["Number of Weighted Patients (Last Known Figure)"]
        / payments["Number of Registered Patients (Last Known Figure)"]
    )
    # Targets from the 2019/20 payments file's spread, to two decimals.
    assert ratio.median() == pytest.approx(1.0, abs=0.02)
    assert ratio.quantile(0.1) == pytest.approx(0.90, abs=0.02)
    assert ratio.quantile(0.9) == pytest.approx(1.11, abs=0.02)


def test_practice_rurality_shares(sample):
    rurality = pd.read_csv(sample.files["payments"])["Practice Rurality"].value_counts(normalize=True)
    assert set(rurality.index) == {"Urban", "Rural", "MISSING"}
    # Rural practices cluster by CCG, so the realised share varies more by seed than a coin toss would.
    assert rurality["Rural"] == pytest.approx(0.16, abs=0.05)
    assert rurality["MISSING"] == pytest.approx(0.015, abs=0.01)


# --- Formats: the publishers' own ------------------------------------------------------------------------


def test_every_name_says_synthetic_and_codes_have_the_real_shapes(default_sample):
    pcns = _sheet(default_sample.files["epcn"], "PCN Details")
    members = _sheet(default_sample.files["epcn"], "PCN Core Partner Details")
    payments = pd.read_csv(default_sample.files["payments"], dtype=str, keep_default_na=False)
    for names in (
        pcns["PCN Name"],
        pcns["Clinical Commissioning Group Name"],
        members["Partner Name"],
        members["Practice Parent CCG Name"],
        payments["Practice Name"],
        payments["CCG NAME"],
        payments["NHS England (Region) Name"],
        payments.loc[payments["PCN Code"] != "Unknown or no PCN", "PCN Name"],
    ):
        assert names.str.contains("SYNTHETIC").all(), names.name
    assert members["Partner Organisation Code"].str.fullmatch(r"Z\d{5}").all()  # Z: no ODS GP practice uses it
    assert pcns["PCN Code"].str.fullmatch(r"U\d{5}").all()
    assert pcns["Current Clinical Commissioning Group Code"].str.fullmatch(r"Z\d[A-Z]").all()


def test_epcn_formulas_have_no_cached_value(default_sample):
    path = default_sample.files["epcn"]
    formulas = openpyxl.load_workbook(path, read_only=True)["PCN Core Partner Details"]
    cached = openpyxl.load_workbook(path, read_only=True, data_only=True)["PCN Core Partner Details"]
    rows = zip(formulas.iter_rows(min_row=2), cached.iter_rows(min_row=2, values_only=True))
    for row, (cells, values) in enumerate(rows, start=2):
        name, match = cells[5], cells[10]
        assert (name.data_type, name.value) == ("f", f"=VLOOKUP(E{row},'PCN Details'!A:B,2,FALSE)")
        assert (match.data_type, match.value) == ("f", f"=G{row}=C{row}")
        assert values[5] is None and values[10] is None
    assert row == 1 + len(_sheet(path, "PCN Core Partner Details"))


def test_epcn_dates_are_yyyymmdd_integers(default_sample):
    pcns = _sheet(default_sample.files["epcn"], "PCN Details")
    members = _sheet(default_sample.files["epcn"], "PCN Core Partner Details")
    for dates in (pcns["Open Date (YYYYMMDD)"], members["Practice to PCN Relationship Start Date"]):
        assert all(type(value) is int for value in dates)
        assert set(dates) <= {20191001, 20191201}
    assert pcns["Close Date"].isna().all() and members["Practice to PCN Relationship End Date"].isna().all()


def test_some_practices_sit_in_another_ccg_than_their_pcn(default_sample):
    # The formula column's raison d'être: the real December 2019 file has 30 such practices.
    members = _sheet(default_sample.files["epcn"], "PCN Core Partner Details")
    differs = members["Practice Parent CCG Code"] != members["PCN Parent CCG Code"]
    assert differs.sum() == SyntheticSpec().cross_ccg_practices


def test_registrations_rows(default_sample):
    raw = default_sample.files["registrations"].read_bytes()
    header = b"PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\r\n"
    assert raw.startswith(header)
    table = pd.read_csv(default_sample.files["registrations"], dtype=str)
    fixed = table[["PUBLICATION", "EXTRACT_DATE", "TYPE", "SEX", "AGE"]].drop_duplicates()
    assert fixed.values.tolist() == [["GP_PRAC_PAT_LIST", "01JAN2020", "GP", "ALL", "ALL"]]
    assert table["NUMBER_OF_PATIENTS"].str.fullmatch(r"\d+").all()
    assert table["ONS_CCG_CODE"].str.fullmatch(r"E38\d{6}").all()
    assert table["CODE"].is_unique


def test_payments_numbers_are_formatted_and_add_up(default_sample):
    payments = pd.read_csv(default_sample.files["payments"], dtype=str, keep_default_na=False)
    columns = list(payments.columns)
    amounts = payments[columns[columns.index("Number of Registered Patients (Last Known Figure)") :]]
    # The real file's style: at most two decimals, no trailing zeros, never blank ("0" for nothing).
    assert amounts.apply(lambda column: column.str.fullmatch(r"-?(0|[1-9]\d*)(\.\d?[1-9])?").all()).all()
    numbers = amounts.astype(float)
    lines = numbers.loc[:, "Global Sum":"Other Payments"]
    total = numbers["Total NHS Payments to General Practice"]
    assert np.allclose(lines.sum(axis=1), total, atol=0.011)
    net = numbers["Total NHS Payments to General Practice Minus Deductions"]
    deductions = numbers["Deductions for Pensions, Levies and Prescription Charge Income"]
    assert np.allclose(total + deductions, net, atol=0.011)
    # Practices outside any PCN appear here (and in registrations) but not in ePCN.
    assert (payments["PCN Code"] == "Unknown or no PCN").sum() == SyntheticSpec().unaffiliated_practices


def test_the_project_readers_read_every_file_of_the_sample(default_sample):
    from pcnreport.data import readers

    files = default_sample.files
    epcn = readers.read_epcn(files["epcn"])
    registrations = readers.read_registrations(files["registrations"])
    payments = readers.read_payments(files["payments"])
    assert len(epcn.pcns) == 1250
    assert set(epcn.members["practice_code"]) <= set(registrations["practice_code"])
    assert set(registrations["practice_code"]) == set(payments["practice_code"])
    # Every other dataset with a reader (QOF's organisation reference has none: nothing reads it).
    read = {
        "registrations-age": readers.read_registrations_age,
        "registrations-lsoa": readers.read_registrations_lsoa,
        "qof-prevalence": readers.read_qof_prevalence,
        "practice-ccg": readers.read_practice_ccg,
        "imd": readers.read_imd,
        "ruc": readers.read_ruc,
        "lsoa-msoa": readers.read_lsoa_msoa,
        "federations": readers.read_federations,
    }
    tables = {name: reader(files[name]) for name, reader in read.items()}
    for name, table in tables.items():
        assert len(table) > 0, name
    assert set(tables["practice-ccg"]["practice_code"]) == set(registrations["practice_code"])
    assert len(tables["imd"]) == len(tables["ruc"]) == len(tables["lsoa-msoa"]) == 32_844
    assert set(tables["federations"]["practice_code"]) <= set(registrations["practice_code"])
    # The mapping's CCG ONS codes are the CCG boundaries' codes: the profiles' maps look CCGs up by them.
    ccg_boundaries = readers.read_ccg_boundaries(files["boundaries-ccg"])
    mapping = tables["practice-ccg"].drop_duplicates("ccg_code")
    assert mapping["ccg_ons_code"].is_unique and set(mapping["ccg_ons_code"]) == set(ccg_boundaries["code"])


# --- Against the real publisher files (../shared/data) ---------------------------------------------------


def _header_and_types(path: Path, title: str) -> tuple[list, list]:
    """A sheet's header and the openpyxl cell type of each column's cells in row 2."""
    sheet = openpyxl.load_workbook(path, read_only=True)[title]
    first, second = sheet.iter_rows(max_row=2)
    return [cell.value for cell in first], [(cell.data_type, type(cell.value).__name__) for cell in second]


@pytest.mark.shared_data
@pytest.mark.parametrize("title", ["PCN Details", "PCN Core Partner Details"])
def test_epcn_sheets_match_the_real_workbook(shared_data, default_sample, title):
    real = _header_and_types(shared_data / "epcn" / "2019-12" / "ePCN.xlsx", title)
    ours = _header_and_types(default_sample.files["epcn"], title)
    assert ours[0] == real[0]
    # Row 2's cell types column by column (text, YYYYMMDD integers, formulas, empty cells). The real
    # PCN Details row 2 has a blank Address Line 3 and Address Line 5 filled; ours leaves both blank.
    real_types, our_types = real[1], ours[1]
    if title == "PCN Details":
        real_types, our_types = real_types[:10] + real_types[11:], our_types[:10] + our_types[11:]
    assert our_types == real_types


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "dataset, real",
    [
        ("registrations", "registrations/2021-01/gp-reg-pat-prac-all.csv"),
        ("payments", "payments/2019-20/payments_19-20.csv"),
    ],
)
def test_csv_headers_match_the_real_files_byte_for_byte(shared_data, default_sample, dataset, real):
    # First line, quoting, the trailing space in "Appraisal Costs " and the CRLF line ending included.
    def first_line(path: Path) -> bytes:
        with path.open("rb") as handle:
            return handle.readline()

    assert first_line(default_sample.files[dataset]) == first_line(shared_data / real)


# --- Vintages: the same sample in each era's formats --------------------------------------------------------

# The December 2019 edition's files as written before vintages existed (default seed): the default vintage
# must keep them byte for byte, or the interim report's build would change.
DEFAULT_FILE_HASHES = {
    "boundaries-ccg/2020-04/ccg-2020-04.geojson": "18f3052322997b94d5982a8f7d3ed45acc5f769e0e973aa2e556bd1c9596c1c8",
    "boundaries-msoa/2011/msoa-2011.geojson": "54589224c5deb3751cc2a73ce45f5f31e7d6b1f0f3e122f44e1d6a8727c40832",
    "epcn/2020-01/ePCN.xlsx": "b1ad8fd521797515f40151b5b59024218df9c4d9093cde745c90760c42f5664c",
    "federations/2019/federations.csv": "e6fed417e960818ce3cb855915e2532f75590f438a3d971149c3bd8ca7563251",
    "geography/lsoa_geog_lookup.csv": "96d5969814fe9ca04756b08f4f6c5d4e5bd7fa620a435488ad750290db2f5d5a",
    "imd/2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx": "c7f43f10cb71ac4ee130a8d22d46155556b24f2735065d0ee8a5fdcd0f286eb6",
    "interviews/2019/emphasis.csv": "47e9b802d7efbe464e0ec547cfd89ebe0fb48b98afaa3ab85a9ca04551f4a0f5",
    "payments/2019-20/payments_19-20.csv": "a88b120c0541c62a0f3c617779bd726d3a69c5e00760e504f0fe6d19b5867fb1",
    "qof/2017-18/ORGANISATION_REFERENCE_1718.csv": "afa0969d4411b834e16c525c22a7ea2ce3420f7c240394fa3803f86e57ac821d",
    "qof/2017-18/PREVALENCE_1718.csv": "54f4600c87993ec2c0c0bb5042320e66ee4a69f4f379db3fb19d762be56886fa",
    "qof/2019-20/MAPPING_NHS_GEOGRAPHIES_1920.csv": "dc1d03f57eb4ba665d9e532876c938bcd3eb6a789ce4e40432a29529ec6e78e3",
    "registrations-age/2020-01/gp-reg-pat-prac-quin-age.csv": "fda5240aaa2eed273b94470f4d055476be194b4165a07020ebc66d77cff034e7",
    "registrations-lsoa/2020-01/gp-reg-pat-prac-lsoa-all.csv": "88f39095457dad40da9339898958db67321281e404949984bd23e592a35a2f5e",
    "registrations/2020-01/gp-reg-pat-prac-all.csv": "35f22f1e0adf983d37329f1cc2521fdfffad2023714b49f1b6000fc93a6bbf75",
    "ruc/2011/ruc_2011.csv": "5caaba9709b1b6fbe23b6b63aa0d6ccff26d7c5ebb958d2bced088f3089ac9eb",
}  # fmt: skip


def vintage_sample(tmp_path_factory, vintage: str) -> Sample:
    """The default seed's sample in `vintage`'s formats, written once a session (test_synth_datasets.py
    reuses the same folder). Tests only read it."""
    from pcnreport.data.synth import get_vintage

    era = get_vintage(vintage)
    root = tmp_path_factory.getbasetemp() / f"synth-sample-vintage-{era.name}"
    if (root / MARKER).is_file():
        return Sample(root, {name: root / path for name, path in era.paths.items()})
    return Sample(root, write_sample(root, SyntheticSpec(), vintage))


def test_the_default_vintage_writes_the_december_2019_files_unchanged(default_sample):
    assert {path: _sha256(default_sample.root / path) for path in DEFAULT_FILE_HASHES} == DEFAULT_FILE_HASHES
    marker = json.loads((default_sample.root / MARKER).read_text(encoding="utf-8"))
    assert marker["vintage"] == "2019-12"


def test_a_vintage_is_written_byte_for_byte_again_and_named_in_its_marker(tmp_path_factory, tmp_path):
    # The latest era differs from 2019 in the most files; one rewrite of it checks determinism (~16 s).
    latest = vintage_sample(tmp_path_factory, "latest")
    first = _tree_hashes(latest.root)
    marker = json.loads((latest.root / MARKER).read_text(encoding="utf-8"))
    assert marker["vintage"] == "2026-06"
    assert set(first) == {*marker["files"], MARKER}
    again = shutil.copytree(latest.root, tmp_path / "again")
    write_sample(again, SyntheticSpec(), "latest")
    assert _tree_hashes(again) == first


def test_months_resolve_to_the_era_whose_formats_were_published_then():
    from pcnreport.data.synth import VINTAGES, get_vintage

    assert list(VINTAGES) == ["2019-12", "2022-02", "2023-01", "2026-06"]
    assert get_vintage().name == "2019-12"
    assert get_vintage("2021-06").name == "2019-12"
    assert get_vintage("2022-02").name == get_vintage("2022-12").name == "2022-02"
    assert get_vintage("2025-10").name == "2023-01"
    assert get_vintage("latest").name == get_vintage("2030-01").name == "2026-06"
    with pytest.raises(ValueError, match="start in 2019-12"):
        get_vintage("2019-06")
    with pytest.raises(ValueError, match="expected a month like 2022-02"):
        get_vintage("2022")


def test_each_vintage_writes_its_datasets_in_its_release_folders():
    from pcnreport.data.synth import VINTAGES

    assert VINTAGES["2019-12"].paths == SAMPLE_PATHS
    later = VINTAGES["2022-02"].paths
    # QOF's organisation reference ended with 2018/19; the registrations' practice mapping is in the later
    # vintages only (the 2019 sample must not change); every other dataset is in every vintage.
    assert set(later) == set(SAMPLE_PATHS) - {"qof-organisations"} | {"registrations-map"}
    assert later["registrations-map"] == "registrations-map/2022-02/gp-reg-pat-prac-map.csv"
    assert later["epcn"] == "epcn/2022-02/ePCN.xlsx"
    assert later["qof-prevalence"] == "qof/2020-21/PREVALENCE_2021.csv"
    assert later["practice-ccg"] == "qof/2020-21/MAPPING_NHS_GEOGRAPHIES_2021.csv"
    assert later["payments"] == "payments/2020-21/payments_20-21.csv"
    assert VINTAGES["2023-01"].paths["registrations"] == "registrations/2023-01/gp-reg-pat-prac-all.csv"
    assert VINTAGES["2026-06"].paths["practice-ccg"] == "qof/2023-24/MAPPING_NHS_GEOGRAPHIES_2324.csv"
