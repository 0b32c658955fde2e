"""Column specs and header matching: the one table of accepted header spellings, and how a file's header
is matched against the columns a reader needs.

Format variants across releases live here and only here: `SPELLINGS`, the one table of the header
spellings accepted for each column of each dataset, and `OPTIONAL`, the columns a reader reads when a
file has them but never requires. Headers are compared ignoring case and runs of whitespace (line breaks
included: ODS's workbooks since 2022 break headers over lines, 'Partner\nOrganisation\nCode'), so only
genuinely different spellings are listed; messages show a header on one line.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence

Columns = Mapping[str, tuple[str, ...]]

# --- The one table of accepted header spellings ---------------------------------------------------------
# dataset (or dataset part) -> canonical column -> the spellings publishers have used, the usual one first
# (it is the one a "missing column" message names). Only the columns a reader needs are listed; any others
# in the file are ignored (including the unnamed index column R adds when it re-saves a CSV). To accept a
# renamed header in a later release, add the spelling here with the release that introduced it.
SPELLINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "epcn/pcns": {
        "pcn_code": ("PCN Code",),
        "pcn_name": ("PCN Name",),
        # ccg_code / ccg_name hold the PCN's commissioner: a CCG, or from 2023 a sub-ICB location (the
        # spellings after the first; see COMMISSIONER_COLUMNS and commissioner_level).
        "ccg_code": ("Current Clinical Commissioning Group Code", "Current Sub ICB Loc Code"),
        "ccg_name": ("Clinical Commissioning Group Name", "Sub ICB Location"),
        "open_date": ("Open Date (YYYYMMDD)", "Open Date"),  # 2022 on: `Open Date`
        "close_date": ("Close Date",),
    },
    # The partner sheet's `PCN Name` and `Practice CCG and PCN CCG match?` are Excel formulas (VLOOKUP and
    # a comparison). A workbook saved by a program other than Excel has no cached values for them, so they
    # are not read: PCN names come from `PCN Details`.
    "epcn/members": {
        "practice_code": ("Partner Organisation Code",),
        "practice_name": ("Partner Name",),
        "practice_ccg_code": ("Practice Parent CCG Code", "Practice Parent Sub ICB Loc Code"),  # 2023 on
        "pcn_code": ("PCN Code",),
        "pcn_ccg_code": ("PCN Parent CCG Code", "PCN Parent Sub ICB Loc Code"),  # 2023 on
        "start_date": ("Practice to PCN Relationship Start Date",),
        "end_date": ("Practice to PCN Relationship End Date",),
    },
    "registrations": {
        "extract_date": ("EXTRACT_DATE",),
        "type": ("TYPE",),
        # July 2022 on the file has SUB_ICB_LOCATION_CODE in place of CCG_CODE. A sub-ICB location is not a
        # CCG, so it is not read as one: ccg_code is optional (see OPTIONAL) and missing in those releases.
        "ccg_code": ("CCG_CODE",),
        "practice_code": ("CODE",),
        "postcode": ("POSTCODE",),
        "sex": ("SEX",),
        "age": ("AGE",),
        "list_size": ("NUMBER_OF_PATIENTS",),
    },
    # NHS Digital's 5-year age bands by sex (gp-reg-pat-prac-quin-age.csv): one file for every level of
    # organisation, told apart by ORG_TYPE ('GP' for practices). TYPE and CODE are the all-persons file's
    # names for the same columns.
    "registrations-age/bands": {
        "org_type": ("ORG_TYPE", "TYPE"),
        "practice_code": ("ORG_CODE", "CODE"),
        "sex": ("SEX",),
        "age_group": ("AGE_GROUP_5",),
        "patients": ("NUMBER_OF_PATIENTS",),
    },
    # A third party's wide file derived from the same publication (PRACTICE_CODE, TOTAL, ..., 65OV, 65OV%).
    "registrations-age/wide": {
        "practice_code": ("PRACTICE_CODE",),
        "list_size": ("TOTAL",),
        "aged_65_plus": ("65OV",),
    },
    "registrations-lsoa": {
        "practice_code": ("PRACTICE_CODE",),
        "lsoa_code": ("LSOA_CODE",),
        "sex": ("SEX",),
        # The publisher has used both of the first two; the third is R's make.names() of the second.
        "patients": ("NUMBER_OF_PATIENTS", "Number of Patients", "Number.of.Patients"),
    },
    # The registrations publication's practice mapping (gp-reg-pat-prac-map.csv). Commissioner and ICB/STP
    # columns: the CCG-era spelling first (to June 2022: CCG_CODE, STP_CODE), then the sub-ICB era's (July
    # 2022 on: SUB_ICB_LOCATION_CODE, ICB_CODE); the reader tells the level from which one the file has.
    "registrations-map": {
        "extract_date": ("EXTRACT_DATE",),
        "practice_code": ("PRACTICE_CODE",),
        "practice_name": ("PRACTICE_NAME",),
        "practice_postcode": ("PRACTICE_POSTCODE",),
        "pcn_code": ("PCN_CODE",),
        "pcn_name": ("PCN_NAME",),
        "commissioner_code": ("CCG_CODE", "SUB_ICB_LOCATION_CODE"),
        "commissioner_ons_code": ("ONS_CCG_CODE", "ONS_SUB_ICB_LOCATION_CODE"),
        "commissioner_name": ("CCG_NAME", "SUB_ICB_LOCATION_NAME"),
        "icb_or_stp_code": ("STP_CODE", "ICB_CODE"),
        "icb_or_stp_ons_code": ("ONS_STP_CODE", "ONS_ICB_CODE"),
        "icb_or_stp_name": ("STP_NAME", "ICB_NAME"),
        "region_code": ("COMM_REGION_CODE",),
        "region_ons_code": ("ONS_COMM_REGION_CODE",),
        "region_name": ("COMM_REGION_NAME",),
    },
    "payments": {
        "region_code": ("NHS England (Region) code",),
        "region_name": ("NHS England (Region) Name",),
        "ccg_code": ("CCG Code",),
        "ccg_name": ("CCG NAME",),
        "pcn_code": ("PCN Code",),
        "pcn_name": ("PCN Name",),
        "practice_code": ("Practice Code",),
        "practice_name": ("Practice Name",),
        "practice_rurality": ("Practice Rurality",),
        "registered_patients": ("Number of Registered Patients (Last Known Figure)",),
        "weighted_patients": ("Number of Weighted Patients (Last Known Figure)",),
    },
    "qof-prevalence": {
        "practice_code": ("PRACTICE_CODE",),
        # 2023-24 on: GROUP_CODE and PRACTICE_LIST_SIZE.
        "indicator": ("INDICATOR_GROUP_CODE", "GROUP_CODE"),
        "register": ("REGISTER",),
        "list_type": ("PATIENT_LIST_TYPE",),
        "list_size": ("PATIENT_LIST_SIZE", "PRACTICE_LIST_SIZE"),
    },
    "practice-ccg": {
        "practice_code": ("PRACTICE_CODE",),
        "practice_name": ("PRACTICE_NAME",),
        "pcn_code": ("PCN_ODS_CODE",),
        "pcn_name": ("PCN_NAME",),
        # The commissioner: a CCG to 2021/22, a sub-ICB location from 2022/23 (SUB_ICB_*; SUB_ICB_LOC_* is
        # the spelling of NHS Digital's other geography files). 2022/23 on, the ICBs replace the STPs.
        "ccg_code": ("CCG_ODS_CODE", "SUB_ICB_ODS_CODE", "SUB_ICB_LOC_ODS_CODE"),
        "ccg_ons_code": ("CCG_ONS_CODE", "SUB_ICB_ONS_CODE", "SUB_ICB_LOC_ONS_CODE"),
        "ccg_name": ("CCG_NAME", "SUB_ICB_NAME", "SUB_ICB_LOC_NAME"),
        "stp_code": ("STP_ODS_CODE",),
        "icb_code": ("ICB_ODS_CODE",),
        "icb_ons_code": ("ICB_ONS_CODE",),
        "icb_name": ("ICB_NAME",),
        "region_code": ("REGION_ODS_CODE",),
        "region_name": ("REGION_NAME",),
    },
    # File 1 (xlsx, sheet IMD2019) and File 7 (the CSV of all the indices) spell rank and decile differently.
    # IMD 2025 (File 1, sheet IMD25) keys on 2021 LSOAs: `LSOA code (2021)`, same rank and decile headers.
    "imd": {
        "lsoa_code": ("LSOA code (2011)", "LSOA code (2021)"),
        "imd_rank": (
            "Index of Multiple Deprivation (IMD) Rank",
            "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
        ),
        "imd_decile": (
            "Index of Multiple Deprivation (IMD) Decile",
            "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
        ),
    },
    # ONS names the LSOA column LSOA11CD; the copy in the project's test data renamed it `lsoa`.
    # The 2021 classification (2025): LSOA21CD, LSOA21NM, LSOA21NMW, RUC21CD, RUC21NM, Urban_rural_flag.
    "ruc": {
        "lsoa_code": ("LSOA11CD", "lsoa", "LSOA21CD"),
        "ruc_code": ("RUC11CD", "RUC21CD"),
        "ruc_name": ("RUC11", "RUC21NM"),
    },
    # The third-party lookup (LSOA_CODE, MSOA_CODE) and ONS's own output-area lookups (LSOA11CD, MSOA11CD).
    "lsoa-msoa": {
        "lsoa_code": ("LSOA_CODE", "LSOA11CD", "LSOA21CD"),  # LSOA21CD, MSOA21CD: ONS's 2021 lookups
        "msoa_code": ("MSOA_CODE", "MSOA11CD", "MSOA21CD"),
    },
    # ONS's LSOA (2011) to LSOA (2021) to LAD (2022) lookup: F_LSOA11CD in its first versions; CHGIND is
    # U (unchanged), S (split), M (merged) or X (irregular).
    "lsoa-changes": {
        "lsoa11_code": ("LSOA11CD", "F_LSOA11CD"),
        "lsoa21_code": ("LSOA21CD",),
        "change": ("CHGIND",),
    },
    # ONS boundary files (GeoJSON): the feature properties, named by census year. ONS's downloads use upper
    # case (MSOA11CD), its newer ones lower case (msoa11cd; case does not matter here); some republished
    # copies spell them msoa11_code / msoa11_name.
    # The 2021 boundaries (MSOA21CD, LSOA21CD) are read by the same readers.
    "boundaries-msoa": {
        "code": ("MSOA11CD", "msoa11_code", "MSOA21CD", "msoa21_code"),
        "name": ("MSOA11NM", "msoa11_name", "MSOA21NM", "msoa21_name"),
    },
    "boundaries-lsoa": {
        "code": ("LSOA11CD", "lsoa11_code", "LSOA21CD", "lsoa21_code"),
        "name": ("LSOA11NM", "lsoa11_name", "LSOA21NM", "lsoa21_name"),
    },
    "boundaries-ccg": {"code": ("CCG20CD", "ccg20_code"), "name": ("CCG20NM", "ccg20_name")},
    # July 2022's NHS geography: sub-ICB locations (ONS codes E38, like the CCGs') and ICBs (E54).
    "boundaries-sub-icb": {"code": ("SICBL22CD", "sicbl22_code"), "name": ("SICBL22NM", "sicbl22_name")},
    "boundaries-icb": {"code": ("ICB22CD", "icb22_code"), "name": ("ICB22NM", "icb22_name")},
    # No publisher: the project's own documented format (data/catalogue.yaml).
    "federations": {
        "practice_code": ("practice_code",),
        "venture_id": ("venture_id",),
        "venture_name": ("venture_name",),
        "venture_type": ("venture_type",),
    },
}


# --- Columns no analysis uses ------------------------------------------------------------------------------
# dataset -> the canonical columns a reader returns but nothing downstream uses (analysis, report, build).
# They are read and checked when a file has them, and are all-missing in the reader's table when it does
# not: a later release that drops or renames one still reads. A column the reader itself needs (a date
# that decides which rows are current, a TYPE / SEX / AGE filter) is not listed, even if it is not returned.
# To make a column optional, check with grep that nothing downstream reads it from the reader's table.
OPTIONAL: dict[str, frozenset[str]] = {
    "epcn/pcns": frozenset({"ccg_name"}),
    "epcn/members": frozenset({"practice_name", "practice_ccg_code", "pcn_ccg_code"}),
    "registrations": frozenset({"extract_date", "ccg_code", "postcode"}),
    # No analysis reads the practice mapping yet: only the links themselves (practice, PCN, commissioner,
    # ICB or STP, region) are required.
    "registrations-map": frozenset(
        {"extract_date", "practice_name", "practice_postcode", "pcn_name", "icb_or_stp_ons_code", "icb_or_stp_name",
         "region_ons_code"}
    ),
    "payments": frozenset(
        {
            "region_code", "region_name", "ccg_code", "ccg_name", "pcn_code", "pcn_name", "practice_name",
            "practice_rurality",
        }
    ),
    "practice-ccg": frozenset(
        {"practice_name", "pcn_code", "pcn_name", "stp_code", "icb_code", "icb_ons_code", "icb_name"}
    ),
}

# How a header names a sub-ICB location (SUB_ICB_LOCATION_CODE, `Sub ICB Location Code`, SUB_ICB_LOC_ODS_CODE):
# the organisations that replaced CCGs in July 2022. A release that has them where a required CCG column
# should be is refused with a message saying so, rather than a bare "missing column".
_SUB_ICB = re.compile(r"sub[\s_-]*icb", re.IGNORECASE)


def normalised(header: str) -> str:
    """A header as compared: case and runs of whitespace (line breaks too, and at the ends) do not matter."""
    return " ".join(str(header).split()).casefold()


def one_line(header) -> str:
    """A header as a message quotes it: as the file spells it, but each line break (and the spaces around
    it) shown as one space, so a workbook's multi-line headers do not make a message dozens of lines long."""
    return re.sub(r"[ \t]*[\r\n]+[ \t]*", " ", str(header))


def headers_listed(found: Iterable[str]) -> str:
    return "; ".join(f"'{one_line(header)}'" for header in found)


def match_header(
    found: Sequence[str], columns: Columns, where: str = "", optional: Collection[str] = ()
) -> tuple[dict[str, int], list[str]]:
    """Map each canonical column to its position in the header, accepting any of its listed spellings.
    Columns in `optional` that the header lacks are left out of the positions and are no problem."""
    positions_of = {}
    for position, header in enumerate(found):
        positions_of.setdefault(normalised(header), position)  # a repeated header: the first one counts
    positions, problems = {}, []
    for name, spellings in columns.items():
        position = next((positions_of[normalised(s)] for s in spellings if normalised(s) in positions_of), None)
        if position is not None:
            positions[name] = position
        elif name not in optional:
            # Name the usual spelling, any alternatives, and the whole header, so a renamed column shows.
            expected = "; ".join(f"'{accepted[0]}'" for column, accepted in columns.items() if column not in optional)
            also = f" (or {', '.join(repr(other) for other in spellings[1:])})" if spellings[1:] else ""
            problems.append(
                f"{where}missing column '{spellings[0]}'{also}{_sub_icb_note(name, found)} "
                f"(expected columns: {expected}; found: {headers_listed(found)})"
            )
    return positions, problems


def _sub_icb_note(name: str, found: Sequence[str]) -> str:
    """Why a commissioner column is missing when the release names sub-ICB locations in a way not yet listed."""
    sub_icb = [header for header in found if _SUB_ICB.search(str(header))]
    if "ccg" not in name or not sub_icb:
        return ""
    return (
        f": this release has sub-ICB location columns ({headers_listed(sub_icb)}) where earlier releases had "
        "CCG columns, but none under a sub-ICB spelling this version of pcnreport reads (those are listed "
        "with the column)"
    )


# --- The commissioner's level ------------------------------------------------------------------------------
# The columns holding a practice's or PCN's commissioner, per dataset. Until June 2022 that is a clinical
# commissioning group (CCG), from July 2022 a sub-ICB location; the readers keep the columns' names
# (ccg_code, ...) for compatibility and say which level they read, told by the file's own headers.
CCG_LEVEL, SUB_ICB_LEVEL = "ccg", "sub-icb"
COMMISSIONER_COLUMNS: dict[str, tuple[str, ...]] = {
    "epcn/pcns": ("ccg_code", "ccg_name"),
    "epcn/members": ("practice_ccg_code", "pcn_ccg_code"),
    "practice-ccg": ("ccg_code", "ccg_ons_code", "ccg_name"),
}


def commissioner_level(dataset: str, headers: Mapping[str, str], where: str = "") -> tuple[str | None, list[str]]:
    """The level ('ccg' or 'sub-icb') of the commissioner columns `headers` (canonical column -> the file's
    header) holds, None when it holds none; a file mixing the two levels is a problem, as its codes could
    not be compared with each other."""
    found = {column: headers[column] for column in COMMISSIONER_COLUMNS[dataset] if column in headers}
    sub_icb = [header for header in found.values() if _SUB_ICB.search(header)]
    ccg = [header for header in found.values() if not _SUB_ICB.search(header)]
    if sub_icb and ccg:
        return None, [
            f"{where}the commissioner columns mix CCG columns ({headers_listed(ccg)}) and sub-ICB location "
            f"columns ({headers_listed(sub_icb)}); expected one level throughout (CCGs to June 2022, sub-ICB "
            "locations from July 2022)"
        ]
    if not found:
        return None, []
    return (SUB_ICB_LEVEL if sub_icb else CCG_LEVEL), []


def has_column(found: Sequence[str], spellings: Iterable[str]) -> bool:
    present = {normalised(header) for header in found}
    return any(normalised(s) in present for s in spellings)
