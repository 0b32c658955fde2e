"""Patients Registered at a GP Practice's practice mapping (gp-reg-pat-prac-map.csv), in the later vintages:
practice -> PCN, commissioner (CCG, or sub-ICB location from July 2022), STP or ICB, and region.

The vintage's own month is one file; the synthetic history (`history`) writes the same file for every
month from 2020-04, so the writer is built once per format (`PracticeMapWriter`) and each month only
changes the extract date and the PCN columns: a month costs a CSV write, not a row-by-row lookup.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pcnreport.data.synth.qof import icb_name, stp_index
from pcnreport.data.synth.spec import REGIONS

if TYPE_CHECKING:
    from pcnreport.data.synth.vintages import Vintage

NO_PCN_CODE, NO_PCN_NAME = "U", "Unallocated"  # how the real files list a practice in no PCN


class PracticeMapWriter:
    """The mapping of one format (a vintage's header, commissioner labels and region codes), for any
    month and any practice -> PCN membership.

    Each row holds the fields of both eras' headers and the vintage's header picks them, as in QOF's
    mapping. Unlike the other CSVs this one ends lines with LF, as the real files do. The GP IT supplier
    (2025's last column) alternates EMIS and TPP by practice number, about the real 3:2 split.
    """

    def __init__(self, practices: pd.DataFrame, ccgs: pd.DataFrame, vintage: Vintage) -> None:
        self.header = vintage.practice_map_header
        self.order = practices["code"].argsort(kind="stable").to_numpy()  # rows by practice code
        rows = practices.iloc[self.order]
        ccg = rows["ccg"].to_numpy()
        s = stp_index(ccgs)[ccg]
        region = ccgs["region_index"].to_numpy()[ccg]
        region_code = np.array([REGIONS[r][0] for r in region], dtype=object)
        commissioner = [ccgs[c].to_numpy(dtype=object)[ccg] for c in ("ons_code", "code", "name")]
        group = [np.array([f"E54{900_001 + k}" for k in s], dtype=object), np.array([f"Z{k:02d}" for k in s], dtype=object)]
        self.fields = {
            "PUBLICATION": np.full(len(rows), "GP_PRAC_PAT_LIST", dtype=object),
            "PRACTICE_CODE": rows["code"].to_numpy(dtype=object), "PRACTICE_NAME": rows["name"].to_numpy(dtype=object),
            "PRACTICE_POSTCODE": rows["postcode"].to_numpy(dtype=object),
            **dict(zip(("ONS_CCG_CODE", "CCG_CODE", "CCG_NAME"), commissioner)),
            **dict(zip(("ONS_SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME"), commissioner)),
            **dict(zip(("ONS_STP_CODE", "STP_CODE"), group)),
            "STP_NAME": np.array([f"SYNTHETIC STP {k + 1:02d}" for k in s], dtype=object),
            **dict(zip(("ONS_ICB_CODE", "ICB_CODE"), group)), "ICB_NAME": np.array([icb_name(k) for k in s], dtype=object),
            "ONS_COMM_REGION_CODE": np.array([vintage.region_ons[r] for r in region_code], dtype=object),
            "COMM_REGION_CODE": region_code,
            "COMM_REGION_NAME": np.array([f"SYNTHETIC {REGIONS[r][1].title()}" for r in region], dtype=object),
            "SUPPLIER_NAME": np.where(np.isin(self.order % 5, (1, 3)), "TPP", "EMIS").astype(object),
        }  # fmt: skip

    def csv(self, extract_date: str, pcn_code: np.ndarray, pcn_name: np.ndarray) -> bytes:
        """The file for one month: `pcn_code` and `pcn_name` by practice row (in the `practices` order the
        writer was made with; None or NaN for a practice in no PCN)."""
        code = pd.Series(pcn_code[self.order], dtype=object)
        no_pcn = code.isna().to_numpy()
        fields = {
            **self.fields,
            "EXTRACT_DATE": np.full(len(self.order), extract_date, dtype=object),
            "PCN_CODE": np.where(no_pcn, NO_PCN_CODE, code.to_numpy()),
            "PCN_NAME": np.where(no_pcn, NO_PCN_NAME, np.asarray(pcn_name, dtype=object)[self.order]),
        }
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(zip(*(fields[column].tolist() for column in self.header)))
        return text.getvalue().encode("utf-8")


def practice_map_csv(practices: pd.DataFrame, ccgs: pd.DataFrame, vintage: Vintage) -> bytes:
    """The vintage's own month: one row a practice, by practice code, with the sample's PCNs; a practice in
    no PCN is in PCN 'U', 'Unallocated'."""
    writer = PracticeMapWriter(practices, ccgs, vintage)
    return writer.csv(vintage.practice_map_date(), practices["pcn_code"].to_numpy(dtype=object),
                      practices["pcn_name"].to_numpy(dtype=object))
