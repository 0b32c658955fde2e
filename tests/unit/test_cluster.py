"""Runs on a Dask cluster (`build --scheduler`): the address, the checks before the first run, the errors.

The whole build on a cluster is tests/functional/test_build_cluster.py; here one small local cluster
(one worker process, on loopback) is shared by the tests that need a scheduler to talk to.
"""

from __future__ import annotations

import socket
import time

import pytest
from notebook_support import small_notebook as _notebook

from pcnreport import cli
from pcnreport.build import cluster
from pcnreport.build.cluster import ClusterError, check_address
from pcnreport.build.kernels import Run
from pcnreport.build.runs import run_notebook
from pcnreport.core import errors


@pytest.mark.parametrize(("text", "address"), [
    ("tcp://scheduler:8786", "tcp://scheduler:8786"),
    ("scheduler:8786", "tcp://scheduler:8786"),  # a bare HOST:PORT is tcp, as for `dask worker`
    (" tls://10.0.0.5:9000 ", "tls://10.0.0.5:9000"),
    ("tcp://[::1]:8786", "tcp://[::1]:8786"),
])
def test_an_address_is_checked_and_written_out_in_full(text, address):
    assert check_address(text) == address


@pytest.mark.parametrize(("text", "phrase"), [
    ("http://scheduler:8786", "tcp:// or tls://"),
    ("inproc://scheduler:8786", "tcp:// or tls://"),  # reaches only this process: no worker could share it
    ("tcp://scheduler", "tcp://HOST:PORT"),
    ("tcp://:8786", "tcp://HOST:PORT"),
    ("tcp://scheduler:8786/status", "tcp://HOST:PORT"),
    ("tcp://scheduler:port", "'port' is not a port number"),
    ("tcp://scheduler:70000", "'70000' is not a port number"),
])
def test_a_malformed_address_is_refused_naming_what_is_wrong(text, phrase):
    with pytest.raises(ClusterError) as caught:
        check_address(text)
    assert phrase in str(caught.value) and text in str(caught.value)


def test_the_command_line_refuses_a_malformed_address_before_building(capsys):
    with pytest.raises(SystemExit) as caught:
        cli.parser().parse_args(["build", "--scheduler", "http://scheduler:8786"])
    assert caught.value.code == 2
    assert "--scheduler 'http://scheduler:8786'" in capsys.readouterr().err


def test_the_command_line_passes_the_scheduler_to_the_build(monkeypatch, tmp_path, capsys):
    seen = {}

    def build(options, progress=None):
        seen["scheduler"] = options.scheduler
        raise ClusterError(f"no Dask scheduler answered at {options.scheduler}")

    monkeypatch.setattr("pcnreport.build.pipeline.build", build)
    code = cli.main(["--project", str(tmp_path), "build", "--scheduler", "scheduler:8786"])
    assert seen == {"scheduler": "tcp://scheduler:8786"}
    assert code == ClusterError.exit_code == 1
    err = capsys.readouterr().err
    assert "pcnreport: error: no Dask scheduler answered at tcp://scheduler:8786" in err and "Traceback" not in err


def test_no_local_build_imports_distributed():
    """--scheduler alone brings in Dask: the runs module and the parser do not import it."""
    import subprocess
    import sys

    code = ("import sys; from pcnreport import cli; from pcnreport.build import runs, cluster; "
            "cli.parser().parse_args(['build', '--scheduler', 'h:1']); print('distributed' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_scheduler_that_does_not_answer_is_reported_within_the_timeout(tmp_path):
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    start = time.perf_counter()
    with pytest.raises(ClusterError) as caught, cluster.connect(address, tmp_path, [], timeout=1):
        pass
    assert time.perf_counter() - start < 10
    message = str(caught.value)
    assert f"no Dask scheduler answered at {address} within 1 s" in message and "dask scheduler" in message


def _view(missing=(), token="t", host="node1"):
    return {"host": host, "missing": list(missing), "token": token}


def test_visibility_problems_name_the_scheduler_the_worker_and_the_path():
    address = "tcp://scheduler:8786"
    assert cluster.visibility_problem(address, {"tcp://w1:1": _view(), "tcp://w2:1": _view()}, "t") is None

    missing = cluster.visibility_problem(address, {"tcp://w1:1": _view(), "tcp://w2:1": _view(["/p/analysis/a.ipynb"])}, "t")
    assert "tcp://w2:1" in missing and address in missing and "'/p/analysis/a.ipynb'" in missing
    assert "share the project folder" in missing

    copied = cluster.visibility_problem(address, {"tcp://w1:1": _view(token=None)}, "t")
    assert "tcp://w1:1" in copied and "not hold a copy" in copied

    broken = cluster.visibility_problem(address, {"tcp://w1:1": ModuleNotFoundError("No module named 'pcnreport'")}, "t")
    assert "No module named 'pcnreport'" in broken and "project's environment" in broken


def test_runs_are_cut_into_a_few_batches_a_thread_in_order():
    runs = list(range(142))
    batches = cluster.batches(runs, jobs=2)
    assert len(batches) == 8 and [run for batch in batches for run in batch] == runs
    assert cluster.batches([1, 2, 3], jobs=4) == [[1], [2], [3]]


# --- against a real scheduler and worker process ---


@pytest.fixture(scope="module")
def scheduler():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as local:
        yield local.scheduler_address


def test_workers_that_cannot_see_a_path_are_refused_naming_the_address_and_the_path(scheduler, tmp_path):
    notebook = _notebook(tmp_path / "nb.ipynb", "x = 1")
    with cluster.connect(scheduler, tmp_path, [str(notebook)]) as session:
        assert session.threads == 1
    absent = tmp_path / "elsewhere" / "nb.ipynb"
    with pytest.raises(ClusterError) as caught, cluster.connect(scheduler, tmp_path, [str(notebook), str(absent)]):
        pass
    assert scheduler in str(caught.value) and f"'{absent}'" in str(caught.value)
    assert not list((tmp_path / cluster.CHECK_FOLDER).iterdir()), "the check's file was left behind"


def test_a_user_error_in_a_cell_comes_back_from_the_worker_as_it_would_here(scheduler, tmp_path):
    notebook = _notebook(tmp_path / "nb.ipynb", "from pcnreport.core.errors import DataNotFoundError\n"
                                                "raise DataNotFoundError('no ePCN file in /data')")
    with cluster.connect(scheduler, tmp_path, [str(notebook)]) as session, pytest.raises(errors.PcnReportError) as caught:
        session.run("nb", run_notebook, notebook, tmp_path / "out.ipynb", {}, tmp_path / "log.jsonl")
    assert caught.value.exit_code == errors.DataNotFoundError.exit_code
    assert "nb.ipynb: no ePCN file in /data" in str(caught.value)
    assert str(tmp_path / "out.ipynb") in str(caught.value)


def test_a_run_whose_output_this_process_cannot_see_is_refused(scheduler, tmp_path):
    with cluster.connect(scheduler, tmp_path, []) as session, pytest.raises(ClusterError) as caught:
        session.run("nb", len, "abc", output=tmp_path / "never-written.ipynb")
    assert "never-written.ipynb" in str(caught.value) and "not a copy" in str(caught.value)


def test_a_batch_stops_at_its_first_failure_and_reports_the_runs_before_it(scheduler, tmp_path):
    notebook = _notebook(tmp_path / "nb.ipynb", "if fail:\n    raise ValueError('area ' + name + ' has no PCNs')")
    runs = [Run(f"profile {name}", notebook, tmp_path / "out" / f"{name}.ipynb", {"name": name, "fail": name == "B"},
                tmp_path / f"{name}.jsonl") for name in ("A", "B", "C")]
    with cluster.connect(scheduler, tmp_path, [str(notebook)]) as session:
        result = session.run_batch(runs, tmp_path)
    assert [name for name, _seconds in result.done] == ["profile A"]
    assert result.failed == "profile B" and isinstance(result.error, errors.AnalysisError)
    assert "nb.ipynb (profile B) failed: ValueError: area B has no PCNs" in str(result.error)
    assert (tmp_path / "out" / "A.ipynb").is_file() and not (tmp_path / "out" / "C.ipynb").exists()
