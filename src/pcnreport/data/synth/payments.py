"""NHS Payments to General Practice, England (NHS Digital)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pcnreport.data.synth.formats import csv_bytes, number
from pcnreport.data.synth.headers import PAYMENTS_HEADER

if TYPE_CHECKING:
    from pcnreport.data.synth.vintages import Vintage

# --- Payments ---------------------------------------------------------------------------------------------


# Payment lines: (median £ a registered patient when paid, log-scale spread, share of practices paid),
# rounded from the 2019/20 file. The contract-specific lines (Global Sum, MPIG, PMS) and dispensing fees
# are handled in `_payment_lines`. Every line sums into the total, as in the real file.
PAYMENT_RATES = {
    "Total QOF Payments": (12.2, 0.34, 0.99),
    "Childhood Vaccination and Immunisation Scheme": (1.43, 0.9, 0.99),
    "GP Extended Hours Access": (0.49, 1.0, 0.69),
    "Influenza and Pneumococcal Immunisations": (1.79, 0.8, 0.99),
    "Learning Disabilities": (0.34, 0.9, 0.88),
    "Meningitis": (0.31, 0.44, 0.99),
    "Minor Surgery": (0.91, 1.1, 0.76),
    "Out Of Area in Hours Urgent Care": (0.17, 1.7, 0.02),
    "Pertussis": (0.052, 0.86, 0.97),
    "Rotavirus and Shingles Immunisation": (0.19, 0.46, 0.99),
    "Services for Violent Patients": (1.5, 1.5, 0.02),
    "Total Local Incentive Schemes": (6.8, 1.2, 0.99),
    "Premises Payments": (11.2, 0.7, 0.97),
    "Seniority": (0.71, 0.74, 0.84),
    "Doctors Retainer Scheme Payments": (1.2, 0.9, 0.11),
    "Total Locum Allowances": (2.1, 1.2, 0.34),
    "Appraisal Costs ": (0.52, 0.96, 0.07),
    "Prolonged Study Leave": (0.0, 0.0, 0.0),
    "PCO Admin Other": (0.68, 0.82, 0.86),
    "Information Management and Technology": (0.14, 1.2, 0.05),
    "Non DES Item Pneumococcal Vaccine, Childhood Immunisation Main Programme": (0.14, 0.95, 0.98),
    "General Practice Forward View": (0.9, 1.5, 0.30),
    "PCN Participation": (1.72, 0.17, 0.92),
    "Prescribing Fee Payments": (0.63, 0.79, 0.82),
    "Reimbursement of Drugs": (3.98, 1.16, 0.99),
    "Other Payments": (3.5, 1.2, 0.86),
}
NO_PCN = "Unknown or no PCN"  # the payments file's PCN code and name for a practice in no PCN
GLOBAL_SUM_PER_WEIGHTED_PATIENT = 89.88  # 2019/20 GMS global sum payment per weighted patient
PMS_PER_WEIGHTED_PATIENT = 88.0


def _payments_csv(practices: pd.DataFrame, rng, vintage: Vintage) -> bytes:
    """The payments file in the vintage's format: from 2020/21 a byte-order mark, `Missing` for an unknown
    rurality and, after the total less deductions, the PCN and COVID-19 lines (`_later_lines`)."""
    n = len(practices)
    contract = rng.choice(["GMS", "PMS", "APMS"], size=n, p=[0.71, 0.26, 0.03])
    rural = practices["rurality"].to_numpy() == "Rural"
    dispensing = rng.random(n) < np.where(rural, 0.65, 0.02)
    # "Last known" registered patients average the quarterly counts, so they end in .25, .5 or .75.
    registered = np.round(practices["list_size"].to_numpy() * rng.lognormal(0.005, 0.01, n) * 4) / 4
    weighted = np.round(registered * practices["weighting"].to_numpy(), 2)
    lines = _payment_lines(registered, weighted, contract, dispensing, rng)
    total = np.round(lines.sum(axis=1), 2)
    deductions = -np.round(total * np.clip(rng.normal(0.073, 0.03, n), 0.01, 0.2), 2)
    opened = pd.Timestamp("1974-04-01") + pd.to_timedelta(rng.integers(0, 15_600, n), unit="D")

    text = pd.DataFrame(
        {
            "region_code": practices["region_code"],
            "region_name": practices["region_name"],
            "ccg_code": practices["ccg_code"],
            "ccg_name": practices["ccg_name"],
            "pcn_code": practices["pcn_code"].fillna(NO_PCN),
            "pcn_name": practices["pcn_name"].fillna(NO_PCN),
            "code": practices["code"],
            "name": practices["name"],
            # Address lines joined by spaces; the empty last ones leave trailing spaces, as in the real file.
            "address": [
                f"{i % 97 + 1} SYNTHETIC ROAD SYNTHETIC TOWN {ccg + 1:03d}  " for i, ccg in enumerate(practices["ccg"])
            ],
            # This file pads the outward code to four characters: "N3   2JP", "SK11 6JL".
            "postcode": practices["postcode_outward"].str.ljust(4) + " " + practices["postcode_inward"],
            "opened": opened.strftime("%d/%m/%Y"),
            "closed": "",
            "contract": contract,
            "dispensing": np.where(dispensing, "Yes", "No"),
            "type": "GP practice",
            "rurality": practices["rurality"].replace("MISSING", vintage.no_rurality),
            "atypical": "",
        }
    )
    numbers = np.column_stack(
        [registered, weighted, total / registered, total / weighted, lines, total, deductions, total + deductions]
    )
    extra = len(vintage.payments_header) - len(PAYMENTS_HEADER)
    if extra:
        # Drawn after every line of the 2019/20 format, so the columns both formats share stay the same.
        numbers = np.column_stack([numbers, _later_lines(registered, weighted, total, rng)[:, :extra]])
    rows = [
        (*labels, *map(number, figures))
        for labels, figures in zip(text.itertuples(index=False, name=None), numbers.tolist())
    ]
    rows.sort(key=lambda row: row[6])  # by practice code, like the real file
    return (b"\xef\xbb\xbf" if vintage.payments_bom else b"") + csv_bytes(vintage.payments_header, rows)


def _later_lines(registered, weighted, total, rng) -> np.ndarray:
    """2020/21's added columns, in order: the two wider totals, the PCN lines (paid through a PCN's
    nominated practice, so to about a fifth of practices, sized by the PCN's patients), the COVID-19 lines,
    and the four averages over the wider totals."""
    n = len(registered)
    nominated = rng.random(n) < 0.2
    # £ a registered patient (of the practice, standing in for its PCN's), when paid.
    pcn = np.column_stack([
        np.where(nominated, rate * registered * rng.lognormal(0.0, 0.3, n), 0.0)
        for rate in (1.8 * 5, 1.5 * 5, 1.45 * 5, 6.0 * 5, 0.0, 0.4 * 5)
    ])  # fmt: skip
    covid = np.column_stack([rate * registered * rng.lognormal(0.0, 0.5, n) for rate in (1.9, 1.1)])
    pcn, covid = np.round(pcn, 2), np.round(covid, 2)
    with_covid = np.round(total + covid.sum(axis=1), 2)
    with_pcn = np.round(total + pcn.sum(axis=1), 2)
    return np.column_stack([
        with_covid, with_pcn, pcn, covid,
        with_pcn / registered, with_pcn / weighted, with_covid / registered, with_covid / weighted,
    ])  # fmt: skip


def _payment_lines(registered, weighted, contract, dispensing, rng) -> np.ndarray:
    """Amounts for the header's payment lines, Global Sum to Other Payments, one row a practice."""
    first, last = PAYMENTS_HEADER.index("Global Sum"), PAYMENTS_HEADER.index("Other Payments")
    names = PAYMENTS_HEADER[first : last + 1]
    n = len(registered)
    lines = np.zeros((n, len(names)))

    def noise(sd: float) -> np.ndarray:
        return rng.lognormal(0.0, sd, n)

    core = np.where(contract == "PMS", 0.0, GLOBAL_SUM_PER_WEIGHTED_PATIENT * weighted * noise(0.05))
    lines[:, names.index("Global Sum")] = core
    lines[:, names.index("Balance of PMS Expenditure")] = np.where(
        contract == "PMS", PMS_PER_WEIGHTED_PATIENT * weighted * noise(0.15), 0.0
    )
    lines[:, names.index("MPIG Correction factor")] = np.where(
        (contract == "GMS") & (rng.random(n) < 0.5), 0.67 * registered * noise(1.0), 0.0
    )
    lines[:, names.index("Dispensing Fee Payments")] = np.where(dispensing, 16.8 * registered * noise(0.8), 0.0)
    for name, (rate, spread, share) in PAYMENT_RATES.items():
        paid = rng.random(n) < share
        lines[:, names.index(name)] = np.where(paid, rate * registered * noise(spread), 0.0)
    return np.round(lines, 2)
