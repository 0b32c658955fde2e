"""The PCN pages in the site's own search (pcnreport.build.pcn_site.add_to_search): one entry a page, by name,
code, ICB, region and status, appended to whichever index the renderer wrote."""

from __future__ import annotations

import json

from pcnreport.build import pcn_site
from pcnreport.render import search

ENTRIES = [
    {"code": "U12345", "name": "PENDLE EAST PCN", "icb": "NHS LANCASHIRE AND SOUTH CUMBRIA ICB", "icb_code": "QE1",
     "region": "NORTH WEST", "region_code": "Y62", "status": "open", "practices": 5, "patients": 41000},
    {"code": "U99999", "name": "GONE <PCN>", "icb": "", "icb_code": "", "region": "LONDON", "region_code": "Y56",
     "status": "closed (merged)", "practices": 3, "patients": 20000},
]  # fmt: skip


def test_the_pandoc_path_s_index_gains_one_section_a_page(tmp_path):
    chapter = tmp_path / "chapters" / "01.html"
    chapter.parent.mkdir()
    chapter.write_text("<main><h1 id='a'>One</h1><p>Words.</p></main>")
    search.write_search(tmp_path, "site_libs", [(chapter, "1 One")])
    assert pcn_site.add_to_search(tmp_path, ENTRIES) == 2
    sections = search.read_index(tmp_path / "site_libs" / search.INDEX_NAME)
    assert [s.page for s in sections] == ["chapters/01.html", "pcns/U12345.html", "pcns/U99999.html"]
    assert [s.id for s in sections] == [0, 1, 2]  # ids stay unique: MiniSearch keys documents by them
    assert sections[1].heading == "PENDLE EAST PCN (U12345)"
    assert sections[1].text == "NHS LANCASHIRE AND SOUTH CUMBRIA ICB; NORTH WEST; PCN open"
    assert "<PCN>" not in (tmp_path / "site_libs" / search.INDEX_NAME).read_text()  # still safe in a page


def test_quarto_s_search_json_gains_one_document_a_page(tmp_path):
    (tmp_path / "search.json").write_text(json.dumps([{"objectID": "index.html", "href": "index.html", "title": "Home",
                                                       "section": "", "text": "x", "crumbs": []}]))
    assert pcn_site.add_to_search(tmp_path, ENTRIES) == 2
    docs = json.loads((tmp_path / "search.json").read_text())
    assert [d["href"] for d in docs] == ["index.html", "pcns/U12345.html", "pcns/U99999.html"]
    assert docs[2] == {"objectID": "pcns/U99999.html", "href": "pcns/U99999.html", "title": "GONE <PCN> (U99999)",
                       "section": "", "text": "LONDON; PCN closed (merged)", "crumbs": ["Every PCN"]}


def test_a_site_without_a_search_index_is_left_alone(tmp_path):
    assert pcn_site.add_to_search(tmp_path, ENTRIES) == 0
    assert list(tmp_path.iterdir()) == []
