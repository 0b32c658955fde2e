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


class DataFolderError(PcnReportError):
    """Datasets of a data folder a build cannot use, all listed at once (the build checks them before
    running anything, so the user fixes every file in one go rather than one a build).

    `problems`: "dataset (file)" -> its problems; `missing`: dataset -> why it was not found. The exit
    code is DataFormatError's when any file is in a wrong format (fixing the files is the user's work
    either way, and a file in a wrong format is the more specific trouble), DataNotFoundError's when
    datasets are only missing.
    """

    def __init__(self, data_dir, problems: dict[str, list[str]], missing: dict[str, str]):
        self.data_dir = str(data_dir)
        self.problems = {name: list(found) for name, found in problems.items()}
        self.missing = dict(missing)
        self.exit_code = DataFormatError.exit_code if self.problems else DataNotFoundError.exit_code
        count = len(self.problems) + len(self.missing)
        lines = [f"'{self.data_dir}': {count} dataset(s) cannot be used; no notebook was run:"]
        for name, found in self.problems.items():
            lines.append(f"  {name}: {len(found)} problem(s):")
            lines += [f"    - {problem}" for problem in found]
        for name, why in self.missing.items():
            lines.append(f"  {name}: missing: {why}")
        super().__init__("\n".join(lines))


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
