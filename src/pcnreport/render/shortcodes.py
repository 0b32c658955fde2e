"""Expand the Quarto shortcodes the pandoc path supports: `var`, `include` and `meta`.

Anything else raises, naming the file and line: silently leaving `{{< video ... >}}` in the output
would publish a broken page that only Quarto users would notice.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ..core.errors import RenderError

# `{{{< x >}}}` is Quarto's escape for a literal shortcode; match it first so it is never expanded.
_SHORTCODE = re.compile(r"\{\{\{<\s*(?P<esc>.*?)\s*>\}\}\}|\{\{<\s*(?P<body>.*?)\s*>\}\}", re.DOTALL)
_MISSING = object()
# The shortcodes the pandoc path expands; `pcnreport.build.checks` refuses any other before rendering.
SUPPORTED_SHORTCODES = ("var", "meta", "include")


# What a variable of a section marked `available: false` expands to.
UNAVAILABLE = "(not available)"


def _section_lacks_data(variables: dict, key: str) -> bool:
    """Whether the key's section says `available: false` or `<part>_available: false`."""
    section = variables.get(key.split(".", 1)[0])
    if not isinstance(section, dict):
        return False
    return any(v is False for k, v in section.items() if k == "available" or k.endswith("_available"))


def load_variables(project_dir: Path) -> dict[str, Any] | None:
    path = project_dir / "_variables.yml"
    if not path.is_file():
        return None
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RenderError(f"'{path}': invalid YAML: {exc}") from None


def _lookup(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return _MISSING
    return data


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ShortcodeExpander:
    def __init__(self, project_dir: Path, variables: dict | None, meta: dict):
        self.project_dir = Path(project_dir).resolve()
        self.variables = variables
        self.meta = meta

    def expand_file(self, path: Path) -> str:
        return self._expand(Path(path).resolve(), ())

    def _rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.project_dir))
        except ValueError:
            return str(path)

    def _expand(self, path: Path, stack: tuple[Path, ...]) -> str:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RenderError(f"'{self._rel(path)}': cannot read: {exc.strerror}") from None
        stack = stack + (path,)

        def replace(m: re.Match) -> str:
            if m.group("esc") is not None:
                return "{{< " + m.group("esc") + " >}}"
            line = text.count("\n", 0, m.start()) + 1
            where = f"'{self._rel(path)}', line {line}"
            name, _, arg = m.group("body").partition(" ")
            arg = arg.strip()
            if name == "var":
                return self._var(arg, where)
            if name == "meta":
                return self._meta(arg, where)
            if name == "include":
                return self._include(arg, path, stack, where)
            raise RenderError(
                f"{where}: the pandoc path does not support shortcode '{name}' "
                f"(supported: {', '.join(SUPPORTED_SHORTCODES)}); install Quarto or remove it"
            )

        return _SHORTCODE.sub(replace, text)

    def _var(self, key: str, where: str) -> str:
        if self.variables is None:
            raise RenderError(f"{where}: {{{{< var {key} >}}}} but the project has no _variables.yml (run the analysis first)")
        value = _lookup(self.variables, key)
        if value is _MISSING and _section_lacks_data(self.variables, key):
            # The section's data (or part of them) were not supplied to this build: those numbers do
            # not exist, and the chapter hides the text using them (`when-meta`). Quarto would print
            # a marker for an unknown variable too; a build with all its data still fails on a typo.
            return UNAVAILABLE
        if value is _MISSING:
            raise RenderError(f"{where}: unknown variable '{key}': not in _variables.yml")
        if isinstance(value, (dict, list)):
            raise RenderError(f"{where}: variable '{key}' is a {type(value).__name__}, not a single value")
        return _scalar(value)

    def _meta(self, key: str, where: str) -> str:
        # Chapters see book-level keys (title, author, ...) as top-level metadata in Quarto.
        value = _lookup(self.meta, key)
        if value is _MISSING:
            value = _lookup(self.meta.get("book") or {}, key)
        if value is _MISSING or isinstance(value, (dict, list)):
            raise RenderError(f"{where}: unknown or non-scalar metadata key '{key}' in _quarto.yml")
        return _scalar(value)

    def _include(self, arg: str, current: Path, stack: tuple[Path, ...], where: str) -> str:
        arg = arg.strip("\"'")
        # Quarto: a leading `/` means the project root, anything else is relative to the including file.
        target = (self.project_dir / arg.lstrip("/")) if arg.startswith("/") else (current.parent / arg)
        target = target.resolve()
        if target in stack:
            raise RenderError(f"{where}: include '{arg}' includes itself (cycle)")
        if not target.is_file():
            raise RenderError(f"{where}: included file '{arg}' does not exist ({self._rel(target)})")
        return self._expand(target, stack)
