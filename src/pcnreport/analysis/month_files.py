"""Where each month's results live (`landscape_months` writes and reads them): `_build/months/<month>.json` and
`<month>.members.csv`. Kept apart, with no heavy imports, because the build names and removes these files on
every run, including a rebuild with nothing to do, which must not import pandas."""

from __future__ import annotations

from pathlib import Path

FOLDER = Path("_build") / "months"


def paths(output_dir: Path, month: str) -> tuple[Path, Path]:
    """(the month's JSON, its members' CSV)."""
    folder = Path(output_dir) / FOLDER
    return folder / f"{month}.json", folder / f"{month}.members.csv"


def remove_stale(output_dir: Path, months: list[str]) -> None:
    """Remove the files of months no longer in the data (a release withdrawn or moved out of the folder)."""
    wanted = {path.name for month in months for path in paths(output_dir, month)}
    folder = Path(output_dir) / FOLDER
    if folder.is_dir():
        for path in folder.iterdir():
            if path.name not in wanted:
                path.unlink()
