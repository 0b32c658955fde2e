"""Notebook execution: one fresh kernel a run (papermill), or a few long-lived kernels for many runs.

A fresh kernel costs about 1.5 s before the notebook's first line (process start, IPython, pandas),
and a profile notebook run 142 times would spend most of its time there and re-reading the same data.
`KernelPool` instead keeps `jobs` kernels alive and feeds each run to a free one:

- the run's parameters are injected as papermill does (`papermill.parameterize.parameterize_notebook`,
  a cell tagged `injected-parameters` after the `parameters` cell);
- a first cell, tagged `injected-setup`, clears the user namespace (`%reset -f`) so no variable of the
  previous run leaks into this one, and points `runlog.ENV` at this run's log. Imported modules stay
  loaded: that is the point, and what lets a library function memoise work shared by all runs;
- each run writes its own executed notebook, the provenance of that run, with the setup cell in it,
  so what the kernel did is on record.

Kernels talk over Unix sockets in a private folder (`local_socket_kernel_manager`): loopback TCP would
open ports and make ipykernel warn on every run that the traffic is unencrypted.
"""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pcnreport.core import errors, runlog

KERNEL_NAME = "python3"
SETUP_TAG = "injected-setup"


def local_socket_kernel_manager(socket_dir: str, env: dict[str, str] | None = None):
    """A kernel manager class whose kernels use Unix sockets in `socket_dir`.

    `env` is added to the kernel's environment only (runs in parallel threads cannot share os.environ).
    """
    from jupyter_client.manager import AsyncKernelManager

    class LocalSocketKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = os.path.join(socket_dir, "kernel")

        async def _async_pre_start_kernel(self, **kw):
            if env:
                kw["env"] = {**(kw.get("env") or os.environ), **env}
            return await super()._async_pre_start_kernel(**kw)

        async def _async_interrupt_kernel(self):
            # jupyter_client's shutdown_kernel interrupts the kernel (SIGINT) before asking it to shut
            # down. Our kernels are idle by then (every cell has replied), so the interrupt stops
            # nothing; but when the signal lands while ipykernel is still inside a message handler, it
            # logs "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel." to the build's stderr,
            # telling the user something failed when nothing did. During a shutdown the signal is
            # therefore skipped: the shutdown request (and, failing that, SIGTERM then SIGKILL) stops
            # the kernel. An interrupt asked for at any other time (nbclient's on a cell timeout)
            # goes through the public `interrupt_kernel` and is sent as before.
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

    return LocalSocketKernelManager


def user_error_from_cell(exc: Exception, executed: Path, what: str) -> errors.PcnReportError:
    """Turn a failed cell into the user error it raised, or into an AnalysisError.

    A cell's exception arrives as its class name and message (papermill's PapermillExecutionError,
    nbclient's CellExecutionError); a data problem should read as a data problem, not a traceback.
    `what` names the run ("profile.ipynb for ccg 00L").
    """
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    error_class = getattr(errors, ename, None)
    where = f"\n(the executed notebook is kept at '{executed}')"
    if isinstance(error_class, type) and issubclass(error_class, errors.PcnReportError):
        error = errors.PcnReportError(f"{what}: {evalue}{where}")
        error.exit_code = error_class.exit_code
        return error
    return errors.AnalysisError(f"{what} failed: {ename}: {evalue}{where}")


@dataclass(frozen=True)
class Run:
    """One execution of a notebook: where its executed copy goes, its parameters, its run log."""

    name: str  # shown in progress and errors: "profile ccg-00L"
    notebook: Path
    executed: Path
    parameters: dict
    run_log: Path


def setup_source(run_log: Path) -> str:
    return (
        "# Injected by pcnreport: this kernel ran other notebooks before; start from an empty namespace\n"
        "# (imported modules stay loaded) and record this run's reads and writes in its own log.\n"
        "%reset -f\n"
        "import os as _os\n"
        f"_os.environ[{runlog.ENV!r}] = {str(run_log)!r}\n"
        "del _os\n"
    )


def prepared_notebook(run: Run):
    """The notebook as the kernel runs it: setup cell first, then the parameters injected."""
    import nbformat
    from papermill.parameterize import parameterize_notebook

    nb = nbformat.read(str(run.notebook), as_version=4)
    for cell in nb.cells:  # papermill's loader does the same: its helpers read every cell's tags
        cell.metadata.setdefault("tags", [])
    nb.metadata.setdefault("papermill", {})  # where parameterize_notebook records the parameters
    nb = parameterize_notebook(nb, run.parameters, kernel_name=KERNEL_NAME, language="python")
    setup = nbformat.v4.new_code_cell(source=setup_source(run.run_log))
    setup.metadata["tags"] = [SETUP_TAG]
    nb.cells.insert(0, setup)
    return nb


class ReusedKernel:
    """A kernel that runs notebook after notebook. Use from one thread only (its event loop's)."""

    def __init__(self, cwd: Path):
        self.cwd = Path(cwd)
        self._socket_dir = tempfile.mkdtemp(prefix="pcnreport-kernel-")
        self.km = local_socket_kernel_manager(self._socket_dir)(kernel_name=KERNEL_NAME)
        self.runs = 0
        self.startup_seconds: float | None = None

    def run(self, run: Run) -> Path:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        nb = prepared_notebook(run)
        started = time.perf_counter()
        fresh = not self.km.has_kernel
        client = NotebookClient(
            nb, km=self.km, kernel_name=KERNEL_NAME, timeout=None,
            resources={"metadata": {"path": str(self.cwd)}},
        )
        run.executed.parent.mkdir(parents=True, exist_ok=True)
        try:
            client.execute(cwd=str(self.cwd))
        except CellExecutionError as exc:
            raise user_error_from_cell(exc, run.executed, f"{run.notebook.name} ({run.name})") from None
        finally:
            # Kept whether the run succeeded or not: a failed run's notebook shows the failing cell.
            nbformat.write(nb, str(run.executed))
            if client.kc is not None:
                client.kc.stop_channels()
            self.runs += 1
        if fresh:
            self.startup_seconds = time.perf_counter() - started
        return run.executed

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        try:
            if self.km.has_kernel:
                # Killed, not asked: every run on it has finished, and a kernel asked to shut down
                # sometimes dies printing libzmq's "Assertion failed: pfd.revents & POLLIN" into the
                # build's output (seen in CI); a killed process prints nothing. No interrupt goes
                # first (see `_async_interrupt_kernel` above).
                run_sync(self.km.shutdown_kernel)(now=True)
        finally:
            shutil.rmtree(self._socket_dir, ignore_errors=True)


Progress = Callable[[str], None]
Done = Callable[[Run, float], None]


def run_all(runs: list[Run], cwd: Path, jobs: int, done: Done, progress: Progress | None = None) -> None:
    """Run every run on `jobs` long-lived kernels (threads, one kernel each), calling `done` after each.

    The first failure stops the queue: runs under way on other kernels finish (and are reported to
    `done`), then the failure is raised. Kernels are shut down either way.
    """
    say = progress or (lambda line: None)
    pending: queue.Queue[Run] = queue.Queue()
    for run in runs:
        pending.put(run)
    failures: list[BaseException] = []
    stop = threading.Event()

    def worker() -> None:
        kernel = ReusedKernel(cwd)
        try:
            while not stop.is_set():
                try:
                    run = pending.get_nowait()
                except queue.Empty:
                    return
                start = time.perf_counter()
                try:
                    kernel.run(run)
                    done(run, time.perf_counter() - start)
                except BaseException as exc:
                    say(f"  failed {run.name}  {time.perf_counter() - start:5.1f} s")
                    failures.append(exc)
                    stop.set()
                    return
        finally:
            kernel.shutdown()

    threads = [threading.Thread(target=worker, name=f"kernel-{i}") for i in range(max(1, min(jobs, len(runs))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
