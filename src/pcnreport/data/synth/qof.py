"""QOF files: 2017/18 prevalence and organisation reference, and the 2019/20 practice-geography mapping.

Prevalence: each register's PCN-level rate is drawn by a stratified inverse CDF through Table 6.1's P10,
median and P90 (percent of the register's own list, e.g. diabetes of patients aged 17+), correlated with
the PCN's share aged 65 and over (so small, older PCNs have more CKD, hypertension and stroke: Table
6.2); practices vary a little around their PCN. A practice's list types come from its age bands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pcnreport.data.synth.draws import _inverse_cdf, _stratified_probabilities, copula
from pcnreport.data.synth.formats import csv_bytes
from pcnreport.data.synth.headers import (  # noqa: F401 (the headers re-exported)
    MAPPING_HEADER,
    ORGANISATION_HEADER,
    PREVALENCE_HEADER,
    REGION_ONS,
)  # fmt: skip
from pcnreport.data.synth.registrations import AGE_BANDS
from pcnreport.data.synth.spec import REGIONS

if TYPE_CHECKING:
    from pcnreport.data.synth.vintages import Vintage

# Group: (list type, P10, median, P90, weight on the PCN's age), percent. The eight of Table 6.1 as
# published; the others near England's 2017/18 rates.
INDICATORS = {
    "AF": ("TOTAL", 1.2, 1.9, 2.6, 0.8),
    "AST": ("TOTAL", 4.8, 5.9, 7.2, 0.2),
    "CAN": ("TOTAL", 1.8, 2.9, 3.9, 0.8),
    "CHD": ("TOTAL", 2.1, 3.1, 4.1, 0.8),
    "CKD": ("18OV", 2.2, 4.1, 6.2, 0.8),
    "COPD": ("TOTAL", 1.0, 1.9, 2.9, 0.55),
    "CVDPP": ("30_74", 0.8, 1.1, 1.5, 0.4),
    "DEM": ("TOTAL", 0.45, 0.8, 1.2, 0.8),
    "DEP": ("18OV", 6.5, 9.9, 13.5, 0.2),
    "DM": ("17OV", 5.1, 7.0, 8.8, 0.25),
    "EP": ("18OV", 0.6, 0.8, 1.0, 0.2),
    "HF": ("TOTAL", 0.5, 0.8, 1.2, 0.8),
    "HYP": ("TOTAL", 10.0, 14.4, 17.6, 0.85),
    "LD": ("TOTAL", 0.3, 0.5, 0.7, 0.0),
    "MH": ("TOTAL", 0.7, 0.9, 1.3, -0.3),
    "OB": ("18OV", 5.0, 8.0, 11.0, 0.05),
    "OST": ("50OV", 0.3, 0.8, 1.4, 0.5),
    "PAD": ("TOTAL", 0.35, 0.6, 0.9, 0.8),
    "PC": ("TOTAL", 0.15, 0.3, 0.45, 0.5),
    "RA": ("16OV", 0.6, 0.8, 1.0, 0.5),
    "STIA": ("TOTAL", 1.0, 1.8, 2.5, 0.8),
}


def list_types(bands: np.ndarray) -> dict[str, np.ndarray]:
    """Each QOF list type's size by practice, from age bands (a 15_19 band is split evenly by year)."""
    persons = bands.sum(axis=1).astype(float)  # (practices, 20)
    total = persons.sum(axis=1)
    under_15 = persons[:, :3].sum(axis=1)
    teen = persons[:, 3]
    band_start = np.array([int(b.split("_")[0].rstrip("+")) for b in AGE_BANDS])
    return {
        "TOTAL": total,
        "16OV": total - under_15 - 0.2 * teen,
        "17OV": total - under_15 - 0.4 * teen,
        "18OV": total - under_15 - 0.6 * teen,
        "50OV": persons[:, band_start >= 50].sum(axis=1),
        "30_74": persons[:, (band_start >= 30) & (band_start < 75)].sum(axis=1),
    }


def qof_practices(practices: pd.DataFrame, rng) -> tuple[np.ndarray, np.ndarray]:
    """Which practices are in QOF 2017/18 (rows of `practices`), and which of them have blank registers.

    Practices open since 2018 are not in it: a dozen at random, plus every practice of one single-practice
    PCN, so one PCN has no QOF data (the report's statistics run over 1,249 of 1,250 PCNs). As in the real
    file, a few practices have every register blank.
    """
    pcn = practices["pcn"].to_numpy()
    sizes = pd.Series(pcn[pcn >= 0]).value_counts()
    singles = np.sort(sizes.index[sizes == 1].to_numpy())
    missing = set(np.flatnonzero(pcn == rng.choice(singles)))
    missing |= set(rng.choice(len(practices), 12, replace=False).tolist())
    present = np.array(sorted(set(range(len(practices))) - missing))
    blank = rng.choice(present, 2, replace=False)
    return present, blank


def prevalence_csv(practices: pd.DataFrame, bands: np.ndarray, present, blank, rng, vintage: Vintage) -> bytes:
    """The QOF year's prevalence file, without the registers it retired; REGISTER as 112.0 from 2021/22.

    Every register is drawn in every vintage, so a retired one leaves the others' draws unchanged.
    """
    lists = list_types(bands)
    # QOF 2017/18 counted lists two years before January 2020: a little smaller, by practice.
    growth = rng.lognormal(-0.02, 0.02, len(practices))
    z_age = practices["trait_z_age"].to_numpy()
    illness = practices["trait_illness"].to_numpy()
    pcn = practices["pcn"].to_numpy()
    # PCN-level rates are drawn once a PCN (and once for each practice in no PCN).
    unit = np.where(pcn >= 0, pcn, pcn.max() + 1 + np.arange(len(pcn)))
    _units, first, inverse = np.unique(unit, return_index=True, return_inverse=True)
    registers, list_sizes = {}, {}
    for code, (list_type, p10, median, p90, age_weight) in INDICATORS.items():
        z = copula(rng, (age_weight, z_age[first]), (0.3 * np.sqrt(max(0.0, 1 - age_weight**2)), illness[first]))
        knots = ((0.0, max(p10 - 1.5 * (median - p10), p10 / 4)), (0.1, p10), (0.5, median), (0.9, p90),
                 (1.0, p90 + 1.6 * (p90 - median)))  # fmt: skip
        rate = _inverse_cdf(knots, _stratified_probabilities(z))[inverse] / 100
        size = np.rint(lists[list_type] * growth).astype(np.int64)
        registers[code] = np.rint(size * rate * rng.lognormal(0, 0.1, len(size))).astype(np.int64)
        list_sizes[code] = size
    codes = practices["code"].to_numpy()
    blank_set = set(blank.tolist())
    rows = []
    written = [(code, list_type) for code, (list_type, *_rest) in INDICATORS.items() if code not in vintage.qof_retired]
    style = "{}.0" if vintage.register_decimal else "{}"
    for i in sorted(present, key=lambda i: codes[i]):
        for code, list_type in written:
            register = "" if i in blank_set else style.format(int(registers[code][i]))
            rows.append((codes[i], code, register, list_type, int(list_sizes[code][i])))
    return csv_bytes(vintage.prevalence_header, rows)


def stp_index(ccgs: pd.DataFrame) -> np.ndarray:
    """CCGs grouped into STPs, three or four neighbouring CCGs of one region each (England: 42 STPs). In the
    sub-ICB era the ICBs that replaced them, as `organisations.sub_icb_locations` numbered them."""
    if "icb" in ccgs.columns:
        return ccgs["icb"].to_numpy()
    within = ccgs.groupby("region_index").cumcount().to_numpy()
    per_region = ccgs.groupby("region_index")["code"].transform("size").to_numpy()
    stps_in_region = np.maximum(1, np.rint(per_region / 3.2)).astype(int)
    local = within * stps_in_region // per_region
    offsets = np.concatenate([[0], np.cumsum(ccgs.groupby("region_index").size().pipe(lambda s: np.maximum(1, np.rint(s / 3.2)).astype(int)).to_numpy())])
    return offsets[ccgs["region_index"].to_numpy()] + local


def organisation_csv(practices: pd.DataFrame, ccgs: pd.DataFrame, present) -> bytes:
    stp = stp_index(ccgs)
    rows = []
    table = practices.iloc[present]
    table = table.assign(_stp=stp[table["ccg"].to_numpy()]).sort_values(["region_code", "_stp", "ccg_code", "code"])
    for code, name, ccg, ccg_code, ccg_name, ons, region_code, s in zip(
        table["code"], table["name"], table["ccg"], table["ccg_code"], table["ccg_name"], table["ons_code"],
        table["region_code"], table["_stp"],
    ):  # fmt: skip
        region = ccgs["region_index"].iat[ccg]
        rows.append((
            code, name, ccg_code, ons, ccg_name, f"E54{900_001 + s}", f"SYNTHETIC STP {s + 1:02d}",
            f"Q9{region}", f"E39{900_001 + region}", f"SYNTHETIC SUBREGION {region + 1}", region_code,
            REGION_ONS[region_code], f"SYNTHETIC {REGIONS[region][1]}", "ENGLAND", 559,
        ))  # fmt: skip
    return csv_bytes(ORGANISATION_HEADER, rows)


def mapping_csv(practices: pd.DataFrame, ccgs: pd.DataFrame, vintage: Vintage) -> bytes:
    """QOF's mapping of practices to PCN, commissioner, STP or ICB, and region, by practice code.

    Each row is every field any era's header names, picked by the vintage's header: 2019/20 and 2020/21
    name STPs and CCGs, 2021/22 ICBs and sub-ICB locations (SUB_ICB_LOC_*), 2023/24 SUB_ICB_* with
    NAT_COUNTRY. ICBs are the STPs renamed (July 2022), sub-ICB locations the CCGs. Practices in no PCN are
    in PCN "U", "Unallocated", as in the real file.
    """
    stp = stp_index(ccgs)
    rows = []
    for code, name, ccg, pcn_code, pcn_name in sorted(
        zip(practices["code"], practices["name"], practices["ccg"], practices["pcn_code"], practices["pcn_name"])
    ):
        region = ccgs["region_index"].iat[ccg]
        region_code = REGIONS[region][0]
        s = stp[ccg]
        commissioner = {"ODS_CODE": ccgs["code"].iat[ccg], "ONS_CODE": ccgs["ons_code"].iat[ccg], "NAME": ccgs["name"].iat[ccg]}
        fields = {
            "NAT_ONS_CODE": "E92000001", "NAT_CODE": "ENG", "COUNTRY": "England", "NAT_COUNTRY": "England",
            "REGION_ODS_CODE": region_code, "REGION_ONS_CODE": vintage.region_ons[region_code],
            "REGION_NAME": f"SYNTHETIC {REGIONS[region][1].title()}",
            "STP_ODS_CODE": f"Z{s:02d}", "STP_ONS_CODE": f"E54{900_001 + s}", "STP_NAME": f"SYNTHETIC STP {s + 1:02d}",
            "ICB_ODS_CODE": f"Z{s:02d}", "ICB_ONS_CODE": f"E54{900_001 + s}", "ICB_NAME": icb_name(s),
            **{f"{prefix}_{key}": value for prefix in ("CCG", "SUB_ICB_LOC", "SUB_ICB") for key, value in commissioner.items()},
            "PCN_ODS_CODE": "U" if pd.isna(pcn_code) else pcn_code,
            "PCN_NAME": "Unallocated" if pd.isna(pcn_name) else pcn_name,
            "PRACTICE_CODE": code, "PRACTICE_NAME": name,
        }  # fmt: skip
        rows.append(tuple(fields[column] for column in vintage.mapping_header))
    return csv_bytes(vintage.mapping_header, rows)


def icb_name(stp: int) -> str:
    return f"NHS SYNTHETIC INTEGRATED CARE BOARD {stp + 1:02d}"
