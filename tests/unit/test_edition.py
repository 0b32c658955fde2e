"""The edition's identity (pcnreport.report.edition): the change log's parser, the commit, the build's
date, the facts the chapters print and the files the renderers read."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from pcnreport.report import edition
from pcnreport.report.edition import ChangelogError, Commit

ROOT = Path(__file__).resolve().parents[2]

CHANGELOG = """# Changelog

Some words about the file.

## Unreleased

- Not in any edition yet.

## 0.2.0 - 2026-12-07

- Later releases read,
  over two lines.
- Quarto renders the book.

A paragraph of its own.

## 0.1.0 \u2013 2026-11-23

- The first edition.
"""


def test_releases_are_read_newest_first_with_their_entries():
    releases = edition.parse_changelog(CHANGELOG)
    assert [(r.version, r.date, r.line) for r in releases] == [
        ("0.2.0", dt.date(2026, 12, 7), 9), ("0.1.0", dt.date(2026, 11, 23), 17),
    ]  # fmt: skip
    assert releases[0].entries == ("- Later releases read, over two lines.", "- Quarto renders the book.",
                                   "A paragraph of its own.")  # fmt: skip
    assert releases[1].entries == ("- The first edition.",)


@pytest.mark.parametrize(
    ("heading", "message"),
    [
        ("## 0.3.0 2026-12-08", "line 3: '## 0.3.0 2026-12-08' is not a release heading"),
        ("## Version three", "line 3: '## Version three' is not a release heading"),
        ("## 0.3.0 - 2026-13-01", "line 3: 2026-13-01 is not a date"),
        ("## 0.1.0 - 2026-12-08", "line 3: version 0.1.0 is listed twice"),
    ],
)
def test_a_malformed_heading_is_named_with_its_file_and_line(heading, message):
    text = f"# Changelog\n\n{heading}\n\n## 0.1.0 - 2026-11-23\n"
    reversed_versions = heading.startswith("## 0.1.0")
    with pytest.raises(ChangelogError) as caught:
        edition.parse_changelog(text if not reversed_versions else "## 0.1.0 - 2026-11-23\n" + text, "CHANGELOG.md")
    expected = message if not reversed_versions else message.replace("line 3", "line 4")
    assert str(caught.value).startswith("'CHANGELOG.md', " + expected)


def test_releases_out_of_order_are_refused():
    with pytest.raises(ChangelogError, match=r"line 2: 0\.2\.0 \(2026-12-07\) is listed below 0\.1\.0"):
        edition.parse_changelog("## 0.1.0 - 2026-11-23\n## 0.2.0 - 2026-12-07\n", "CHANGELOG.md")


def test_a_changelog_without_a_release_is_an_error_and_none_at_all_is_no_edition(tmp_path):
    assert edition.read_changelog(tmp_path) == []
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n\n## Unreleased\n\n- soon\n")
    with pytest.raises(ChangelogError, match="no released version"):
        edition.read_changelog(tmp_path)


def test_the_projects_own_changelog_is_valid_and_its_newest_release_is_the_edition():
    releases = edition.read_changelog(ROOT)
    assert releases and releases[0].version.count(".") == 2
    assert all(release.entries for release in releases)


def test_appendix_c_narrative_lists_each_release_newest_first_as_text():
    text = edition.changelog_markdown(edition.parse_changelog(CHANGELOG))
    assert text.index("**Edition 0.2.0, 7 December 2026.**") < text.index("**Edition 0.1.0, 23 November 2026.**")
    assert "- Later releases read, over two lines.\n- Quarto renders the book.\n- A paragraph of its own." in text
    assert "Not in any edition yet" not in text
    assert "#" not in text  # no headings: the appendix's contents and numbering stay as they are
    assert "no change log" in edition.changelog_markdown([])


def test_long_dates_are_british():
    assert edition.long_date(dt.date(2026, 12, 7)) == "7 December 2026"


# --- The commit and the build's date --------------------------------------------------------------------


def test_outside_git_there_is_no_commit_and_nothing_fails(tmp_path):
    commit = edition.current_commit(tmp_path)
    assert commit == Commit() and commit.text == "a copy outside git (no commit recorded)"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_commit_is_named_and_marked_when_the_tree_has_changed(tmp_path):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True,
                       env={"GIT_AUTHOR_DATE": "2026-11-23T10:00:00Z", "GIT_COMMITTER_DATE": "2026-11-23T10:00:00Z",
                            "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})  # fmt: skip

    git("init", "-q")
    (tmp_path / "a.txt").write_text("a\n")
    git("add", "a.txt")
    git("-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-q", "-m", "one")
    commit = edition.current_commit(tmp_path)
    assert len(commit.short) >= 7 and not commit.modified and commit.date == dt.date(2026, 11, 23)
    assert commit.text == f"commit {commit.short}"
    (tmp_path / "a.txt").write_text("b\n")
    changed = edition.current_commit(tmp_path)
    assert changed.modified and changed.text == f"commit {commit.short} with uncommitted changes"
    # A folder inside a checkout is not the checkout's project.
    (tmp_path / "inner").mkdir()
    assert edition.current_commit(tmp_path / "inner") == Commit()


def test_build_date_is_source_date_epoch_then_the_commits_then_the_editions(monkeypatch):
    commit = Commit("abc1234", False, dt.date(2026, 11, 30))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796428800")  # 2026-12-05 00:00 UTC
    assert edition.build_date(commit, dt.date(2026, 12, 7)) == (dt.date(2026, 12, 5), "SOURCE_DATE_EPOCH")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert edition.build_date(commit, dt.date(2026, 12, 7)) == (dt.date(2026, 11, 30), "the commit's date")
    assert edition.build_date(Commit(), dt.date(2026, 12, 7)) == (dt.date(2026, 12, 7), "the edition's date")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(edition.PcnReportError, match="SOURCE_DATE_EPOCH"):
        edition.build_date(commit, None)


# --- The facts and the renderers' files ---------------------------------------------------------------------


def _project(tmp_path: Path) -> Path:
    (tmp_path / "_quarto.yml").write_text(
        "book:\n  title: A Book\n  subtitle: Its subtitle\n  author: The team\n  site-url: https://example.org/book/\n"
    )
    (tmp_path / "CHANGELOG.md").write_text(CHANGELOG)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "catalogue.yaml").write_text(
        "datasets:\n  a: {licence: Open Government Licence v3.0}\n  b: {licence: Open Government Licence v3.0}\n"
        "  c: {licence: 'research data, not public'}\n"
    )
    return tmp_path


def test_facts_are_the_same_on_every_run_and_follow_the_option(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    project = _project(tmp_path)
    facts = edition.edition_facts(project)
    assert facts == edition.edition_facts(project)
    assert facts["version"] == "0.2.0" and facts["line"] == "Edition 0.2.0, 7 December 2026"
    assert facts["site_url"] == "https://example.org/book"
    assert facts["commit_text"] == "a copy outside git (no commit recorded)"
    assert (facts["build_date"], facts["build_date_source"]) == ("2026-12-07", "the edition's date")
    assert facts["build_text"] == "Built on 7 December 2026 from a copy outside git (no commit recorded)"
    assert facts["data_licences"] == ("Open Government Licence v3.0 (2 datasets); "
                                      "research data, not public (1 dataset)")
    assert edition.edition_facts(project, "https://live.example.org/")["site_url"] == "https://live.example.org"
    # The variables step's key follows the change log's text and the option.
    before = edition.components(project)
    (project / "CHANGELOG.md").write_text(CHANGELOG.replace("A paragraph of its own.", "Another paragraph."))
    assert edition.components(project) != before
    assert edition.components(project, "https://live.example.org") != edition.components(project)


def test_files_for_the_renderers(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    project = _project(tmp_path)
    (project / "_generated").mkdir()
    (project / "figures").mkdir()
    facts = edition.edition_facts(project, commit=Commit("abc1234", True, dt.date(2026, 12, 6)))
    colophon = (f"# About this edition {{#colophon .unnumbered}}\n\n{edition.PRINT_HIDDEN}\n"
                "Cite it [@key].\n\n## Licences\n\nCC BY 4.0.\n:::\n")  # fmt: skip
    edition.write_files(project, facts, colophon)
    metadata = yaml.safe_load((project / edition.METADATA).read_text())
    assert metadata["book"]["date"] == "2026-12-07"
    assert metadata["edition-line"] == "Edition 0.2.0, 7 December 2026"
    assert metadata["book"]["page-footer"]["left"] == (
        "Edition 0.2.0, 7 December 2026 · Built on 6 December 2026 from commit abc1234 with uncommitted changes")
    assert metadata["book"]["page-footer"]["right"] == [{"text": "About this edition", "href": "chapters/colophon.qmd"}]
    typst = metadata["format"]["typst"]
    assert typst["pcn-verso-title"] == "About this edition"
    assert typst["pcn-verso"] == "Cite it [@key].\n\n## Licences\n\nCC BY 4.0.\n"
    assert typst["pcn-verso-source"] == "chapters/colophon.qmd"
    assert edition.print_matter(project) == {
        "line": "Edition 0.2.0, 7 December 2026", "verso_title": "About this edition", "verso": typst["pcn-verso"],
    }  # fmt: skip
    assert (project / edition.CHANGELOG_PAGE).read_text().startswith("**Edition 0.2.0, 7 December 2026.**")


def test_the_editions_identity_is_not_listed_among_changed_numbers():
    # A new commit or build date is not a number of the report: Appendix C's change log tells that story.
    from pcnreport.report import changes

    variables = {"edition": {"commit": "abc1234", "build_date": "2026-12-07"}, "pcn_size": {"pcns": "1,250"}}
    assert changes.flatten(variables) == {"pcn_size.pcns": "1,250"}


def test_without_a_release_or_a_commit_the_edition_says_so_in_whole_sentences(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    project = _project(tmp_path)
    (project / "CHANGELOG.md").unlink()  # a project without a change log has no released edition
    facts = edition.edition_facts(project)
    assert (facts["line"], facts["year"]) == ("Unreleased edition", "n.d.")
    assert facts["build_text"] == "Built from a copy outside git (no commit recorded), on a date not recorded"
