"""Patients Registered at a GP Practice's practice mapping (gp-reg-pat-prac-map.csv), in the later vintages:
practice -> PCN, commissioner (CCG, or sub-ICB location from July 2022), STP or ICB, and region."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

import pandas as pd

from pcnreport.data.synth.qof import icb_name, stp_index
from pcnreport.data.synth.spec import REGIONS

if TYPE_CHECKING:
    from pcnreport.data.synth.vintages import Vintage


def practice_map_csv(practices: pd.DataFrame, ccgs: pd.DataFrame, vintage: Vintage) -> bytes:
    """One row a practice, by practice code; a practice in no PCN is in PCN 'U', 'Unallocated'.

    Each row holds the fields of both eras' headers and the vintage's header picks them, as in QOF's
    mapping. Unlike the other CSVs this one ends lines with LF, as the real files do. The GP IT supplier
    (2025's last column) alternates EMIS and TPP by practice number, about the real 3:2 split.
    """
    stp = stp_index(ccgs)
    extract = vintage.practice_map_date()
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(vintage.practice_map_header)
    for i in practices["code"].argsort(kind="stable").to_numpy():
        row = practices.iloc[i]
        ccg = row["ccg"]
        s = stp[ccg]
        region = ccgs["region_index"].iat[ccg]
        region_code = REGIONS[region][0]
        no_pcn = pd.isna(row["pcn_code"])
        commissioner = (ccgs["ons_code"].iat[ccg], ccgs["code"].iat[ccg], ccgs["name"].iat[ccg])
        group = (f"E54{900_001 + s}", f"Z{s:02d}")
        fields = {
            "PUBLICATION": "GP_PRAC_PAT_LIST", "EXTRACT_DATE": extract, "PRACTICE_CODE": row["code"],
            "PRACTICE_NAME": row["name"], "PRACTICE_POSTCODE": row["postcode"],
            "PCN_CODE": "U" if no_pcn else row["pcn_code"], "PCN_NAME": "Unallocated" if no_pcn else row["pcn_name"],
            **dict(zip(("ONS_CCG_CODE", "CCG_CODE", "CCG_NAME"), commissioner)),
            **dict(zip(("ONS_SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME"), commissioner)),
            **dict(zip(("ONS_STP_CODE", "STP_CODE"), group)), "STP_NAME": f"SYNTHETIC STP {s + 1:02d}",
            **dict(zip(("ONS_ICB_CODE", "ICB_CODE"), group)), "ICB_NAME": icb_name(s),
            "ONS_COMM_REGION_CODE": vintage.region_ons[region_code], "COMM_REGION_CODE": region_code,
            "COMM_REGION_NAME": f"SYNTHETIC {REGIONS[region][1].title()}",
            "SUPPLIER_NAME": "TPP" if i % 5 in (1, 3) else "EMIS",
        }  # fmt: skip
        writer.writerow([fields[column] for column in vintage.practice_map_header])
    return text.getvalue().encode("utf-8")
