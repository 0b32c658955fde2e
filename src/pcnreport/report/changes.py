"""What changed in the report's numbers since the last published build.

Every published site carries `numbers.json`: each number of the book as the chapters print it, keyed
by its variable (`pcn_size.population.mean`). A new build compares its own numbers with those of the
site it is about to replace (or with a file or address given, as a pull request's preview does with
the live site's), and the appendix "What changed" lists each number whose printed value differs.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd

from pcnreport.core.atomic import write_text_atomic
from pcnreport.core.errors import PcnReportError
from pcnreport.report.numbers import count, write_numbers
from pcnreport.report.outputs import figures_dir, numbers_path
from pcnreport.report.tables import save_table
from pcnreport.report.wording import count_or_none, join, noun, verb

SECTION = "what_changed"
PUBLISHED_NUMBERS = "numbers.json"
# Not numbers of the report: the interim report's printed values, the build's own bookkeeping, the
# edition's identity (version, commit, build date: the appendix's change log tells the edition's story),
# and which release each section read (the data notice already names the release).
IGNORED_SECTIONS = {"published", "provenance", "edition", SECTION}
# "wording" holds sentences built from numbers listed on their own (report.wording), so a changed
# number would otherwise be listed twice, once inside a sentence.
IGNORED_KEYS = {"releases", "available", "unavailable_reason", "wording"}


def flatten(variables: dict, prefix: str = "") -> dict[str, str]:
    """{'pcn_size': {'population': {'mean': '48,000'}}} -> {'pcn_size.population.mean': '48,000'}."""
    flat: dict[str, str] = {}
    for key, value in variables.items():
        if (not prefix and key in IGNORED_SECTIONS) or key in IGNORED_KEYS:
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flatten(value, path))
        else:
            flat[path] = str(value)
    return flat


def compare(previous: dict[str, str], current: dict[str, str]) -> pd.DataFrame:
    """One row a number whose printed value differs: number, previous, current, change."""
    rows = []
    for key in sorted(previous.keys() | current.keys()):
        old, new = previous.get(key), current.get(key)
        if old == new:
            continue
        change = "new" if old is None else "removed" if new is None else "changed"
        rows.append({"number": key, "previous": old or "", "current": new or "", "change": change})
    return pd.DataFrame(rows, columns=["number", "previous", "current", "change"])


def load_previous(source: str | Path | None) -> dict[str, str] | None:
    """The numbers of a previous build: a path, an http(s) address, or None when there is none
    (no such file, or the address answers 404/410: the site has not been published yet)."""
    if source is None:
        return None
    text = str(source)
    try:
        if text.startswith(("http://", "https://")):
            try:
                with urllib.request.urlopen(text, timeout=30) as response:
                    payload = response.read().decode("utf-8")
            except urllib.error.HTTPError as exc:
                exc.close()
                if exc.code in (404, 410):
                    return None  # nothing published there yet: the first build compares with nothing
                raise
        else:
            path = Path(text)
            if not path.is_file():
                return None
            payload = path.read_text(encoding="utf-8")
        numbers = json.loads(payload)
    except (OSError, ValueError) as exc:
        raise PcnReportError(f"'{text}': cannot read the previous build's numbers: {exc}") from None
    if not isinstance(numbers, dict) or not isinstance(numbers.get("numbers"), dict):
        raise PcnReportError(f"'{text}': not a numbers file of pcnreport (expected {{'release': ..., 'numbers': {{...}}}})")
    return numbers


def write_published_numbers(site_dir: Path, variables: dict) -> Path:
    """Write the site's numbers.json, which the next build compares itself with."""
    release = (variables.get("data") or {}).get("release", "")
    payload = {"release": release, "numbers": flatten(variables)}
    return write_text_atomic(Path(site_dir) / PUBLISHED_NUMBERS, json.dumps(payload, indent=1, sort_keys=True))


def summary_clause(numbers: int, changed: int, new: int, removed: int) -> str:
    """'3 of the book's 900 numbers have a new value, none is new and 1 no longer appears': the
    appendix's summary, each count with the verb it takes, 'none' for zero."""
    of = f"of the book's {count(numbers)} {noun(numbers, 'number')}"
    parts = [
        f"{count_or_none(changed)} {of} {verb(changed or 1, 'has', 'have')} a new value",
        f"{count_or_none(new)} {verb(new or 1, 'is', 'are')} new",
        # "none no longer appears" is a double negative.
        f"{count(removed)} {verb(removed, 'no longer appears', 'no longer appear')}" if removed else "none has gone",
    ]
    return join(parts)


def write_section(output_dir: Path, previous: dict | None, variables: dict) -> dict:
    """The appendix's table and numbers: every number whose printed value changed."""
    current = flatten(variables)
    if previous is None:
        changes = compare({}, {})
        text = {"previous_available": False, "previous_release": "", "changed": "0", "new": "0", "removed": "0"}
    else:
        changes = compare(previous["numbers"], current)
        counts = changes["change"].value_counts()
        text = {
            "previous_available": True,
            "previous_release": previous.get("release", ""),
            **{kind: count(counts.get(kind, 0)) for kind in ("changed", "new", "removed")},
        }
    text["numbers"] = count(len(current))
    kinds = changes["change"].value_counts()
    text["wording"] = {
        "summary": summary_clause(len(current), *(int(kinds.get(k, 0)) for k in ("changed", "new", "removed")))
    }
    write_numbers(numbers_path(output_dir, SECTION), {**text, "rows": len(changes)}, text)
    shown = changes.rename(columns=str.capitalize) if len(changes) else pd.DataFrame(
        {"Number": ["(none)"], "Previous": [""], "Current": [""], "Change": [""]}
    )
    save_table(shown, "tbl-what-changed", figures_dir(output_dir), data=changes)
    return text
