"""Notebook runs on a Dask distributed cluster: `pcnreport build --scheduler tcp://HOST:8786`.

Only the execution of a run moves to a worker. The build process still plans the runs, restores the
unchanged ones, and after each run stores it under its key and prints its progress, as it does with the
local pool (`runs.py` is the one place that chooses between the two).

What a worker is sent is a run's paths and parameters, nothing else: the notebook, the data and every
output (executed notebook, run log, figures, numbers) travel through the project folder. So the workers
must see the project folder, and the data folder, at the same paths as the build process: a cluster on
this machine, or machines that mount one shared volume at the same place. They must also run the
project's environment (the same pcnreport and packages), since they import pcnreport to run a notebook.
`connect` checks the folder before the first run and refuses, naming the path, when a worker cannot see it.

`distributed` is imported only in this module's functions, and only when a build is given --scheduler:
a local build never pays for the import (about half a second).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pcnreport.core import errors

DEFAULT_PORT = 8786  # `dask scheduler`'s own default
# A scheduler that does not answer within this is reported, not waited for: a mistyped host or a
# stopped scheduler would otherwise leave the build retrying silently.
CONNECT_TIMEOUT = 10.0
SCHEMES = ("tcp", "tls")  # inproc reaches only this process; ucx and ws need packages we do not ship
CHECK_FOLDER = ".cache/cluster-check"  # where the build leaves a file each worker must read back


class ClusterError(errors.PcnReportError):
    """The Dask cluster given with --scheduler cannot be reached or cannot run this project's notebooks
    (no workers, or workers that do not see the project folder)."""

    exit_code = 1


def check_address(text: str) -> str:
    """`text` as a scheduler address `tcp://HOST:PORT` (or tls://); a bare HOST:PORT means tcp://.

    Raises ClusterError naming what is wrong; nothing is contacted here (the command line calls it).
    """
    address = text.strip()
    scheme, separator, rest = address.partition("://")
    if not separator:
        scheme, rest = "tcp", address
    if scheme not in SCHEMES:
        raise ClusterError(f"--scheduler '{text}': the address must start tcp:// or tls:// (tcp://HOST:{DEFAULT_PORT})")
    host, colon, port = rest.rpartition(":")
    if not colon or not host or "/" in rest or " " in rest:
        raise ClusterError(f"--scheduler '{text}': expected {scheme}://HOST:PORT, e.g. tcp://scheduler:{DEFAULT_PORT}")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ClusterError(f"--scheduler '{text}': '{port}' is not a port number (1 to 65535)")
    return f"{scheme}://{host}:{int(port)}"


# --- run on the workers (module-level functions: Dask sends them by name, so workers import pcnreport) ---


def worker_view(paths: list[str], token_file: str) -> dict:
    """What this worker sees: which of `paths` are missing here, and the text of `token_file`, which the
    build process has just written into the project (a copy of the folder would not have it)."""
    try:
        token = Path(token_file).read_text(encoding="utf-8")
    except OSError:
        token = None
    return {"host": socket.gethostname(), "missing": [path for path in paths if not os.path.exists(path)],
            "token": token}


def _call(function, args: tuple):
    """function(*args) on a worker, with the worker's host name for the messages."""
    return function(*args), socket.gethostname()


@dataclass
class BatchResult:
    """What a batch of profile runs on one worker did: the runs done (name, seconds) in order, then the
    run that failed, if any, with its time and its user error."""

    host: str
    done: list[tuple[str, float]] = field(default_factory=list)
    failed: str | None = None
    failed_seconds: float = 0.0
    error: errors.PcnReportError | None = None


def run_batch(runs: list, cwd: str, stop_name: str | None = None) -> BatchResult:
    """Run `runs` (kernels.Run) one after another on one reused kernel, on a worker.

    The same reused kernel a local build uses (`kernels.ReusedKernel`), started and shut down within
    this one task, so it never outlives the task or leaks onto a worker thread. Before each run the
    build's stop event is read: after a failure elsewhere no new run starts here either.
    """
    from pcnreport.build import kernels

    stop = None
    if stop_name:
        from distributed import Event

        stop = Event(stop_name)
    result = BatchResult(host=socket.gethostname())
    kernel = kernels.ReusedKernel(Path(cwd))
    try:
        for run in runs:
            if stop is not None and stop.is_set():
                break
            start = time.perf_counter()
            try:
                kernel.run(run)
            except errors.PcnReportError as error:  # a cell's user error (or AnalysisError): reported as here
                result.failed, result.failed_seconds, result.error = run.name, time.perf_counter() - start, error
                break
            result.done.append((run.name, time.perf_counter() - start))
    finally:
        kernel.shutdown()
    return result


# --- the build process's side ---


def _lost(address: str, what: str, exc: BaseException) -> ClusterError:
    return ClusterError(f"{what}: the Dask cluster at {address} lost the run ({type(exc).__name__}: {exc}); "
                        "a worker may have died (out of memory?) or the scheduler stopped")


class Session:
    """A connection to the scheduler for one runner of the build (see `connect`)."""

    def __init__(self, client, address: str):
        self.client = client
        self.address = address
        self._stop = None

    @property
    def threads(self) -> int:
        """Runs the cluster's workers can take at once: their threads, added up."""
        return max(1, sum(self.client.nthreads().values()))

    def _result(self, future, what: str):
        """The future's result; the cluster's own failures (a worker killed, the scheduler gone) as a
        ClusterError naming the run. A run's own exceptions come back as raised on the worker."""
        from distributed import KilledWorker
        from distributed.client import FutureCancelledError
        from distributed.comm import CommClosedError

        try:
            return future.result()
        except (KilledWorker, FutureCancelledError, CommClosedError) as exc:
            raise _lost(self.address, what, exc) from None

    def run(self, what: str, function, *args, output: Path | None = None):
        """function(*args) as a task on a worker; returns its result. `what` names the run in the
        messages; `output`, a file the run writes, is looked for here afterwards: missing, the worker
        wrote into a folder this process does not see (a copy, not a share)."""
        future = self.client.submit(_call, function, args, key=f"pcnreport-{what}-{uuid.uuid4().hex[:8]}", pure=False)
        result, host = self._result(future, what)
        if output is not None and not Path(output).exists():
            raise ClusterError(f"{what}: the run finished on worker host {host}, but '{output}' is not here: "
                               "the workers must share the project folder at the same path, not a copy of it")
        return result

    def run_batch(self, runs: list, cwd: Path) -> BatchResult:
        """Profile runs `runs` one after another on one reused kernel of a worker (`run_batch`)."""
        future = self.client.submit(run_batch, runs, str(cwd), self._stop_event().name,
                                    key=f"pcnreport-profiles-{uuid.uuid4().hex[:8]}", pure=False)
        return self._result(future, f"{runs[0].name} and {len(runs) - 1} other run(s)")

    def _stop_event(self):
        if self._stop is None:
            from distributed import Event

            self._stop = Event(f"pcnreport-stop-{uuid.uuid4().hex}", client=self.client)
        return self._stop

    def stop(self) -> None:
        """Ask the batches under way to start no new run (the first failure stops the queue)."""
        if self._stop is not None:
            self._stop.set()


def batches(runs: list, jobs: int, per_thread: int = 4) -> list[list]:
    """`runs` cut into about `per_thread` batches a thread, in order. More batches balance the threads
    and stop sooner after a failure; each costs a kernel's start (~1.5 s) and the work its runs share."""
    count = max(1, min(len(runs), jobs * per_thread))
    size = -(-len(runs) // count)
    return [runs[i : i + size] for i in range(0, len(runs), size)]


def visibility_problem(address: str, views: dict[str, dict | BaseException], token: str) -> str | None:
    """The message refusing a cluster whose workers do not see the project as this process does, or None.

    `views`: worker address -> its `worker_view`, or the exception it raised.
    """
    for worker, view in sorted(views.items()):
        if isinstance(view, BaseException):
            return (f"the Dask workers at {address} could not run pcnreport's check (worker {worker}: "
                    f"{type(view).__name__}: {view}); start `dask worker` from the project's environment, "
                    "where pcnreport is installed")
        if view["missing"]:
            return (f"Dask worker {worker} (host {view['host']}) of the scheduler at {address} cannot see "
                    f"'{view['missing'][0]}': the workers must share the project folder (and the data folder) "
                    "at the same path as this build; start them on this machine or on a shared volume")
        if view["token"] != token:
            return (f"Dask worker {worker} (host {view['host']}) of the scheduler at {address} sees a different "
                    f"folder at the project's path: a file this build wrote there is not there, so its outputs "
                    "would not come back; the workers must share the project folder, not hold a copy of it")
    return None


@contextmanager
def connect(address: str, project: Path, paths: list[str], timeout: float = CONNECT_TIMEOUT) -> Iterator[Session]:
    """A Session on the scheduler at `address`, checked first: it answers within `timeout` seconds, has
    at least one worker, and every worker sees `paths` (the notebooks, the data folder) and the project
    folder itself as this process does. Closed on leaving."""
    try:
        from distributed import Client
    except ImportError:  # a dependency of pcnreport, so only a broken environment lands here
        raise ClusterError("--scheduler needs the `distributed` package (pip install distributed)") from None

    try:
        # Not set as the process's default client: nothing else in the build should find it.
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"no Dask scheduler answered at {address} within {timeout:g} s ({exc}); "
                           "start one with `dask scheduler`, or build without --scheduler") from None
    try:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise ClusterError(f"the Dask scheduler at {address} has no workers (waited {timeout:g} s); "
                               "start some with `dask worker " + address + "`") from None
        check_visibility(client, address, project, paths)
        session = Session(client, address)
        yield session
    finally:
        client.close()


def check_visibility(client, address: str, project: Path, paths: list[str]) -> None:
    """Refuse (ClusterError) unless every worker sees `paths` and the project folder as this process does.

    Run on every worker (client.run), not as one task: a task would check only the worker it lands on.
    """
    token = uuid.uuid4().hex
    folder = Path(project) / CHECK_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    token_file = folder / f"{token}.txt"
    token_file.write_text(token, encoding="utf-8")
    try:
        views = client.run(worker_view, [str(p) for p in paths], str(token_file), on_error="return")
    finally:
        token_file.unlink(missing_ok=True)
    problem = visibility_problem(address, views, token)
    if problem:
        raise ClusterError(problem)
