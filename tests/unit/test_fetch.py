"""fetch: downloads from a local HTTP server on 127.0.0.1 whose behaviour each test sets (Range support,
a connection broken mid-body, errors), checksums, the cache, safe ZIP extraction and atomicity."""

from __future__ import annotations

import hashlib
import io
import socket
import zipfile
from fnmatch import fnmatchcase
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import yaml
from local_server import serving

from pcnreport import cli
from pcnreport.core.errors import PcnReportError
from pcnreport.data.catalogue import load_catalogue
from pcnreport.data.fetch import (
    ArchiveError,
    ArchiveLimits,
    ChecksumError,
    FetchError,
    Retry,
    extract_zip,
    fetch,
)

FAST = Retry(attempts=3, backoff=0.0, timeout=5.0)
BODY = bytes(range(256)) * 400  # 102,400 bytes: several read chunks


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Server:
    """What the handler serves and how; every request is recorded (path and headers)."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.ranges = True  # honour Range headers with 206
        self.break_first_after: int | None = None  # first request: send this many body bytes, then drop
        self.status: int | None = None  # answer every request with this status instead
        self.headers: dict[str, dict[str, str]] = {}  # path -> extra response headers (Content-Disposition)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.url = ""


def make_handler(state: Server):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

        def do_GET(self):
            state.requests.append((self.path, dict(self.headers)))
            if state.status is not None:
                self.send_error(state.status)
                return
            body = state.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            start = 0
            wanted = self.headers.get("Range")
            if wanted and state.ranges:
                start = int(wanted.removeprefix("bytes=").split("-")[0])
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            for name, value in state.headers.get(self.path, {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            payload = body[start:]
            if state.break_first_after is not None and len(state.requests) == 1:
                self.wfile.write(payload[: state.break_first_after])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)  # the connection breaks mid-body
                self.close_connection = True
                return
            self.wfile.write(payload)

    return Handler


@pytest.fixture
def server():
    state = Server()
    with serving(make_handler(state)) as state.url:
        yield state


def catalogue_with(tmp_path: Path, **releases) -> Path:
    """A catalogue with one dataset `demo` (folder `demo`) and the given releases."""
    path = tmp_path / "project" / "data" / "catalogue.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {
        "title": "Demo", "publisher": "Test", "landing_page": "https://example.org/demo",
        "licence": "Open Government Licence v3.0", "folder": "demo", "files": ["demo*.csv", "*.zip"],
        "reader": "read_demo", "releases": releases,
    }  # fmt: skip
    path.write_text(yaml.safe_dump({"datasets": {"demo": entry}}), encoding="utf-8")
    return path


def zip_bytes(members: dict[str, bytes], symlinks: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name in symlinks:
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, "../../etc/passwd")
    return buffer.getvalue()


def run_fetch(tmp_path: Path, catalogue: Path, release: str | None = "r1", **kwargs) -> Path:
    return fetch(
        load_catalogue(catalogue), "demo", release, tmp_path / "data",
        cache_dir=tmp_path / "cache", progress=False, retry=kwargs.pop("retry", FAST), **kwargs,
    )  # fmt: skip


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def test_download_verifies_checksum_and_places_file(tmp_path, server):
    server.files["/files/demo_2020.csv"] = BODY
    catalogue = catalogue_with(
        tmp_path, r1={"url": f"{server.url}/files/demo_2020.csv", "sha256": sha(BODY), "size": len(BODY)}
    )
    placed = run_fetch(tmp_path, catalogue)
    assert placed == tmp_path / "data" / "demo" / "r1" / "demo_2020.csv"
    assert placed.read_bytes() == BODY
    assert (tmp_path / "cache" / sha(BODY)).read_bytes() == BODY
    assert len(server.requests) == 1
    assert "Range" not in server.requests[0][1]


def test_resumes_after_a_broken_connection_with_a_range_request(tmp_path, server):
    server.files["/demo.csv"] = BODY
    server.break_first_after = 30_000
    catalogue = catalogue_with(tmp_path, r1={"url": f"{server.url}/demo.csv", "sha256": sha(BODY), "size": len(BODY)})
    placed = run_fetch(tmp_path, catalogue)
    assert placed.read_bytes() == BODY
    assert len(server.requests) == 2
    assert "Range" not in server.requests[0][1]
    assert server.requests[1][1]["Range"] == "bytes=30000-"


def test_starts_over_when_the_server_ignores_range(tmp_path, server):
    server.files["/demo.csv"] = BODY
    server.break_first_after = 30_000
    server.ranges = False  # answers 200 with the whole file
    catalogue = catalogue_with(tmp_path, r1={"url": f"{server.url}/demo.csv", "sha256": sha(BODY), "size": len(BODY)})
    placed = run_fetch(tmp_path, catalogue)
    assert placed.read_bytes() == BODY  # not 30,000 bytes twice
    assert server.requests[1][1]["Range"] == "bytes=30000-"


def test_wrong_checksum_is_refused_and_nothing_is_kept(tmp_path, server):
    server.files["/demo.csv"] = BODY
    wrong = "0" * 64
    catalogue = catalogue_with(tmp_path, r1={"url": f"{server.url}/demo.csv", "sha256": wrong})
    with pytest.raises(ChecksumError) as caught:
        run_fetch(tmp_path, catalogue)
    message = str(caught.value)
    assert f"{server.url}/demo.csv" in message and wrong in message and sha(BODY) in message
    assert caught.value.exit_code == 3
    assert not (tmp_path / "data").exists()
    assert leftovers(tmp_path / "cache") == []  # neither the file nor its .part


def test_wrong_size_is_refused(tmp_path, server):
    server.files["/demo.csv"] = BODY
    catalogue = catalogue_with(
        tmp_path, r1={"url": f"{server.url}/demo.csv", "sha256": sha(BODY), "size": len(BODY) + 1}
    )
    with pytest.raises(ChecksumError, match="102401 bytes"):
        run_fetch(tmp_path, catalogue)
    assert not (tmp_path / "data").exists()


def test_second_fetch_comes_from_the_cache_without_a_request(tmp_path, server):
    server.files["/demo.csv"] = BODY
    catalogue = catalogue_with(tmp_path, r1={"url": f"{server.url}/demo.csv", "sha256": sha(BODY), "size": len(BODY)})
    first = run_fetch(tmp_path, catalogue)
    first.unlink()
    second = run_fetch(tmp_path, catalogue)
    assert second.read_bytes() == BODY
    assert len(server.requests) == 1


def test_unknown_checksum_is_printed_and_recorded(tmp_path, server):
    server.files["/demo.csv"] = BODY
    catalogue = catalogue_with(tmp_path, r1={"url": f"{server.url}/demo.csv", "sha256": None})
    notes = []
    run_fetch(tmp_path, catalogue, log=notes.append)
    assert sha(BODY) in notes[0] and str(len(BODY)) in notes[0]
    recorded = next((tmp_path / "cache").glob("url-*.json")).read_text()
    assert sha(BODY) in recorded
    run_fetch(tmp_path, catalogue)  # cached by URL
    assert len(server.requests) == 1


def test_republished_copy_checksum_is_not_used_to_verify_a_download(tmp_path, server):
    server.files["/demo.csv"] = BODY
    catalogue = catalogue_with(
        tmp_path,
        r1={"url": f"{server.url}/demo.csv", "sha256": "1" * 64, "checksum_of": "republished copy in ../shared/data"},
    )
    notes = []
    assert run_fetch(tmp_path, catalogue, log=notes.append).read_bytes() == BODY
    assert "different from the republished copy" in notes[0]


def test_failure_after_every_retry_leaves_no_file_at_the_destination(tmp_path, server):
    server.files["/demo.csv"] = BODY
    server.status = 503
    catalogue = catalogue_with(tmp_path, r1={"url": f"{server.url}/demo.csv", "sha256": sha(BODY)})
    with pytest.raises(FetchError, match="after 3 attempts"):
        run_fetch(tmp_path, catalogue)
    assert len(server.requests) == FAST.attempts  # bounded
    assert not (tmp_path / "data").exists()
    assert not (tmp_path / "cache" / sha(BODY)).exists()


def test_not_found_is_not_retried(tmp_path, server):
    catalogue = catalogue_with(tmp_path, r1={"url": f"{server.url}/gone.csv"})
    with pytest.raises(FetchError, match="HTTP 404"):
        run_fetch(tmp_path, catalogue)
    assert len(server.requests) == 1


def test_connection_refused_is_retried_then_reported(tmp_path):
    with socket.socket() as probe:  # a port on 127.0.0.1 with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    catalogue = catalogue_with(tmp_path, r1={"url": f"http://127.0.0.1:{port}/demo.csv"})
    with pytest.raises(FetchError, match="after 3 attempts"):
        run_fetch(tmp_path, catalogue)


def test_landing_page_only_release_says_where_to_download_by_hand(tmp_path):
    catalogue = catalogue_with(tmp_path, r1={"url": "https://example.org/release-page", "url_confirmed": False})
    with pytest.raises(FetchError) as caught:
        run_fetch(tmp_path, catalogue)
    assert "https://example.org/release-page" in str(caught.value)
    assert str(tmp_path / "data" / "demo" / "r1") in str(caught.value)


def test_zip_member_is_extracted_into_the_release_folder(tmp_path, server):
    data = zip_bytes({"QOF/demo_1920.csv": b"a,b\n1,2\n", "QOF/other.csv": b"x\n"})
    server.files["/QOF.zip"] = data
    catalogue = catalogue_with(
        tmp_path, r1={"url": f"{server.url}/QOF.zip", "sha256": sha(data), "archive": "zip", "member": "demo_*.csv"}
    )
    placed = run_fetch(tmp_path, catalogue)
    assert placed == tmp_path / "data" / "demo" / "r1" / "demo_1920.csv"
    assert placed.read_bytes() == b"a,b\n1,2\n"
    assert leftovers(tmp_path / "data") == ["demo", "demo_1920.csv", "r1"]  # no temporary folder left


@pytest.mark.parametrize(
    ("members", "symlinks", "message"),
    [
        ({"../evil.csv": b"x"}, (), "outside the folder"),
        ({"ok/../../evil.csv": b"x"}, (), "outside the folder"),
        ({"/etc/evil.csv": b"x"}, (), "absolute path"),
        ({"demo.csv": b"x"}, ("link.csv",), "symbolic link"),
    ],
)
def test_unsafe_zip_members_are_refused(tmp_path, members, symlinks, message):
    archive = tmp_path / "bad.zip"
    archive.write_bytes(zip_bytes(members, symlinks))
    with pytest.raises(ArchiveError, match=message):
        extract_zip(archive, tmp_path / "out" / "r1")
    assert leftovers(tmp_path / "out") == []


def test_oversized_zip_is_refused(tmp_path):
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(zip_bytes({"demo.csv": b"0" * 1_000_000}))  # compresses to about 1 KB
    with pytest.raises(ArchiveError, match="over the limit of 100000"):
        extract_zip(archive, tmp_path / "out" / "r1", limits=ArchiveLimits(max_bytes=100_000))
    assert leftovers(tmp_path / "out") == []


def test_zip_lying_about_its_sizes_is_stopped_while_extracting(tmp_path):
    archive = tmp_path / "liar.zip"
    archive.write_bytes(zip_bytes({"demo.csv": b"0" * 1_000_000}))
    original = zipfile.ZipFile.infolist

    def understated(self):
        infos = original(self)
        for info in infos:
            info.file_size = 10  # the header claims 10 bytes
        return infos

    limits = ArchiveLimits(max_bytes=100_000)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(zipfile.ZipFile, "infolist", understated)
        with pytest.raises((ArchiveError, zipfile.BadZipFile)):
            extract_zip(archive, tmp_path / "out" / "r1", limits=limits)
    assert leftovers(tmp_path / "out") == []


def test_zip_with_too_many_members_is_refused(tmp_path):
    archive = tmp_path / "many.zip"
    archive.write_bytes(zip_bytes({f"f{i}.csv": b"x" for i in range(20)}))
    with pytest.raises(ArchiveError, match="20 members"):
        extract_zip(archive, tmp_path / "out" / "r1", limits=ArchiveLimits(max_members=10))


def test_bad_zip_download_is_reported_and_not_placed(tmp_path, server):
    server.files["/QOF.zip"] = b"not a zip"
    catalogue = catalogue_with(tmp_path, r1={"url": f"{server.url}/QOF.zip", "archive": "zip", "member": "*.csv"})
    with pytest.raises(ArchiveError, match="not a readable ZIP"):
        run_fetch(tmp_path, catalogue)
    assert leftovers(tmp_path / "data") == []
    assert leftovers(tmp_path / "cache") == []  # unverified bytes that are no ZIP are not cached


def test_cli_fetch_places_the_file_and_reports_it(tmp_path, server, capsys):
    server.files["/demo_1.csv"] = BODY
    catalogue = catalogue_with(tmp_path, r1={"url": f"{server.url}/demo_1.csv", "sha256": sha(BODY)})
    project = catalogue.parents[1]
    code = cli.main(["--project", str(project), "data", "fetch", "demo", "--data-dir", str(tmp_path / "d")])
    assert code == 0
    assert (tmp_path / "d" / "demo" / "r1" / "demo_1.csv").read_bytes() == BODY
    assert str(tmp_path / "d" / "demo" / "r1" / "demo_1.csv") in capsys.readouterr().out
    assert cli.main(["--project", str(project), "data", "fetch", "--all", "--data-dir", str(tmp_path / "d")]) == 0
    assert len(server.requests) == 1  # the second came from the cache


def test_fetch_all_leaves_out_a_release_marked_so_and_says_so(tmp_path, server, capsys):
    server.files["/demo_1.csv"] = BODY
    server.files["/demo_2.csv"] = BODY + b"2"
    catalogue = catalogue_with(
        tmp_path, r1={"url": f"{server.url}/demo_1.csv"},
        r2={"url": f"{server.url}/demo_2.csv", "fetch_with_all": False},
    )  # fmt: skip
    project = catalogue.parents[1]
    assert cli.main(["--project", str(project), "data", "fetch", "--all", "--data-dir", str(tmp_path / "d")]) == 0
    assert (tmp_path / "d" / "demo" / "r1" / "demo_1.csv").is_file()
    assert not (tmp_path / "d" / "demo" / "r2").exists()
    assert "left out of --all (their notes say why; fetch each with --release): demo r2" in capsys.readouterr().out
    # Named, it is fetched.
    assert cli.main(["--project", str(project), "data", "fetch", "demo", "--release", "r2", "--data-dir", str(tmp_path / "d")]) == 0
    assert (tmp_path / "d" / "demo" / "r2" / "demo_2.csv").read_bytes() == BODY + b"2"


def test_fetch_with_all_must_be_a_boolean(tmp_path):
    catalogue = catalogue_with(tmp_path, r1={"url": "https://example.org/demo_1.csv", "fetch_with_all": "no"})
    with pytest.raises(PcnReportError, match="'fetch_with_all' must be true or false"):
        load_catalogue(catalogue)


def test_cli_fetch_error_exit_code(tmp_path, capsys):
    catalogue = catalogue_with(tmp_path, r1={"url": "https://example.org/page", "url_confirmed": False})
    code = cli.main(["--project", str(catalogue.parents[1]), "data", "fetch", "demo", "--data-dir", str(tmp_path)])
    assert code == 4
    assert "https://example.org/page" in capsys.readouterr().err


# --- Releases whose address is a landing page that links the file ------------------------------------------


def landing_catalogue(tmp_path: Path, landing: str, **release) -> Path:
    """The demo dataset marked `file_on_landing_page`, with release r1 at the landing page `landing`."""
    path = catalogue_with(tmp_path, r1={"url": landing, "url_confirmed": False, **release})
    entry = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry["datasets"]["demo"]["file_on_landing_page"] = True
    path.write_text(yaml.safe_dump(entry), encoding="utf-8")
    return path


LANDING_PAGE = b"""<html><body><h1>Demo, January 2020</h1>
<a href="/guide.pdf">Guide</a>
<a href="https://example.org/elsewhere">Another publication</a>
<a href="/files/5B/D1E6F8/DEMO_2020.CSV">Demo data (CSV)</a>
<a href="/files/5B/D1E6F8/other.csv">Other data</a>
</body></html>"""


def test_landing_page_release_is_fetched_from_the_link_that_names_its_file(tmp_path, server):
    server.files["/pubs/january-2020"] = LANDING_PAGE
    server.files["/files/5B/D1E6F8/DEMO_2020.CSV"] = BODY
    catalogue = landing_catalogue(tmp_path, f"{server.url}/pubs/january-2020")
    messages: list[str] = []

    placed = run_fetch(tmp_path, catalogue, log=messages.append)

    # The file keeps the publisher's name (matched case-insensitively), not the landing page's.
    assert placed == tmp_path / "data" / "demo" / "r1" / "DEMO_2020.CSV"
    assert placed.read_bytes() == BODY
    assert [path for path, _ in server.requests] == ["/pubs/january-2020", "/files/5B/D1E6F8/DEMO_2020.CSV"]
    assert any(f"{server.url}/files/5B/D1E6F8/DEMO_2020.CSV" in m and "linked from" in m for m in messages)
    assert any(sha(BODY) in m for m in messages)  # no checksum in the catalogue: the computed one is printed

    # A second fetch into another folder asks nothing: the cache remembers the file and its name.
    again = fetch(
        load_catalogue(catalogue), "demo", "r1", tmp_path / "data2", cache_dir=tmp_path / "cache", progress=False,
        log=messages.append,
    )  # fmt: skip
    assert again == tmp_path / "data2" / "demo" / "r1" / "DEMO_2020.CSV"
    assert len(server.requests) == 2


def test_landing_page_release_with_a_known_checksum_is_verified(tmp_path, server):
    server.files["/pubs/january-2020"] = LANDING_PAGE
    server.files["/files/5B/D1E6F8/DEMO_2020.CSV"] = BODY
    catalogue = landing_catalogue(tmp_path, f"{server.url}/pubs/january-2020", sha256=sha(b"other bytes"))
    with pytest.raises(ChecksumError):
        run_fetch(tmp_path, catalogue)
    assert leftovers(tmp_path / "data") == []


def test_landing_page_without_the_file_says_so_and_names_the_page(tmp_path, server):
    server.files["/pubs/january-2020"] = b'<a href="/files/readme.txt">Read me</a>'
    catalogue = landing_catalogue(tmp_path, f"{server.url}/pubs/january-2020")
    with pytest.raises(FetchError, match=r"january-2020'.*links no file named like demo\*\.csv"):
        run_fetch(tmp_path, catalogue)
    assert leftovers(tmp_path / "data") == []


def test_two_links_matching_the_same_pattern_are_refused_not_guessed(tmp_path, server):
    server.files["/pubs/january-2020"] = b'<a href="/a/demo_1.csv">one</a> <a href="/b/demo_2.csv">two</a>'
    catalogue = landing_catalogue(tmp_path, f"{server.url}/pubs/january-2020")
    with pytest.raises(FetchError, match=r"2 links match 'demo\*\.csv'.*/a/demo_1\.csv.*/b/demo_2\.csv"):
        run_fetch(tmp_path, catalogue)


def test_fetch_all_includes_landing_page_releases_of_marked_datasets_only(tmp_path):
    from pcnreport.data.fetch import fetchable

    marked = load_catalogue(landing_catalogue(tmp_path / "a", "https://example.org/pubs/january-2020"))
    unmarked = load_catalogue(catalogue_with(tmp_path / "b", r1={"url": "https://example.org/p", "url_confirmed": False}))
    assert [r.id for r in fetchable(marked["demo"])] == ["r1"]
    assert fetchable(unmarked["demo"]) == []


# --- Addresses that name no file (ONS's ArcGIS items: .../items/<id>/data) ------------------------------------


def test_a_download_is_named_by_its_content_disposition(tmp_path, server):
    server.files["/items/9855/data"] = BODY
    server.headers["/items/9855/data"] = {"Content-Disposition": 'attachment; filename="demo_RUC11_LSOA11.csv"'}
    catalogue = catalogue_with(tmp_path, r1={"url": f"{server.url}/items/9855/data"})
    messages: list[str] = []
    placed = run_fetch(tmp_path, catalogue, log=messages.append)
    assert placed == tmp_path / "data" / "demo" / "r1" / "demo_RUC11_LSOA11.csv"
    assert placed.read_bytes() == BODY
    assert any(sha(BODY) in m for m in messages)  # no checksum catalogued: the computed one is printed
    assert not any("matches none of the dataset's file names" in m for m in messages)

    # From the cache, into another folder: the same name, and no request.
    again = fetch(
        load_catalogue(catalogue), "demo", "r1", tmp_path / "data2", cache_dir=tmp_path / "cache", progress=False,
        log=messages.append,
    )  # fmt: skip
    assert again == tmp_path / "data2" / "demo" / "r1" / "demo_RUC11_LSOA11.csv"
    assert len(server.requests) == 1


def test_the_catalogues_file_name_wins_over_the_servers(tmp_path, server):
    server.files["/items/9855/data"] = BODY
    server.headers["/items/9855/data"] = {"Content-Disposition": 'attachment; filename="other.csv"'}
    catalogue = catalogue_with(tmp_path, r1={"url": f"{server.url}/items/9855/data", "file_name": "demo_ruc.csv"})
    assert run_fetch(tmp_path, catalogue) == tmp_path / "data" / "demo" / "r1" / "demo_ruc.csv"


@pytest.mark.parametrize(
    ("disposition", "placed"),
    [
        ('attachment; filename="../../demo_up.csv"', "demo_up.csv"),  # only the last part: never outside the folder
        ("attachment; filename*=UTF-8''demo%20encoded.csv", "demo encoded.csv"),  # RFC 2231 form
        ('attachment; filename=".demo_hidden.csv"', "data"),  # a hidden name is not used: the address's name is
        ("inline", "data"),
    ],
)
def test_a_servers_file_name_is_reduced_to_a_safe_plain_name(tmp_path, server, disposition, placed):
    server.files["/items/1/data"] = BODY
    server.headers["/items/1/data"] = {"Content-Disposition": disposition}
    catalogue = catalogue_with(tmp_path, r1={"url": f"{server.url}/items/1/data"})
    messages: list[str] = []
    path = run_fetch(tmp_path, catalogue, log=messages.append)
    assert path == tmp_path / "data" / "demo" / "r1" / placed
    assert leftovers(tmp_path / "data") == sorted(["demo", "r1", placed])
    # A name the dataset's `files` do not match is placed, but the note says the build will not find it.
    unmatched = any("matches none of the dataset's file names" in m and "file_name" in m for m in messages)
    assert unmatched == (placed == "data")


def test_the_projects_ruc_release_is_downloadable_and_named_for_its_dataset():
    from pcnreport.data.fetch import is_downloadable, placed_name

    catalogue = load_catalogue(Path(__file__).resolve().parents[2] / "data" / "catalogue.yaml")
    ruc = catalogue["ruc"]
    release = catalogue.release("ruc", "2011")
    assert release.url == "https://ons.maps.arcgis.com/sharing/rest/content/items/9855221596994bde8363a685cb3dd58a/data"
    assert is_downloadable(ruc, release) and not release.verifies_download  # its checksum is of a copy
    name = placed_name(release, release.url, None)
    assert any(fnmatchcase(name, pattern) for pattern in ruc.file_patterns), name
