"""SHA-256 of bytes, files and JSON values: one definition for downloads, checks and the build cache.

Imports only the standard library: the build cache hashes files on the no-op path, which must stay fast.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

_BLOCK = 1 << 20  # read files a MiB at a time: the national LSOA file is ~70 MB


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks so a large file never sits in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def sha256_json(value) -> str:
    """A key for a JSON-able value that does not depend on dict order or whitespace."""
    return sha256_bytes(json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8"))


def url_cache_name(url: str) -> str:
    """The cache file name of a download known only by its address (no checksum yet)."""
    return f"url-{sha256_bytes(url.encode('utf-8'))}"
