"""Small notebooks for the tests of the runners (test_kernels.py, test_cluster.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat


def small_notebook(path: Path, body: str) -> Path:
    """A notebook with a parameters cell (`name`, `fail`) and one cell of `body`, for the python3 kernel."""
    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell('name = "default"\nfail = False')
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nbformat.write(nb, str(path))
    return path
