"""updates (`pcnreport data check-updates`): a fake publisher on 127.0.0.1 serves release pages, an index
and files; the catalogue is rewritten only with --apply, keeps its comments and still loads."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from local_server import serving

from pcnreport import cli
from pcnreport.data.catalogue import load_catalogue
from pcnreport.data.updates import UPDATES_FOUND, check_updates, insert_release, months_after

TODAY = dt.date(2024, 5, 20)


class Publisher:
    def __init__(self):
        self.pages: dict[str, bytes] = {}
        self.head_allowed = True
        self.requests: list[tuple[str, str]] = []
        self.url = ""


@pytest.fixture
def publisher():
    state = Publisher()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, body: bool):
            state.requests.append((self.command, self.path))
            if self.command == "HEAD" and not state.head_allowed:
                self.send_error(405)
                return
            page = state.pages.get(self.path)
            if page is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            if body:
                self.wfile.write(page)

        def do_HEAD(self):
            self._answer(body=False)

        def do_GET(self):
            self._answer(body=True)

    with serving(Handler) as state.url:
        yield state


CATALOGUE = """\
# The data sources (a comment that must survive the edit).
datasets:
  registrations:
    title: Patients Registered at a GP Practice
    publisher: NHS Digital
    landing_page: {base}/gp
    licence: Open Government Licence v3.0
    folder: registrations
    files: ["gp-reg-pat-prac-all.csv"]
    reader: read_registrations
    discovery:
      url: {base}/gp/{{month_name}}-{{year}}   # monthly landing pages
    releases:
      "2024-01":
        url: {base}/gp/january-2024
        url_confirmed: false  # keep this comment too
        sha256: null
        size: null

  qof:
    title: QOF
    publisher: NHS Digital
    landing_page: {base}/qof
    licence: Open Government Licence v3.0
    folder: qof
    files: ["PREVALENCE_*.csv", "QOF*.zip"]
    reader: read_qof_prevalence
    discovery:
      index: {base}/qof/index.html
      pattern: 'files/QOF_(?P<release>\\d{{4}}-\\d{{2}})\\.zip'
    releases:
      "2019-20":
        url: {base}/files/QOF_2019-20.zip
        archive: zip
        member: "PREVALENCE_*.csv"

  federations:
    title: Research data
    publisher: The team
    landing_page: null
    licence: not public
    folder: federations
    files: ["federations.csv"]
    reader: read_federations
    releases: {{}}
"""


def project_with_catalogue(tmp_path: Path, base: str) -> Path:
    path = tmp_path / "project" / "data" / "catalogue.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(CATALOGUE.format(base=base), encoding="utf-8")
    return path


def test_months_after_runs_newest_first_and_stops_at_the_latest_release():
    assert months_after("2024-02", TODAY, tuple(range(1, 13))) == [(2024, 5), (2024, 4), (2024, 3)]
    assert months_after("2024-05", TODAY, tuple(range(1, 13))) == []
    assert months_after("2023-06", TODAY, (1, 4, 7, 10)) == [(2024, 4), (2024, 1), (2023, 10), (2023, 7)]


def test_newer_release_is_found_on_both_kinds_of_discovery(tmp_path, publisher):
    path = project_with_catalogue(tmp_path, publisher.url)
    publisher.pages["/gp/march-2024"] = b"<html>March</html>"
    publisher.pages["/gp/february-2024"] = b"<html>February</html>"
    publisher.pages["/qof/index.html"] = (
        b'<a href="../files/QOF_2019-20.zip">old</a> <a href="../files/QOF_2020-21.zip">new</a>'
    )
    updates = check_updates(load_catalogue(path), today=TODAY, log=lambda _: None)
    found = {u.dataset: (u.release, u.url, u.is_file) for u in updates}
    assert found == {
        "registrations": ("2024-03", f"{publisher.url}/gp/march-2024", False),
        "qof": ("2020-21", f"{publisher.url}/files/QOF_2020-21.zip", True),
    }
    # Newest first: May and April are asked, March answers, February is never asked.
    asked = [p for _, p in publisher.requests if p.startswith("/gp/")]
    assert asked == ["/gp/may-2024", "/gp/april-2024", "/gp/march-2024"]


def test_nothing_newer_exits_0_and_leaves_the_catalogue_alone(tmp_path, publisher, capsys, monkeypatch):
    path = project_with_catalogue(tmp_path, publisher.url)
    publisher.pages["/qof/index.html"] = b'<a href="../files/QOF_2019-20.zip">only the old one</a>'
    before = path.read_bytes()
    monkeypatch.setattr("pcnreport.data.updates._today", lambda: TODAY)
    assert cli.main(["--project", str(path.parents[1]), "data", "check-updates", "--apply"]) == 0
    assert path.read_bytes() == before
    out = capsys.readouterr().out
    assert "registrations       up to date (latest: 2024-01)" in out
    assert "no newer release" in out


def test_found_without_apply_exits_10_and_changes_nothing(tmp_path, publisher, capsys, monkeypatch):
    path = project_with_catalogue(tmp_path, publisher.url)
    publisher.pages["/gp/april-2024"] = b"April"
    publisher.pages["/qof/index.html"] = b""
    before = path.read_bytes()
    monkeypatch.setattr("pcnreport.data.updates._today", lambda: TODAY)
    assert cli.main(["--project", str(path.parents[1]), "data", "check-updates"]) == UPDATES_FOUND == 10
    assert path.read_bytes() == before
    assert "newer release 2024-04 (latest: 2024-01)" in capsys.readouterr().out


def test_apply_adds_the_releases_keeps_comments_and_the_catalogue_still_loads(tmp_path, publisher, monkeypatch):
    path = project_with_catalogue(tmp_path, publisher.url)
    zip_body = b"PK not really a zip, but bytes with a checksum"
    publisher.pages["/gp/april-2024"] = b"April"
    publisher.pages["/qof/index.html"] = b'<a href="/files/QOF_2020-21.zip">2020-21</a>'
    publisher.pages["/files/QOF_2020-21.zip"] = zip_body
    publisher.head_allowed = False  # a server refusing HEAD is asked with GET
    monkeypatch.setattr("pcnreport.data.updates._today", lambda: TODAY)
    before = path.read_text(encoding="utf-8")

    code = cli.main(["--project", str(path.parents[1]), "data", "check-updates", "--apply"])

    assert code == 10
    after = path.read_text(encoding="utf-8")
    catalogue = load_catalogue(path)
    landing = catalogue.release("registrations", "2024-04")
    assert (landing.url, landing.url_confirmed, landing.sha256) == (f"{publisher.url}/gp/april-2024", False, None)
    archive = catalogue.release("qof", "2020-21")
    assert archive.url == f"{publisher.url}/files/QOF_2020-21.zip"
    assert archive.sha256 == hashlib.sha256(zip_body).hexdigest() and archive.size == len(zip_body)
    assert (archive.archive, archive.member) == ("zip", "PREVALENCE_*.csv")  # carried over from 2019-20
    assert archive.verifies_download
    # The edit only inserted lines: every line of the original is still there, comments included, in order.
    opcodes = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False).get_opcodes()
    assert {tag for tag, *_ in opcodes} == {"equal", "insert"}
    assert "# keep this comment too" in after and after.startswith("# The data sources")
    # A second run finds nothing newer.
    assert cli.main(["--project", str(path.parents[1]), "data", "check-updates", "--apply"]) == 0


def test_insert_release_into_an_empty_inline_mapping():
    text = CATALOGUE.format(base="https://example.org")
    edited = insert_release(text, "federations", "2024", {"url": "https://example.org/f.csv", "notes": 'a "quoted" note'})
    assert '    releases:\n      "2024":\n        url: https://example.org/f.csv\n' in edited
    assert 'notes: "a \\"quoted\\" note"' in edited


def test_network_error_is_a_clear_message_and_changes_nothing(tmp_path, capsys):
    # A port nothing listens on: bind one, then close it.
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    path = project_with_catalogue(tmp_path, f"http://127.0.0.1:{port}")
    before = path.read_bytes()
    code = cli.main(["--project", str(path.parents[1]), "data", "check-updates", "--apply"])
    assert code == 4
    err = capsys.readouterr().err
    assert "cannot reach the publisher" in err and "the catalogue was not changed" in err
    assert "Traceback" not in err
    assert path.read_bytes() == before


def test_server_error_is_reported_not_taken_as_absent(tmp_path, publisher, capsys):
    path = project_with_catalogue(tmp_path, publisher.url)
    publisher.pages.clear()

    # /qof/index.html is missing: an index page that does not answer is an error, not "nothing new".
    code = cli.main(["--project", str(path.parents[1]), "data", "check-updates"])
    assert code == 4
    assert "HTTP 404" in capsys.readouterr().err


@pytest.mark.parametrize(
    "discovery, message",
    [
        ({"url": "https://example.org/{day}"}, "may use only"),
        ({"index": "https://example.org/i"}, "'pattern' must be"),
        ({"months": [1]}, "either 'url'"),
        ({"index": "https://example.org/i", "pattern": "(?P<year>\\d+)"}, "needs the groups"),
        ({"url": "https://example.org/{year}", "months": [13]}, "month numbers"),
    ],
)
def test_malformed_discovery_is_refused(tmp_path, discovery, message):
    import yaml

    from pcnreport.core.errors import PcnReportError

    entry = {
        "title": "T", "publisher": "P", "landing_page": None, "licence": "L", "folder": "f", "files": ["x.csv"],
        "reader": "read_x", "releases": {}, "discovery": discovery,
    }  # fmt: skip
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump({"datasets": {"demo": entry}}), encoding="utf-8")
    with pytest.raises(PcnReportError, match=message):
        load_catalogue(path)


def test_the_projects_catalogue_discovers_the_registrations_releases():
    catalogue = load_catalogue(Path(__file__).resolve().parents[2] / "data" / "catalogue.yaml")
    discoverable = {name for name, d in catalogue.datasets.items() if d.discovery is not None}
    assert {"registrations", "registrations-age", "registrations-lsoa"} <= discoverable
    assert catalogue["registrations-lsoa"].discovery.months == (1, 4, 7, 10)


def test_apply_finds_the_file_on_a_landing_page_and_records_its_address_and_checksum(tmp_path, publisher, monkeypatch):
    path = project_with_catalogue(tmp_path, publisher.url)
    text = path.read_text(encoding="utf-8").replace(
        "    reader: read_registrations\n", "    reader: read_registrations\n    file_on_landing_page: true\n"
    )
    path.write_text(text, encoding="utf-8")
    body = b"PRACTICE_CODE,NUMBER_OF_PATIENTS\nA81001,4000\n"
    publisher.pages["/gp/april-2024"] = b'<a href="/files/9C/1A2B3C/gp-reg-pat-prac-all.csv">All persons</a>'
    publisher.pages["/files/9C/1A2B3C/gp-reg-pat-prac-all.csv"] = body
    publisher.pages["/qof/index.html"] = b""
    monkeypatch.setattr("pcnreport.data.updates._today", lambda: TODAY)

    assert cli.main(["--project", str(path.parents[1]), "data", "check-updates", "--apply"]) == UPDATES_FOUND

    release = load_catalogue(path).release("registrations", "2024-04")
    assert release.url == f"{publisher.url}/files/9C/1A2B3C/gp-reg-pat-prac-all.csv"
    assert release.url_confirmed and release.verifies_download
    assert (release.sha256, release.size) == (hashlib.sha256(body).hexdigest(), len(body))
    assert f"linked from {publisher.url}/gp/april-2024" in release.notes


def test_apply_leaves_the_catalogue_alone_when_the_landing_page_links_no_file(tmp_path, publisher, monkeypatch):
    path = project_with_catalogue(tmp_path, publisher.url)
    text = path.read_text(encoding="utf-8").replace(
        "    reader: read_registrations\n", "    reader: read_registrations\n    file_on_landing_page: true\n"
    )
    path.write_text(text, encoding="utf-8")
    publisher.pages["/gp/april-2024"] = b'<a href="/files/summary.pdf">Summary</a>'
    publisher.pages["/qof/index.html"] = b""
    monkeypatch.setattr("pcnreport.data.updates._today", lambda: TODAY)
    before = path.read_bytes()

    assert cli.main(["--project", str(path.parents[1]), "data", "check-updates", "--apply"]) == 4
    assert path.read_bytes() == before
