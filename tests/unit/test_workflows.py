"""The GitHub workflows (.github/workflows/): valid against GitHub's workflow schema, no security finding
of medium severity or more (zizmor), actions pinned to commits, least privilege, and nothing run that the
tests do not run here.

Which test covers which workflow command:
- `make test` (test.yml): this suite itself.
- `make fetch-data DATA=...` (publish.yml): test_make_fetch_data_downloads_verifies_and_places_releases, against
  a local server; `pcnreport data fetch` itself is tested in test_fetch.py.
- `make site [DATA=...]` (publish.yml, report-preview.yml): test_make_site_passes_data_and_release_safely
  checks the command it runs; the build itself is tested by tests/functional (the whole report).
- `make check-updates` (publish.yml): test_make_check_updates_* against a local server; the command is
  tested in test_updates.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from local_server import serving, static_files

from pcnreport import cli
from pcnreport.data.catalogue import load_catalogue

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent  # the venv's bin: pcnreport, check-jsonschema and zizmor live there
SHA_PIN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            pytest.fail(f"{name} is not installed: run `make install` (it is in the `test` extra)")
        return found
    return str(path)


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps(workflow: dict):
    for job_name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_name, step


def run_commands(workflow: dict) -> list[str]:
    commands = []
    for _, step in steps(workflow):
        if "run" in step:
            text = step["run"].replace("\\\n", " ")
            commands += [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return commands


def make_targets() -> set[str]:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    return {m.group(1) for m in re.finditer(r"^([A-Za-z0-9_-]+):(?!=)", text, re.MULTILINE)}


def test_there_are_the_three_workflows():
    assert {p.name for p in WORKFLOWS} == {"test.yml", "publish.yml", "report-preview.yml"}


def test_workflows_are_valid_against_githubs_schema():
    # check-jsonschema ships GitHub's workflow schema: no network needed.
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_of_medium_severity_or_more():
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--min-severity", "medium", "--format", "json", str(REPO / ".github" / "workflows")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    findings = json.loads(result.stdout or "null")
    assert findings == [], json.dumps(findings, indent=1)[:4000]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    uses = [line for line in lines if re.match(r"\s*(-\s+)?uses:", line)]
    assert uses
    for line in uses:
        match = re.match(r"\s*(?:-\s+)?uses:\s*(\S+)\s*#\s*v\d+\.\d+\.\d+\s*$", line)
        assert match and SHA_PIN.match(match.group(1)), f"{path.name}: not pinned to a commit with `# vX.Y.Z`: {line.strip()}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_least_privilege(path):
    workflow = load(path)
    assert "permissions" in workflow, f"{path.name}: no workflow-level permissions"
    top = workflow["permissions"]
    assert top in ({}, {"contents": "read"}), f"{path.name}: the workflow-level permissions grant more than read: {top}"
    for name, job in workflow["jobs"].items():
        if top == {}:
            assert "permissions" in job, f"{path.name}: job {name} has no permissions of its own"
        writes = {k for k, v in (job.get("permissions") or {}).items() if v == "write"}
        assert writes <= {"contents", "pull-requests", "pages", "id-token"}, (name, writes)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_checkouts_keep_no_credentials(path):
    for job, step in steps(load(path)):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, f"{path.name}: {job}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_run_is_a_make_target_or_pcnreport_command_that_exists(path):
    workflow = load(path)
    targets = make_targets()
    commands = run_commands(workflow)
    assert commands
    for command in commands:
        assert "${{" not in command, f"{path.name}: an expression in a command (pass it through env): {command}"
        words = shlex.split(command)
        if words[0] == "make":
            named = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
            assert named, f"{path.name}: `{command}` names no target"
            assert set(named) <= targets, f"{path.name}: `{command}`: no such Makefile target {set(named) - targets}"
            assert all(re.fullmatch(r"[A-Z_]+=[^\s]*", w) for w in words[1:] if "=" in w), command
        else:
            assert words[0] in ("pcnreport", ".venv/bin/pcnreport"), f"{path.name}: `{command}` is neither make nor pcnreport"
            cli.parser().parse_args(words[1:])  # exits (fails the test) on an unknown command or option


def test_publish_triggers_concurrency_and_pages():
    workflow = load(REPO / ".github" / "workflows" / "publish.yml")
    on = workflow.get("on", workflow.get(True))  # PyYAML reads the key `on` as true
    assert on["push"]["branches"] == ["main"]
    for path in ("data/**", "chapters/**", "analysis/**", "src/**", "_quarto.yml", "references.bib", "styles.css", "constraints.txt"):
        assert path in on["push"]["paths"]
    assert re.fullmatch(r"\d+ \d+ (1[6-9]|2\d) \* \*", on["schedule"][0]["cron"])  # monthly, after mid-month
    assert "release" in on["workflow_dispatch"]["inputs"]
    assert workflow["concurrency"]["cancel-in-progress"] is False
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    uses = [s.get("uses", "") for _, s in steps(workflow)]
    for action in ("quarto-dev/quarto-actions/setup@", "actions/upload-pages-artifact@", "actions/deploy-pages@", "actions/upload-artifact@"):
        assert any(u.startswith(action) for u in uses), action


def test_preview_never_deploys_or_writes():
    workflow = load(REPO / ".github" / "workflows" / "report-preview.yml")
    on = workflow.get("on", workflow.get(True))
    assert set(on) == {"pull_request"}
    uses = " ".join(s.get("uses", "") for _, s in steps(workflow))
    assert "deploy-pages" not in uses and "upload-pages-artifact" not in uses and "actions/upload-artifact@" in uses
    for job in workflow["jobs"].values():
        assert "write" not in (job.get("permissions") or {}).values()


# --- Running the Makefile targets the workflows run -------------------------------------------------------


def make(*args: str, env: dict | None = None, bin_dir: Path = BIN) -> subprocess.CompletedProcess:
    """`make` in the repository with the current venv's tools; `-o` skips the install step (done already)."""
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), "-o", ".venv/.installed", f"BIN={bin_dir}", *args],
        capture_output=True, text=True, env=environment, timeout=300,
    )  # fmt: skip


@pytest.fixture
def static_server(tmp_path):
    root = tmp_path / "publisher"
    root.mkdir()
    with serving(static_files(root)) as url:
        yield root, url



def project_with(tmp_path: Path, entry: dict) -> Path:
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    base = {
        "title": "Demo", "publisher": "Test", "landing_page": "https://example.org/demo",
        "licence": "Open Government Licence v3.0", "folder": "demo", "files": ["demo*.csv"], "reader": "read_demo",
    }  # fmt: skip
    (project / "data" / "catalogue.yaml").write_text(
        "# comment kept\n" + yaml.safe_dump({"datasets": {"demo": {**base, **entry}}}), encoding="utf-8"
    )
    return project


def test_make_fetch_data_downloads_verifies_and_places_releases(tmp_path, static_server):
    root, url = static_server
    body = b"practice,count\nA81001,100\n"
    (root / "demo-2024.csv").write_bytes(body)
    release = {"url": f"{url}/demo-2024.csv", "sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
    project = project_with(tmp_path, {"releases": {"2024-01": release}})
    data = tmp_path / "data"
    result = make("fetch-data", f"PROJECT={project}", f"DATA={data}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (data / "demo" / "2024-01" / "demo-2024.csv").read_bytes() == body


def test_make_fetch_data_fails_when_a_needed_dataset_cannot_be_downloaded(tmp_path):
    # Only a landing page that links no file: the workflow must stop here (the preview then builds from
    # the synthetic sample; the publish leaves the live site alone).
    project = project_with(tmp_path, {"releases": {"2024-01": {"url": "https://example.org/page", "url_confirmed": False}}})
    result = make("fetch-data", f"PROJECT={project}", f"DATA={tmp_path / 'data'}")
    assert result.returncode != 0
    assert "the build needs demo, which cannot be downloaded" in result.stderr


def test_make_check_updates_adds_a_newer_release_and_succeeds(tmp_path, static_server):
    import datetime as dt

    root, url = static_server
    today = dt.date.today()
    # The publisher's page for last month exists; the catalogue's latest is older.
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    name = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
            "november", "december"][month - 1]  # fmt: skip
    (root / f"{name}-{year}").write_text("landing page", encoding="utf-8")
    project = project_with(tmp_path, {
        "discovery": {"url": url + "/{month_name}-{year}"},
        "releases": {f"{year - 2}-01": {"url": f"{url}/old", "url_confirmed": False}},
    })  # fmt: skip
    result = make("check-updates", f"PROJECT={project}")
    assert result.returncode == 0, result.stdout + result.stderr  # exit 10 (found) is success for make
    catalogue = load_catalogue(project / "data" / "catalogue.yaml")
    assert catalogue.release("demo", f"{year}-{month:02d}").url == f"{url}/{name}-{year}"
    assert (project / "data" / "catalogue.yaml").read_text().startswith("# comment kept\n")


def test_make_check_updates_fails_on_a_network_error(tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    project = project_with(tmp_path, {
        "discovery": {"url": f"http://127.0.0.1:{port}/" + "{month_name}-{year}"}, "releases": {},
    })  # fmt: skip
    result = make("check-updates", f"PROJECT={project}")
    assert result.returncode != 0
    assert "cannot reach the publisher" in result.stderr


def _recording_pcnreport(tmp_path: Path) -> tuple[Path, Path]:
    """(a bin folder, a file): a stand-in pcnreport in the folder that writes its arguments to the file."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    record = tmp_path / "argv.json"
    script = fake_bin / "pcnreport"
    script.write_text(f"#!{sys.executable}\nimport json, sys\njson.dump(sys.argv[1:], open({str(record)!r}, 'w'))\n")
    script.chmod(0o755)
    return fake_bin, record


def test_make_site_passes_data_and_release_safely(tmp_path):
    # A stand-in pcnreport that records its arguments: what `make site` would run, without a build.
    fake_bin, record = _recording_pcnreport(tmp_path)
    hostile = "2024-05; touch pwned $(touch pwned2) `touch pwned3`"
    result = make("site", "DATA=.cache/data", env={"RELEASE": hostile}, bin_dir=fake_bin)
    assert result.returncode == 0, result.stdout + result.stderr
    argv = json.loads(record.read_text())
    assert argv == ["--project", ".", "build", "--data-dir", ".cache/data", "--release", hostile]
    assert not list(REPO.glob("pwned*"))
    args = cli.parser().parse_args(argv)
    assert args.func is cli.cmd_build and args.release == hostile

    live = "https://example.github.io/pcn-report/numbers.json; touch pwned4"
    result = make("site", "DATA=.cache/data", env={"RELEASE": "", "COMPARE_WITH": live}, bin_dir=fake_bin)
    assert result.returncode == 0, result.stderr
    argv = json.loads(record.read_text())  # the preview of a pull request, compared with the live site
    assert argv == ["--project", ".", "build", "--data-dir", ".cache/data", "--compare-with", live]
    assert cli.parser().parse_args(argv).compare_with == live
    assert not list(REPO.glob("pwned*"))

    result = make("site", env={"RELEASE": ""}, bin_dir=fake_bin)  # the preview: the synthetic sample
    assert result.returncode == 0, result.stderr
    argv = json.loads(record.read_text())
    assert argv == ["--project", ".", "build"]
    assert cli.parser().parse_args(argv).data_dir is None


def test_make_site_passes_the_live_address_safely(tmp_path):
    # Both workflows' builds print the live site's address in the book's "how to cite" (--site-url).
    fake_bin, record = _recording_pcnreport(tmp_path)
    address = "https://example.github.io/pcn-report; touch pwned5"
    result = make("site", env={"RELEASE": "", "SITE_URL": address}, bin_dir=fake_bin)
    assert result.returncode == 0, result.stderr
    argv = json.loads(record.read_text())
    assert argv == ["--project", ".", "build", "--site-url", address]
    assert not list(REPO.glob("pwned*"))
    good = ["--project", ".", "build", "--site-url", "https://example.github.io/pcn-report"]
    assert cli.parser().parse_args(good).site_url == "https://example.github.io/pcn-report"
    for path in (REPO / ".github" / "workflows" / name for name in ("publish.yml", "report-preview.yml")):
        sites = [step for _, step in steps(load(path)) if step.get("run", "").startswith("make site")]
        assert sites and all("SITE_URL" in step.get("env", {}) for step in sites), path.name
