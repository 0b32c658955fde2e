"""The variables step's key: it follows what the step's outputs depend on."""

from __future__ import annotations

from types import SimpleNamespace

from pcnreport import render
from pcnreport.build.variables import variables_components
from pcnreport.core.hashing import FileHasher


def _context(tmp_path, renderer: str):
    (tmp_path / "data").mkdir()
    return SimpleNamespace(
        parameters={"data_dir": "d"}, options=SimpleNamespace(renderer=renderer), synthetic=True,
        library="lib", environment="env", project=tmp_path, hasher=FileHasher(),
    )


def test_the_key_names_the_renderer_auto_chooses(tmp_path, monkeypatch):
    # The provenance appendix names the renderer used: a build that moves from pandoc + Typst to Quarto
    # (Quarto installed, option "auto" unchanged) must not restore the old appendix.
    ctx = _context(tmp_path, "auto")
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    without_quarto = variables_components(ctx, {})
    monkeypatch.setattr(render.shutil, "which", lambda name: "/usr/bin/quarto")
    with_quarto = variables_components(ctx, {})
    assert without_quarto["parameters"]["renderer"] == "pandoc+typst"
    assert with_quarto["parameters"]["renderer"] == "quarto"
