"""Patients Registered at a GP Practice (NHS Digital): all persons, by 5-year age band, by LSOA."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pcnreport.data.synth.formats import csv_bytes
from pcnreport.data.synth.headers import REGISTRATIONS_HEADER  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from pcnreport.data.synth.vintages import Vintage

# --- Registrations ----------------------------------------------------------------------------------------



def extract_date(vintage: Vintage) -> str:
    """EXTRACT_DATE as the vintage's files write it: 01JAN2020, or ISO (2026-06-01) in recent releases."""
    day = vintage.extract_day
    return day.isoformat() if vintage.iso_extract_date else day.strftime("%d%b%Y").upper()


def _registrations_csv(practices: pd.DataFrame, vintage: Vintage) -> bytes:
    # The commissioner columns (CCG_CODE, or SUB_ICB_LOCATION_CODE from July 2022) hold the same codes.
    extract = extract_date(vintage)
    table = practices.sort_values(["ccg_code", "code"])  # the publisher's order
    rows = (
        ("GP_PRAC_PAT_LIST", extract, "GP", ccg, ons, code, postcode, "ALL", "ALL", patients)
        for ccg, ons, code, postcode, patients in zip(
            *(table[c].tolist() for c in ("ccg_code", "ons_code", "code", "postcode", "list_size"))
        )
    )
    return csv_bytes(vintage.registrations_header, rows)


# --- By 5-year age band -----------------------------------------------------------------------------------

# The quinary-age file as NHS Digital published it from 2017 to 2020 (the name `ORG_CODE`, ages 0_4 ... 95+).
AGE_HEADER = (
    "PUBLICATION", "EXTRACT_DATE", "ORG_TYPE", "ORG_CODE", "ONS_CODE", "POSTCODE", "SEX", "AGE_GROUP_5",
    "NUMBER_OF_PATIENTS",
)  # fmt: skip
AGE_BANDS = tuple(f"{a}_{a + 4}" for a in range(0, 95, 5)) + ("95+",)
OLD_BANDS = 7  # 65_69 ... 95+
# England's registered population by band (January 2020, rounded), and the share of each band that is male.
BAND_SHARES = (5.6, 6.2, 5.9, 5.4, 6.3, 7.5, 7.6, 7.1, 6.5, 6.7, 6.9, 6.5, 5.5, 4.8, 4.7, 3.4, 2.4, 1.4, 0.6, 0.2)
MALE_SHARES = (0.51, 0.51, 0.51, 0.51, 0.50, 0.50, 0.50, 0.50, 0.50, 0.50, 0.50, 0.49, 0.49, 0.48, 0.47, 0.46,
               0.43, 0.39, 0.32, 0.25)  # fmt: skip


def age_bands(practices: pd.DataFrame, rng) -> np.ndarray:
    """Patients by practice, sex (female, male) and band: shape (practices, 2, 20), summing to list sizes.

    The 65-and-over count is the practice's PCN share (traits) with a little practice noise; the rest
    follow England's pyramid below and above 65.
    """
    lists = practices["list_size"].to_numpy()
    share = np.clip(practices["trait_aged_65"].to_numpy() * rng.lognormal(0, 0.08, len(lists)), 0.01, 0.6)
    old = np.rint(lists * share).astype(np.int64)
    shares = np.array(BAND_SHARES)
    male = np.array(MALE_SHARES)
    by_sex = np.stack([shares * (1 - male), shares * male])  # (2, 20)
    young_p = by_sex[:, :-OLD_BANDS].ravel() / by_sex[:, :-OLD_BANDS].sum()
    old_p = by_sex[:, -OLD_BANDS:].ravel() / by_sex[:, -OLD_BANDS:].sum()
    young = rng.multinomial(lists - old, young_p).reshape(len(lists), 2, -1)
    aged = rng.multinomial(old, old_p).reshape(len(lists), 2, -1)
    return np.concatenate([young, aged], axis=2)


def age_csv(practices: pd.DataFrame, bands: np.ndarray, vintage: Vintage) -> bytes:
    extract = extract_date(vintage)
    order = np.argsort(practices["code"].to_numpy(), kind="stable")
    rows = []
    for i in order:
        code, ons, postcode = practices["code"].iat[i], practices["ons_code"].iat[i], practices["postcode"].iat[i]
        head = ("GP_PRAC_PAT_LIST", extract, "GP", code, ons, postcode)
        rows.append((*head, "ALL", "ALL", int(bands[i].sum())))
        for s, sex in enumerate(("FEMALE", "MALE")):
            rows.extend((*head, sex, band, int(n)) for band, n in zip(AGE_BANDS, bands[i, s]))
    return csv_bytes(AGE_HEADER, rows)


# --- By LSOA ----------------------------------------------------------------------------------------------

LSOA_HEADER = ("PUBLICATION", "EXTRACT_DATE", "PRACTICE_CODE", "PRACTICE_NAME", "LSOA_CODE", "SEX", "NUMBER_OF_PATIENTS")


def lsoa_csv(practices: pd.DataFrame, lsoa_codes: pd.Series, rows: pd.DataFrame, vintage: Vintage) -> bytes:
    extract = extract_date(vintage)
    table = pd.DataFrame(
        {
            "PUBLICATION": "GP_PRAC_PAT_LIST",
            "EXTRACT_DATE": extract,
            "PRACTICE_CODE": practices["code"].to_numpy()[rows["practice"]],
            "PRACTICE_NAME": practices["name"].to_numpy()[rows["practice"]],
            "LSOA_CODE": lsoa_codes.to_numpy()[rows["lsoa"]],
            "SEX": "ALL",
            "NUMBER_OF_PATIENTS": rows["patients"].to_numpy(),
        }
    ).sort_values(["PRACTICE_CODE", "LSOA_CODE"], kind="stable")
    return table.to_csv(index=False, lineterminator="\r\n").encode("utf-8")
