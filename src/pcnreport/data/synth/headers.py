"""The header rows (and region codes) of every file the sample writes, in every format era, exactly as
the publishers wrote them: the writers and the era table (`vintages`) take them from here.

The 2019 headers are those of the files the interim report used; the later ones are copied from the real
files in the project's test data (data-later/) where the project has one, and otherwise from public code
reading the publishers' files (noted at each).
"""

from __future__ import annotations

# --- The December 2019 edition ---------------------------------------------------------------------------

EPCN_PCN_HEADER = (
    "PCN Code", "PCN Name", "Current Clinical Commissioning Group Code", "Clinical Commissioning Group Name",
    "Open Date (YYYYMMDD)", "Close Date", "Address Line 1", "Address Line 2", "Address Line 3",
    "Address Line 4", "Address Line 5", "Postcode",
)  # fmt: skip
EPCN_MEMBER_HEADER = (
    "Partner Organisation Code", "Partner Name", "Practice Parent CCG Code", "Practice Parent CCG Name",
    "PCN Code", "PCN Name", "PCN Parent CCG Code", "PCN Parent CCG Name",
    "Practice to PCN Relationship Start Date", "Practice to PCN Relationship End Date",
    "Practice CCG and PCN CCG match?",
)  # fmt: skip
REGISTRATIONS_HEADER = (
    "PUBLICATION", "EXTRACT_DATE", "TYPE", "CCG_CODE", "ONS_CCG_CODE", "CODE", "POSTCODE", "SEX", "AGE",
    "NUMBER_OF_PATIENTS",
)  # fmt: skip
PREVALENCE_HEADER = ("PRACTICE_CODE", "INDICATOR_GROUP_CODE", "REGISTER", "PATIENT_LIST_TYPE", "PATIENT_LIST_SIZE")
ORGANISATION_HEADER = (
    "PRACTICE_CODE", "PRACTICE_NAME", "CCG_CODE", "CCG_GEOGRAPHY_CODE", "CCG_NAME", "STP_CODE", "STP_NAME",
    "SUBREGION_CODE", "SUBREGION_GEOGRAPHY_CODE", "SUBREGION_NAME", "REGION_CODE", "REGION_GEOGRAPHY_CODE",
    "REGION_NAME", "COUNTRY", "REVISED_MAXIMUM_POINTS",
)  # fmt: skip
MAPPING_HEADER = (
    "NAT_ONS_CODE", "NAT_CODE", "COUNTRY", "REGION_ODS_CODE", "REGION_ONS_CODE", "REGION_NAME", "STP_ODS_CODE",
    "STP_ONS_CODE", "STP_NAME", "CCG_ODS_CODE", "CCG_ONS_CODE", "CCG_NAME", "PCN_ODS_CODE", "PCN_NAME",
    "PRACTICE_CODE", "PRACTICE_NAME",
)  # fmt: skip
# NHS England regions' ONS codes (2019/20).
REGION_ONS = {"Y56": "E40000003", "Y58": "E40000006", "Y59": "E40000005", "Y60": "E40000008",
              "Y61": "E40000007", "Y62": "E40000010", "Y63": "E40000009"}  # fmt: skip
# The 2019/20 file's header, names and order exactly (note the trailing space in "Appraisal Costs ").
PAYMENTS_HEADER = (
    "NHS England (Region) code", "NHS England (Region) Name", "CCG Code", "CCG NAME", "PCN Code", "PCN Name",
    "Practice Code", "Practice Name", "Practice Address", "Practice Postcode", "Practice Open Date",
    "Practice Close Date", "Contract Type", "Dispensing Practice", "Practice Type", "Practice Rurality",
    "Atypical Characteristics", "Number of Registered Patients (Last Known Figure)",
    "Number of Weighted Patients (Last Known Figure)", "Average payments per registered patient",
    "Average payments per weighted patient", "Global Sum", "MPIG Correction factor",
    "Balance of PMS Expenditure", "Total QOF Payments", "Childhood Vaccination and Immunisation Scheme",
    "GP Extended Hours Access", "Influenza and Pneumococcal Immunisations", "Learning Disabilities",
    "Meningitis", "Minor Surgery", "Out Of Area in Hours Urgent Care", "Pertussis",
    "Rotavirus and Shingles Immunisation", "Services for Violent Patients", "Total Local Incentive Schemes",
    "Premises Payments", "Seniority", "Doctors Retainer Scheme Payments", "Total Locum Allowances",
    "Appraisal Costs ", "Prolonged Study Leave", "PCO Admin Other", "Information Management and Technology",
    "Non DES Item Pneumococcal Vaccine, Childhood Immunisation Main Programme",
    "General Practice Forward View", "PCN Participation", "Prescribing Fee Payments",
    "Dispensing Fee Payments", "Reimbursement of Drugs", "Other Payments",
    "Total NHS Payments to General Practice",
    "Deductions for Pensions, Levies and Prescription Charge Income",
    "Total NHS Payments to General Practice Minus Deductions",
)  # fmt: skip

# --- Later eras ------------------------------------------------------------------------------------------

# ePCN, February 2022 (data-later/epcn/2022-02): note the spaces before two line breaks and after `Match`.
EPCN_2022_PCN_HEADER = (
    "PCN Code", "PCN Name", "Current Clinical \nCommissioning \nGroup Code", "Clinical\nCommissioning\nGroup Name",
    "Open Date", "Close Date", "Address Line 1", "Address Line 2", "Address Line 3", "Address Line 4",
    "Address Line 5", "Postcode",
)  # fmt: skip
EPCN_2022_MEMBER_HEADER = (
    "Partner\nOrganisation\nCode", "Partner\nName", "Practice\nParent\nCCG Code", "Practice\nParent\nCCG Name",
    "PCN Code", "PCN Name", "PCN Parent\nCCG Code", "PCN Parent\nCCG Name",
    "Practice to PCN\nRelationship\nStart Date", "Practice to PCN\nRelationship\nEnd Date",
    "Practice CCG and PCN\nCCG Match ",
)  # fmt: skip
# ePCN from July 2022: sub-ICB location columns. The PCN sheet's and the practice columns' names are as
# public code reading ODS's workbooks spells them; the PCN-parent and match columns follow the same pattern.
EPCN_SUB_ICB_PCN_HEADER = (
    "PCN Code", "PCN Name", "Current Sub ICB Loc Code", "Sub ICB Location", "Open Date", "Close Date",
    "Address Line 1", "Address Line 2", "Address Line 3", "Address Line 4", "Address Line 5", "Postcode",
)  # fmt: skip
EPCN_SUB_ICB_MEMBER_HEADER = (
    "Partner\nOrganisation\nCode", "Partner\nName", "Practice\nParent\nSub ICB Loc Code",
    "Practice\nParent\nSub ICB Loc Name", "PCN Code", "PCN Name", "PCN Parent\nSub ICB Loc Code",
    "PCN Parent\nSub ICB Loc Name", "Practice to PCN\nRelationship\nStart Date",
    "Practice to PCN\nRelationship\nEnd Date", "Practice Sub ICB Loc and PCN\nSub ICB Loc Match ",
)  # fmt: skip
REGISTRATIONS_SUB_ICB_HEADER = (
    "PUBLICATION", "EXTRACT_DATE", "TYPE", "SUB_ICB_LOCATION_CODE", "ONS_SUB_ICB_LOCATION_CODE", "CODE",
    "POSTCODE", "SEX", "AGE", "NUMBER_OF_PATIENTS",
)  # fmt: skip
# QOF 2021/22's mapping: ICBs and sub-ICB locations in the places of STPs and CCGs.
MAPPING_2122_HEADER = (
    "NAT_ONS_CODE", "NAT_CODE", "COUNTRY", "REGION_ODS_CODE", "REGION_ONS_CODE", "REGION_NAME", "ICB_ODS_CODE",
    "ICB_ONS_CODE", "ICB_NAME", "SUB_ICB_LOC_ODS_CODE", "SUB_ICB_LOC_ONS_CODE", "SUB_ICB_LOC_NAME",
    "PCN_ODS_CODE", "PCN_NAME", "PRACTICE_CODE", "PRACTICE_NAME",
)  # fmt: skip
MAPPING_2324_HEADER = (
    "NAT_COUNTRY", "REGION_ODS_CODE", "REGION_ONS_CODE", "REGION_NAME", "ICB_ODS_CODE", "ICB_ONS_CODE",
    "ICB_NAME", "SUB_ICB_ODS_CODE", "SUB_ICB_ONS_CODE", "SUB_ICB_NAME", "PCN_ODS_CODE", "PCN_NAME",
    "PRACTICE_CODE", "PRACTICE_NAME",
)  # fmt: skip
PREVALENCE_2324_HEADER = ("PRACTICE_CODE", "GROUP_CODE", "REGISTER", "PATIENT_LIST_TYPE", "PRACTICE_LIST_SIZE")
# NHS Payments 2020/21 (data-later/payments/2020-21): two capitals lowered, then the PCN and COVID-19 lines.
PAYMENTS_2021_EXTRA = (
    "Total NHS Payments including covid vaccination and covid support and expansion payments",
    "Total NHS Payments including PCN Workforce, Leadership and Support", "PCN Leadership", "PCN Support",
    "PCN Extended Hours Access", "PCN Workforce", "PCN Investment and impact Fund", "PCN Care Home Premium",
    "Covid Immunisation", "Covid Support and Expansion",
    "Average payments per registered patient including PCN Workforce, Leadership and Support",
    "Average payments per weighted patient including PCN Workforce, Leadership and Support",
    "Average payments per registered patient including covid vaccination and covid support and expansion payments",
    "Average payments per weighted patient including covid vaccination and covid support and expansion payments",
)  # fmt: skip
PAYMENTS_2021_HEADER = tuple(
    {"Practice Type": "Practice type", "Atypical Characteristics": "Atypical characteristics"}.get(h, h)
    for h in PAYMENTS_HEADER
) + PAYMENTS_2021_EXTRA
# July 2022 on: new ONS codes for the two regions whose boundary moved.
REGION_ONS_2022 = {**REGION_ONS, "Y60": "E40000011", "Y63": "E40000012"}
# From April 2024 (as in the October 2025 registrations mapping): East of England and North West too.
REGION_ONS_2024 = {**REGION_ONS_2022, "Y61": "E40000013", "Y62": "E40000014"}
# Patients Registered at a GP Practice's practice mapping (data-later/registrations-map): to June 2022 by
# CCG and STP (January 2022), from July 2022 by sub-ICB location and ICB; SUPPLIER_NAME as in October 2025.
PRACTICE_MAP_CCG_HEADER = (
    "PUBLICATION", "EXTRACT_DATE", "PRACTICE_CODE", "PRACTICE_NAME", "PRACTICE_POSTCODE", "PCN_CODE", "PCN_NAME",
    "ONS_CCG_CODE", "CCG_CODE", "CCG_NAME", "ONS_STP_CODE", "STP_CODE", "STP_NAME", "ONS_COMM_REGION_CODE",
    "COMM_REGION_CODE", "COMM_REGION_NAME",
)  # fmt: skip
PRACTICE_MAP_SUB_ICB_HEADER = (
    "PUBLICATION", "EXTRACT_DATE", "PRACTICE_CODE", "PRACTICE_NAME", "PRACTICE_POSTCODE", "PCN_CODE", "PCN_NAME",
    "ONS_SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME", "ONS_ICB_CODE", "ICB_CODE",
    "ICB_NAME", "ONS_COMM_REGION_CODE", "COMM_REGION_CODE", "COMM_REGION_NAME",
)  # fmt: skip
PRACTICE_MAP_2025_HEADER = (*PRACTICE_MAP_SUB_ICB_HEADER, "SUPPLIER_NAME")
