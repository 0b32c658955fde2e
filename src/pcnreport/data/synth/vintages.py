"""The sample's format eras: what each publisher's file looked like at a given date, in one table.

`pcnreport synth --vintage YYYY-MM` writes the sample as it would have been downloaded that month. The
writers take a `Vintage` and read every format difference from it (sheet names, header rows, code shapes,
the commissioner level, number styles, release folders); nothing else in the generator branches on the
date. The people, places and sizes are the same in every vintage: only the files' shapes change, so a
build on two vintages differs by what the formats can carry (a retired register, the commissioner level).

Eras (the first month each format applies from, and its sources):

- 2019-12, the interim report's edition and the default: exactly the sample written before vintages
  existed, byte for byte.
- 2022-02: the ePCN workbook of February 2022 (sheet `PCNDetails`, headers broken over lines, `Open Date`,
  dates as text, the match column a value); nine CCGs carry the five-character codes ODS gave the CCGs
  merged in April 2021 (the merges themselves are not modelled: the 135 CCGs stay, so the CCG boundaries
  of April 2020 still fit); QOF 2020/21 (CVD primary prevention retired) with its practice mapping;
  NHS Payments 2020/21 (byte-order mark, `Missing` rurality, the PCN and COVID-19 columns). Copied from
  the real files in the project's test data (data-later/).
- 2023-01: sub-ICB locations in place of CCGs (July 2022): 42 ICBs, and the nine largest ICBs' CCGs
  merged into one sub-ICB location each with a five-character code, so 108 sub-ICB locations (England:
  106; `organisations.sub_icb_locations`), with their boundaries and the ICBs'; ePCN's sub-ICB columns,
  the registrations' SUB_ICB_LOCATION_CODE, QOF 2021/22 (REGISTER written as a decimal, 112.0) and its mapping by ICB and
  sub-ICB location; the new ONS codes of the Midlands and North East and Yorkshire regions (E40000011,
  E40000012: Bassetlaw moved between them in July 2022).
- 2026-06 (alias `latest`): as 2023-01, with QOF 2023/24 (GROUP_CODE, PRACTICE_LIST_SIZE, the mapping's
  NAT_COUNTRY / SUB_ICB_* names) and ISO extract dates. Small areas are the 2021 census's LSOAs
  (`lsoa2021`): registrations by 2021 LSOA (with CLOSED, EMPTY, L99999 and Welsh, Scottish and Northern
  Irish codes), IMD 2025 File 1, RUC 2021, ONS's LSOA 2011 to 2021 lookup, the 2021 output area to LSOA
  to MSOA lookup and the MSOA boundaries under their 2021 property names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Light imports only: the package imports this module to read a marker, before any file is generated.
from pcnreport.data.synth.headers import (
    EPCN_2022_MEMBER_HEADER,
    EPCN_2022_PCN_HEADER,
    EPCN_MEMBER_HEADER,
    EPCN_PCN_HEADER,
    EPCN_SUB_ICB_MEMBER_HEADER,
    EPCN_SUB_ICB_PCN_HEADER,
    MAPPING_2122_HEADER,
    MAPPING_2324_HEADER,
    MAPPING_HEADER,
    PAYMENTS_2021_HEADER,
    PAYMENTS_HEADER,
    PRACTICE_MAP_2025_HEADER,
    PRACTICE_MAP_CCG_HEADER,
    PRACTICE_MAP_SUB_ICB_HEADER,
    PREVALENCE_2324_HEADER,
    PREVALENCE_HEADER,
    REGION_ONS,
    REGION_ONS_2022,
    REGION_ONS_2024,
    REGISTRATIONS_HEADER,
    REGISTRATIONS_SUB_ICB_HEADER,
)  # fmt: skip
from pcnreport.data.synth.spec import EXTRACT_DAY, SAMPLE_PATHS

DEFAULT_VINTAGE = "2019-12"
LATEST = "latest"

@dataclass(frozen=True)
class Vintage:
    """One format era. `paths` are the release folders and file names a download of that month had."""

    name: str
    extract_day: dt.date  # the registrations' extract date (the first of the month)
    commissioner: str  # "ccg" or "sub-icb": what the commissioner columns hold
    paths: dict[str, str]
    epcn_sheets: tuple[str, str]
    epcn_pcn_header: tuple[str, ...]
    epcn_member_header: tuple[str, ...]
    epcn_text_cells: bool  # 2022 on: dates as text ('20191001', '' when none), the match column a value
    five_character_ccgs: int  # how many commissioners carry ODS's five-character codes of April 2021
    qof_year: str  # 2017-18
    qof_retired: frozenset[str]  # registers the QOF year no longer has
    register_decimal: bool  # REGISTER written as 112.0
    prevalence_header: tuple[str, ...]
    mapping_header: tuple[str, ...]
    registrations_header: tuple[str, ...]
    iso_extract_date: bool
    payments_header: tuple[str, ...]
    payments_bom: bool
    no_rurality: str  # the payments file's word for an unknown rurality
    practice_map_header: tuple[str, ...] = ()  # the registrations' practice mapping (none in the 2019 sample)
    lsoa_vintage: str = "2011"  # the census whose LSOAs (and MSOA names) the small-area files use
    region_ons: dict[str, str] = field(default_factory=lambda: dict(REGION_ONS))

    def practice_map_date(self) -> str:
        # The practice mapping writes 01Jan2022 (not upper case, unlike the counts' 01JAN2022), or ISO.
        return self.extract_day.isoformat() if self.iso_extract_date else self.extract_day.strftime("%d%b%Y")

    @property
    def default(self) -> bool:
        return self.name == DEFAULT_VINTAGE


def _paths(epcn: str, registrations: str, payments: str, qof: str, qof_files: tuple[str, str]) -> dict[str, str]:
    moved = {
        "epcn": f"epcn/{epcn}/ePCN.xlsx",
        "registrations": f"registrations/{registrations}/gp-reg-pat-prac-all.csv",
        "payments": f"payments/{payments}/payments_{payments[2:]}.csv",
        "registrations-age": f"registrations-age/{registrations}/gp-reg-pat-prac-quin-age.csv",
        "registrations-lsoa": f"registrations-lsoa/{registrations}/gp-reg-pat-prac-lsoa-all.csv",
        "qof-prevalence": f"qof/{qof}/{qof_files[0]}",
        "practice-ccg": f"qof/{qof}/{qof_files[1]}",
        "registrations-map": f"registrations-map/{registrations}/gp-reg-pat-prac-map.csv",
    }
    # QOF's organisation reference file was published to 2018/19 only.
    kept = {name: path for name, path in SAMPLE_PATHS.items() if name != "qof-organisations"}
    return {**kept, **moved}


# July 2022's boundaries (ONS's Open Geography Portal), written by the sub-ICB vintages.
SUB_ICB_BOUNDARIES = {
    "boundaries-sub-icb": "boundaries-sub-icb/2022-07/sub-icb-2022-07.geojson",
    "boundaries-icb": "boundaries-icb/2022-07/icb-2022-07.geojson",
}


# The 2021 census's small areas, as their publishers name the files (the latest era).
SMALL_AREAS_2021 = {
    "imd": "imd/2025/File_1_IoD2025_Index_of_Multiple_Deprivation.xlsx",
    "ruc": "ruc/2021/RUC21_LSOA21_EW.csv",
    "lsoa-msoa": "geography/2021/OA21_LSOA21_MSOA21_LAD22_EW_LU.csv",
    "lsoa-changes": "lsoa-changes/2022/LSOA11_LSOA21_LAD22_EW_LU.csv",
    "boundaries-msoa": "boundaries-msoa/2021/msoa-2021.geojson",
}

_ERA_2022 = {
    "epcn_sheets": ("PCNDetails", "PCN Core Partner Details"),
    "epcn_text_cells": True,
    "five_character_ccgs": 9,
    "qof_retired": frozenset({"CVDPP"}),
    "payments_header": PAYMENTS_2021_HEADER,
    "payments_bom": True,
    "no_rurality": "Missing",
    "practice_map_header": PRACTICE_MAP_CCG_HEADER,
}
_SUB_ICB_ERA = dict(
    _ERA_2022,
    commissioner="sub-icb",
    epcn_pcn_header=EPCN_SUB_ICB_PCN_HEADER,
    epcn_member_header=EPCN_SUB_ICB_MEMBER_HEADER,
    register_decimal=True,
    registrations_header=REGISTRATIONS_SUB_ICB_HEADER,
    practice_map_header=PRACTICE_MAP_SUB_ICB_HEADER,
    region_ons=REGION_ONS_2022,
)

VINTAGES: dict[str, Vintage] = {
    v.name: v
    for v in (
        Vintage(
            name="2019-12", extract_day=EXTRACT_DAY, commissioner="ccg", paths=dict(SAMPLE_PATHS),
            epcn_sheets=("PCN Details", "PCN Core Partner Details"), epcn_pcn_header=EPCN_PCN_HEADER,
            epcn_member_header=EPCN_MEMBER_HEADER, epcn_text_cells=False, five_character_ccgs=0,
            qof_year="2017-18", qof_retired=frozenset(), register_decimal=False,
            prevalence_header=PREVALENCE_HEADER, mapping_header=MAPPING_HEADER,
            registrations_header=REGISTRATIONS_HEADER, iso_extract_date=False,
            payments_header=PAYMENTS_HEADER, payments_bom=False, no_rurality="MISSING",
        ),
        Vintage(
            name="2022-02", extract_day=dt.date(2022, 2, 1), commissioner="ccg",
            paths=_paths("2022-02", "2022-02", "2020-21", "2020-21", ("PREVALENCE_2021.csv", "MAPPING_NHS_GEOGRAPHIES_2021.csv")),
            epcn_pcn_header=EPCN_2022_PCN_HEADER, epcn_member_header=EPCN_2022_MEMBER_HEADER,
            qof_year="2020-21", register_decimal=False, prevalence_header=PREVALENCE_HEADER,
            mapping_header=MAPPING_HEADER, registrations_header=REGISTRATIONS_HEADER, iso_extract_date=False,
            **_ERA_2022,
        ),
        Vintage(
            name="2023-01", extract_day=dt.date(2023, 1, 1),
            paths={**_paths("2023-01", "2023-01", "2021-22", "2021-22", ("PREVALENCE_2122.csv", "MAPPING_NHS_GEOGRAPHIES_2122.csv")), **SUB_ICB_BOUNDARIES},
            qof_year="2021-22", prevalence_header=PREVALENCE_HEADER, mapping_header=MAPPING_2122_HEADER,
            iso_extract_date=False, **_SUB_ICB_ERA,
        ),
        Vintage(
            name="2026-06", extract_day=dt.date(2026, 6, 1),
            paths={**_paths("2026-06", "2026-06", "2024-25", "2023-24", ("PREVALENCE_2324.csv", "MAPPING_NHS_GEOGRAPHIES_2324.csv")), **SUB_ICB_BOUNDARIES,
                   **SMALL_AREAS_2021},
            qof_year="2023-24", prevalence_header=PREVALENCE_2324_HEADER, mapping_header=MAPPING_2324_HEADER,
            iso_extract_date=True,
            **{**_SUB_ICB_ERA, "practice_map_header": PRACTICE_MAP_2025_HEADER, "region_ons": REGION_ONS_2024},
            lsoa_vintage="2021",
        ),
    )
}  # fmt: skip


def get_vintage(name: str = DEFAULT_VINTAGE) -> Vintage:
    """The era a month's downloads belong to: the latest era starting on or before `name` (YYYY-MM).

    `latest` names the newest era. A month before the first era is refused: PCNs began in July 2019.
    """
    if name == LATEST:
        return VINTAGES[max(VINTAGES)]
    try:
        dt.datetime.strptime(name, "%Y-%m")
    except ValueError:
        raise ValueError(f"vintage '{name}': expected a month like 2022-02, or '{LATEST}'") from None
    eras = [era for era in sorted(VINTAGES) if era <= name]
    if not eras:
        raise ValueError(f"vintage '{name}': the sample's formats start in {min(VINTAGES)} (choose from {', '.join(VINTAGES)})")
    return VINTAGES[eras[-1]]
