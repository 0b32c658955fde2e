"""Readers: a publisher's own file format -> a validated, tidy pandas table.

Each reader works the same way:

1. check the file exists and is not empty, and tell what it is from its bytes: a CSV, a ZIP archive
   holding the CSV, or an Excel workbook where the publisher ships one (`_files.open_table`);
2. read every cell as text (so nothing is silently coerced: '1,234', 'abc' and '' all survive to be judged);
3. match the header against the columns the reader needs, through the one table of accepted spellings
   (`_headers.SPELLINGS`), ignoring case and whitespace (line breaks included), and report every missing
   one; a column no analysis uses (`_headers.OPTIONAL`) may be absent, and is then all-missing;
4. validate the values with a pandera schema, lazily so every bad cell is collected, plus explicit checks
   that span rows (duplicates, cross-references), which pandera cannot describe well;
5. only then convert types and return the tidy table (docs/tables.md lists every reader's columns).

Any problem raises `DataFormatError(path, problems)`. A problem names the row as a person sees it in a
spreadsheet or text editor (header = row 1, first data row = row 2), the publisher's column name, what was
expected and what was found. No pandas, pandera or openpyxl traceback reaches the user for a bad file.

One module a publisher family: `epcn`, `registrations` (all persons, by age, by LSOA), `practice_map`
(the registrations publication's practice to PCN / commissioner / ICB or STP / region mapping), `payments`, `qof`
(prevalence, practice to CCG mapping), `geography` (IMD, RUC, LSOA to MSOA), `federations`,
`interviews` (the WP1 interviewees' emphasis on the policy themes), `boundaries` (ONS's GeoJSON
boundaries of MSOAs, LSOAs, CCGs, sub-ICB locations and ICBs: not tables, so read as GeoJSON with the same kind of messages).
"""

from pcnreport.data.readers.boundaries import (
    read_ccg_boundaries,
    read_icb_boundaries,
    read_lsoa_boundaries,
    read_msoa_boundaries,
    read_sub_icb_boundaries,
)
from pcnreport.data.readers.epcn import Epcn, read_epcn
from pcnreport.data.readers.federations import read_federations
from pcnreport.data.readers.geography import read_imd, read_lsoa_changes, read_lsoa_msoa, read_ruc
from pcnreport.data.readers.interviews import read_interview_emphasis
from pcnreport.data.readers.payments import list_sizes_from_payments, read_payments
from pcnreport.data.readers.practice_map import read_practice_map
from pcnreport.data.readers.qof import read_practice_ccg, read_qof_prevalence
from pcnreport.data.readers.registrations import read_registrations, read_registrations_age, read_registrations_lsoa

__all__ = [
    "Epcn",
    "list_sizes_from_payments",
    "read_ccg_boundaries",
    "read_epcn",
    "read_federations",
    "read_icb_boundaries",
    "read_imd",
    "read_interview_emphasis",
    "read_lsoa_boundaries",
    "read_lsoa_changes",
    "read_lsoa_msoa",
    "read_msoa_boundaries",
    "read_payments",
    "read_practice_ccg",
    "read_practice_map",
    "read_qof_prevalence",
    "read_registrations",
    "read_registrations_age",
    "read_registrations_lsoa",
    "read_ruc",
    "read_sub_icb_boundaries",
]
