"""Reused kernels: one process runs many notebooks, each from an empty namespace, each with its own log."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import nbformat
import pytest
from notebook_support import small_notebook as _notebook

from pcnreport.build.kernels import ReusedKernel, Run, local_socket_kernel_manager, run_all
from pcnreport.core import errors, runlog

BODY = """
import json
import os
from pcnreport.core import runlog
leaked = "left_over" in dir()  # set by the previous run in this kernel, unless the namespace was reset
left_over = name
runlog.record_write(os.path.join(os.getcwd(), "out-" + name))
if fail:
    raise ValueError("area " + name + " has no PCNs")
print(json.dumps({"pid": os.getpid(), "leaked": leaked}))
"""


def _outputs(executed: Path) -> dict:
    nb = nbformat.read(str(executed), as_version=4)
    return json.loads(nb.cells[-1].outputs[0]["text"])


def test_one_kernel_runs_each_notebook_in_a_fresh_namespace_with_its_own_log(tmp_path):
    notebook = _notebook(tmp_path / "nb.ipynb", BODY)
    runs = [Run(f"run {i}", notebook, tmp_path / "out" / f"{i}.ipynb", {"name": f"a{i}"}, tmp_path / f"{i}.jsonl")
            for i in range(3)]
    finished = []
    run_all(runs, tmp_path, jobs=1, done=lambda run, seconds: finished.append(run.name))
    assert finished == ["run 0", "run 1", "run 2"]
    outputs = [_outputs(run.executed) for run in runs]
    assert len({o["pid"] for o in outputs}) == 1  # one kernel process for all three
    assert not any(o["leaked"] for o in outputs)  # %reset -f cleared the previous run's variables
    for i, run in enumerate(runs):
        _, writes = runlog.load(run.run_log)
        assert writes == [(tmp_path / f"out-a{i}").resolve()]
        cells = nbformat.read(str(run.executed), as_version=4).cells
        assert cells[0].metadata["tags"] == ["injected-setup"] and "%reset -f" in cells[0].source
        assert any("injected-parameters" in c.metadata.get("tags", []) and f'"a{i}"' in c.source for c in cells)


def test_a_failed_run_names_the_run_and_keeps_its_executed_notebook(tmp_path):
    notebook = _notebook(tmp_path / "nb.ipynb", BODY)
    runs = [Run("profile ccg-00L", notebook, tmp_path / "out" / "ccg-00L.ipynb", {"name": "00L", "fail": True},
                tmp_path / "l.jsonl")]
    with pytest.raises(errors.AnalysisError) as caught:
        run_all(runs, tmp_path, jobs=1, done=lambda run, seconds: None)
    message = str(caught.value)
    assert "nb.ipynb (profile ccg-00L) failed: ValueError: area 00L has no PCNs" in message
    assert str(tmp_path / "out" / "ccg-00L.ipynb") in message
    assert (tmp_path / "out" / "ccg-00L.ipynb").is_file()


def test_a_user_error_in_a_cell_keeps_its_exit_code(tmp_path):
    notebook = _notebook(tmp_path / "nb.ipynb", "from pcnreport.core.errors import DataNotFoundError\n"
                                                "raise DataNotFoundError('no ePCN file in /data')")
    runs = [Run("profile region-Y56", notebook, tmp_path / "x.ipynb", {}, tmp_path / "l.jsonl")]
    with pytest.raises(errors.PcnReportError) as caught:
        run_all(runs, tmp_path, jobs=1, done=lambda run, seconds: None)
    assert caught.value.exit_code == errors.DataNotFoundError.exit_code
    assert "(profile region-Y56): no ePCN file in /data" in str(caught.value)


def _recording_signals(km) -> list:
    """Record every signal the manager sends its kernel, and "kill" for a kill (and still do them)."""
    sent: list = []
    send, kill = km._async_signal_kernel, km._async_kill_kernel

    async def recording(signum):
        sent.append(signum)
        await send(signum)

    async def recording_kill(*args, **kwargs):
        sent.append("kill")
        await kill(*args, **kwargs)

    km._async_signal_kernel, km._async_kill_kernel = recording, recording_kill
    return sent


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_kernel_is_shut_down_without_an_interrupt(tmp_path):
    # The interrupt jupyter_client sends before a shutdown made ipykernel print
    # "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel." after successful builds.
    from jupyter_core.utils import run_sync

    km = local_socket_kernel_manager(str(tmp_path))(kernel_name="python3")
    run_sync(km.start_kernel)()
    pid = km.provisioner.pid
    sent = _recording_signals(km)
    run_sync(km.interrupt_kernel)()  # asked for outside a shutdown (a cell's timeout): still sent
    assert sent == [signal.SIGINT]
    sent.clear()
    run_sync(km.shutdown_kernel)()
    assert signal.SIGINT not in sent and not km.has_kernel and _gone(pid)


def test_a_reused_kernel_is_killed_without_an_interrupt(tmp_path):
    notebook = _notebook(tmp_path / "nb.ipynb", BODY)
    kernel = ReusedKernel(tmp_path)
    kernel.run(Run("one", notebook, tmp_path / "out.ipynb", {"name": "a"}, tmp_path / "l.jsonl"))
    pid = kernel.km.provisioner.pid
    sent = _recording_signals(kernel.km)
    kernel.shutdown()
    # Killed, with no interrupt first: neither ipykernel's KeyboardInterrupt line nor libzmq's assertion
    # on a shutdown request can reach the build's output.
    assert sent == ["kill"] and _gone(pid)
