"""Stage 3, report: takes the results of `analysis`.
Gives the book's artifacts: charts, tables, maps, formatted numbers, area profile pages, provenance,
and a notice where a section's data are missing; imports `core`, `data` and `analysis`.
"""
