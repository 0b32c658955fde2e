"""The build on a Dask cluster (`pcnreport build --scheduler`) publishes what the local build publishes.

A LocalCluster of two worker processes on loopback stands for a team's cluster: its workers see the
project folder at the same path, as `pcnreport.build.cluster` requires.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import warnings
from pathlib import Path

import pytest
from conftest import PROJECT_SOURCES, REPO_ROOT  # tests/conftest.py: what a build reads, copied into a project

from pcnreport import cli

pytestmark = pytest.mark.slow

# Compared byte for byte (the project's own path written as <project>): what the notebooks computed
# and wrote, and what the build made of it.
COMPUTED = ("figures", "_generated", "_build/areas", "profiles", "_variables.yml")


def _compare_books():
    spec = importlib.util.spec_from_file_location("compare_books", REPO_ROOT / "scripts" / "compare_books.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scheduler():
    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        # The scheduler's HTTP routes move off port 8787 when it is taken, and say so: not this test's concern.
        warnings.filterwarnings("ignore", message="Port 8787 is already in use")
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                      dashboard_address=None) as local:
            yield local.scheduler_address


def _files(project: Path, name: str) -> dict[str, bytes]:
    root = project / name
    paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return {p.relative_to(project).as_posix(): p.read_bytes().replace(str(project).encode(), b"<project>")
            for p in paths}


def _pdf_text(content: bytes) -> list[str]:
    import io

    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def _same(path: str, ours: bytes, theirs: bytes) -> bool:
    """The same bytes; for a chart's PDF (vl-convert), the same size and text: the order of the objects
    in its page's resources differs from one process to the next, as it would between two local builds."""
    if ours == theirs:
        return True
    return path.endswith(".pdf") and len(ours) == len(theirs) and _pdf_text(ours) == _pdf_text(theirs)


def _published(project: Path) -> set[str]:
    return {p.relative_to(project / "_book").as_posix() for p in (project / "_book").rglob("*") if p.is_file()}


def _outputs(executed: Path) -> list:
    """A notebook's cells' outputs: what it printed and displayed. Not papermill's timings, nor the
    execution counts: a reused kernel counts on from its earlier runs, which depend on how runs were shared out."""
    cells = json.loads(executed.read_text())["cells"]
    return [[{k: v for k, v in output.items() if k != "execution_count"} for output in cell.get("outputs", [])]
            for cell in cells]


def test_a_build_on_a_dask_cluster_publishes_what_the_local_build_does(built_project, scheduler, tmp_path, capsys):
    local, local_result = built_project
    # The sources of the local build's own copy (not the working tree's, which may have moved on since),
    # and its synthetic sample: generating it is not the runs' work.
    project = tmp_path / "pcn-report"
    project.mkdir()
    for name in PROJECT_SOURCES:
        (shutil.copytree if (local / name).is_dir() else shutil.copy2)(local / name, project / name)
    shutil.copytree(local / ".cache" / "synthetic", project / ".cache" / "synthetic")

    code = cli.main(["--project", str(project), "build", "--renderer", "pandoc+typst", "--scheduler", scheduler])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"batch(es) on 2 worker thread(s) of {scheduler}" in out  # the profiles did run on the cluster
    assert "Traceback" not in err

    assert _published(project) == _published(local)
    differing = []
    for name in COMPUTED:
        ours, theirs = _files(project, name), _files(local, name)
        assert ours.keys() == theirs.keys(), name
        differing += [path for path in ours if not _same(path, ours[path], theirs[path])]
    assert not differing, f"differ from the local build's: {differing}"
    # Every executed notebook, the profiles' too, shows the same outputs (their metadata hold timings).
    for executed in local_result.executed_notebooks + local_result.profile_notebooks:
        ours = project / executed.relative_to(local)
        assert json.dumps(_outputs(ours)).replace(str(project), "<project>") == \
            json.dumps(_outputs(executed)).replace(str(local), "<project>"), executed.name
    compare = _compare_books()
    differences = (compare.number_differences(local / "_book" / "numbers.json", project / "_book" / "numbers.json", set())
                   + compare.page_differences(local / "_book", project / "_book")
                   + compare.pdf_differences(local / "_book", project / "_book"))
    assert not differences, "\n".join(differences[:20])

    # Everything the first build ran is in the cache: the second build, on the same cluster, runs nothing.
    code = cli.main(["--project", str(project), "build", "--renderer", "pandoc+typst", "--scheduler", scheduler])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Nothing changed" in out and "start" not in out
