"""Stage 2, analysis: takes the tidy tables of `data`.
Gives each report section's results and raw numbers, and every area's numbers, as plain Python and pandas.
Pure computation: no charts, no formatted text, no files but the areas' numbers; imports `core` and `data`.
"""
