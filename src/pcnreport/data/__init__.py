"""Stage 1, data: takes the publishers' files (downloaded, or the synthetic sample) and the catalogue.
Gives validated tidy tables, one reader a dataset, through `inputs.DataInputs` (what a notebook reads).
Also fetches releases, looks for new ones and validates a data folder; imports only `core`.
"""
