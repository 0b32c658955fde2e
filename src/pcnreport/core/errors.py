"""One family of user-facing errors.

Anything a user can cause (bad input data, a missing tool, a locked build) raises a subclass of
`PcnReportError`. The command line prints its message without a traceback and exits with the
class's documented exit code; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class PcnReportError(Exception):
    """Base class: a problem the user can fix. `exit_code` is documented in the README."""

    exit_code = 1


class DataFormatError(PcnReportError):
    """An input file is not in the format its publisher uses (missing column, bad value, ...).

    The message names the file, then each problem with its row and/or column and what was expected.
    """

    exit_code = 3

    def __init__(self, path, problems: list[str] | str):
        self.path = str(path)
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"'{self.path}': {len(self.problems)} problem(s):\n{lines}")


class DataNotFoundError(PcnReportError):
    """A dataset the analysis needs is not in the data directory."""

    exit_code = 4


class RenderError(PcnReportError):
    """The renderer (Quarto, or pandoc + Typst) failed or a source uses something it cannot render."""

    exit_code = 5


class AnalysisError(PcnReportError):
    """A notebook run failed; the message points at the executed notebook kept for inspection."""

    exit_code = 6


class BuildLockedError(PcnReportError):
    """Another build holds the project's lock."""

    exit_code = 7


class FetchError(PcnReportError):
    """A release could not be downloaded (no address, HTTP error, network down after every retry)."""

    exit_code = 4


class ChecksumError(PcnReportError):
    """A download is not the file the catalogue describes."""

    exit_code = 3

    def __init__(self, url: str, expected: str, found: str):
        self.url, self.expected, self.found = url, expected, found
        super().__init__(
            f"'{url}': the download does not match the catalogue: expected {expected}, found {found}. "
            "It was not kept. If the publisher has revised the file on purpose, check it and update "
            "sha256/size in data/catalogue.yaml."
        )


class ArchiveError(PcnReportError):
    """An archive is unsafe or unusable (paths escaping the folder, symlinks, too large, no such member)."""

    exit_code = 3
