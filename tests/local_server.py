"""A throwaway HTTP server on 127.0.0.1 for tests: publishers' downloads, the built site.

Shared by the unit and functional tests (tests/ is on sys.path through tests/conftest.py). Traffic
never leaves the loopback address, and the server always stops, whatever the test does.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@contextmanager
def serving(handler) -> Iterator[str]:
    """Serve `handler` on a free port of 127.0.0.1 in a thread; yields the base address."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def static_files(directory: Path):
    """A handler serving the files below `directory`, logging nothing."""
    return functools.partial(_QuietFiles, directory=str(directory))
