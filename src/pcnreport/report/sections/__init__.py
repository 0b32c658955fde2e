"""One module a report section: the section's results (from `analysis`) as the book shows them.
Each gives the section's formatted numbers, alt texts, charts and tables, and writes them where the
chapter includes them (`report.outputs`); the notebooks call its `write_*` function.
"""
