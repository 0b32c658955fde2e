"""A build killed at any moment leaves the published site as it was, and a successful build says
nothing that looks like an error.

A build is killed with SIGKILL to its whole process group (a cancelled CI job, the out-of-memory
killer, a closed laptop): no `finally`, no signal handler runs. Then `_book/` must be byte-identical
to before, no lock may refuse the next build, and the next build must succeed with the `numbers.json`
of a build never interrupted, i.e. nothing the killed build left (half-run notebooks, cache entries,
a staging folder) is trusted.

One cold build first (the site the kills must not touch, the numbers to compare with, the output a
quiet success is judged on), then one `pcnreport build --force` a moment, each killed when its own
output or files show it has got there: a notebook finished and others running; profiles running;
the renderer writing pages; the finished site about to be swapped in. The swap itself (one rename
where the system can exchange two folders, two renames where it cannot) is killed between its steps
in tests/unit/test_atomic.py.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

# As the built_project fixture: needs no Quarto, renders the same on every machine, and fast.
BUILD = ("build", "--renderer", "pandoc+typst")
BUILD_TIMEOUT = 1800  # s: a cold build takes about 150 s on 2 free cores (README, "Speed")
LOCK = Path(".cache") / "build.lock"  # what pipeline.project_lock holds while a build runs

# What would make a user think a successful build went wrong: "[IPKernelApp] ERROR | KeyboardInterrupt
# caught in kernel.", a traceback, a warning, a failed step.
ERROR_LOOKING = re.compile(r"error|traceback|exception|keyboardinterrupt|warning|failed|fatal|critical", re.I)

# `pcnreport build` as its console script runs it (cli.main), with one change: when the finished site
# is about to be swapped in for _book/, it writes the path of its staging folder to the file named by
# its first argument and waits there to be killed. Nothing else can catch a build at that instant.
PAUSED_BEFORE_THE_SWAP = """
import sys, time
from pathlib import Path
from pcnreport import cli
from pcnreport.build import publish

def wait_to_be_killed(staging, target):
    Path(sys.argv[1]).write_text(str(staging))
    time.sleep(3600)

publish.publish_directory = wait_to_be_killed
sys.exit(cli.main(sys.argv[2:]))
"""


def _pcnreport() -> list[str]:
    script = Path(sys.executable).with_name("pcnreport")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "pcnreport.cli"]


@dataclass
class RunningBuild:
    """A build in a process group of its own, its stdout and stderr read line by line as they come."""

    process: subprocess.Popen
    lines: list[str] = field(default_factory=list)

    def __post_init__(self):
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait(self) -> int:
        code = self.process.wait(timeout=BUILD_TIMEOUT)
        self._reader.join(timeout=10)
        return code

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)  # the build and every process it started in its group
        self.wait()


def start_build(project: Path, *args: str, command: list[str] | None = None) -> RunningBuild:
    process = subprocess.Popen(
        [*(command or _pcnreport()), "--project", str(project), *BUILD, *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    return RunningBuild(process)


def wait_for(build: RunningBuild, moment: str, reached: Callable[[], bool]) -> None:
    """Poll until `reached()`; fail if the build ends first (it should still be working) or takes too long."""
    deadline = time.monotonic() + BUILD_TIMEOUT
    while not reached():
        if build.process.poll() is not None:
            build.wait()
            pytest.fail(f"the build ended (exit {build.process.returncode}) before {moment}:\n{build.output}")
        if time.monotonic() > deadline:
            build.kill()
            pytest.fail(f"the build did not reach {moment} in {BUILD_TIMEOUT} s:\n{build.output}")
        time.sleep(0.05)


def digests(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file()
    }


def kernels_of(pid: int) -> list[int]:
    """Live kernels the process `pid` started. jupyter_client starts each kernel in a session of its own,
    beyond the reach of a signal to the build's group, and names its parent in JPY_PARENT_PID; the
    kernel exits when it sees that parent gone."""
    wanted = f"JPY_PARENT_PID={pid}".encode()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            environ = (entry / "environ").read_bytes()  # a zombie's is empty: it runs nothing
        except OSError:
            continue
        if wanted in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def lock_is_free(project: Path) -> bool:
    with open(project / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def error_looking_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if ERROR_LOOKING.search(line)]


@dataclass
class Baseline:
    project: Path
    output: str
    numbers: bytes  # _book/numbers.json of a build never interrupted


@pytest.fixture(scope="module")
def baseline(project_copy, tmp_path_factory) -> Baseline:
    """A project copy built once, cold, from the synthetic sample: the published site the kills face."""
    project = project_copy(tmp_path_factory.mktemp("killed") / "pcn-report")
    build = start_build(project)
    code = build.wait()
    assert code == 0, build.output
    return Baseline(project, build.output, (project / "_book" / "numbers.json").read_bytes())


def _notebooks_running(build: RunningBuild, project: Path) -> bool:
    # One notebook done (its run cached), others under way: jobs default to the cores, and there are nine.
    return any(line.startswith("  done   ") for line in build.lines)


def _profiles_running(build: RunningBuild, project: Path) -> bool:
    return any(re.match(r"  profiles \d+/\d+ done", line) for line in build.lines)


def _pages_being_rendered(build: RunningBuild, project: Path) -> bool:
    # The staging folder has pages but not yet the render key, the last file written before the swap.
    return any(line.startswith("  render (") for line in build.lines) and any(
        any(staging.rglob("*.html")) and not (staging / ".build-key.json").exists()
        for staging in (project / "_build").glob("site.*")
    )


MOMENTS = {
    "notebooks": _notebooks_running,
    "profiles": _profiles_running,
    "render": _pages_being_rendered,
    "publish": None,  # paused by PAUSED_BEFORE_THE_SWAP
}


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_a_build_killed_at_any_moment_leaves_the_site_and_the_next_build_whole(baseline, tmp_path, moment):
    project = baseline.project
    published = digests(project / "_book")

    if moment == "publish":
        paused = tmp_path / "paused-before-the-swap"
        build = start_build(project, "--force",
                            command=[sys.executable, "-c", PAUSED_BEFORE_THE_SWAP, str(paused)])
        wait_for(build, "the swap", paused.exists)
        # The site is finished (its key is written last), and only the swap is left to do.
        assert (Path(paused.read_text()) / ".build-key.json").is_file()
    else:
        build = start_build(project, "--force")
        wait_for(build, f"its {moment}", lambda: MOMENTS[moment](build, project))
    build.kill()

    now = digests(project / "_book")
    changed = sorted(name for name in published.keys() | now.keys() if published.get(name) != now.get(name))
    assert not changed, f"killed during its {moment}, the build changed _book/: {changed[:10]}"
    # Its kernels, outside its process group, see it gone and exit (ipykernel checks every second):
    # none may outlive it and write into the project while the next build runs.
    deadline = time.monotonic() + 30
    while kernels_of(build.process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not kernels_of(build.process.pid), "kernels outlived the killed build"
    assert lock_is_free(project), f"the lock {LOCK} is still held after the build was killed"

    following = start_build(project)
    assert following.wait() == 0, following.output
    assert (project / "_book" / "numbers.json").read_bytes() == baseline.numbers
    assert not error_looking_lines(following.output), following.output
    # What the killed build left is cleared: no staging folder, no site set aside.
    assert not list((project / "_build").glob("*site.*")) and not (project / "._book.old").exists()


def test_a_successful_build_prints_nothing_that_looks_like_an_error(baseline):
    # The cold build ran every notebook, each in a kernel shut down at its end: the shutdown used to
    # interrupt the kernel first, and ipykernel logged the interrupt as an ERROR (tests/unit/test_kernels.py).
    assert "Built the report" in baseline.output
    assert not error_looking_lines(baseline.output), baseline.output


def test_error_looking_lines_are_recognised():
    # The check above is only as good as its pattern: the lines that made users think a build failed.
    assert error_looking_lines(
        "  start  06-footprints  (no previous run)\n"
        "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.\n"
        "Traceback (most recent call last):\n"
        "  failed 06-ventures    2.2 s\n"
        "  profiles 20/142 done  ( 11.7 s)\n"
    ) == [
        "[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.",
        "Traceback (most recent call last):",
        "  failed 06-ventures    2.2 s",
    ]
