"""Finding a story among 300: the catalog page (search, filters, sorts, pages) and the OPDS
1.2 feeds (structure, paging, facets, OpenSearch, KOReader's parsing rules), with sizes.

The 300 stories come from `benchmarks/stories.py`; what a filter should find is worked out
from the generated files' front matter here, not from the site's index.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from lxml import etree, html
from starlette.testclient import TestClient

from benchmarks.stories import generate
from builder.serve.app import create_app
from builder.serve.listing import RECHECK_SECONDS

STORIES = 300
ATOM = "http://www.w3.org/2005/Atom"
OPDS = "http://opds-spec.org/2010/catalog"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
NS = {"a": ATOM, "opds": OPDS, "os": OPENSEARCH}
ATOM_TYPE = "application/atom+xml"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
FACET = "http://opds-spec.org/facet"
MAX_PAGE_BYTES = 60_000
MAX_FEED_BYTES = 100_000
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("catalog")
    generate(path, STORIES, scale=0.02)
    return path


@pytest.fixture(scope="module")
def front(folder: Path) -> dict[str, dict[str, object]]:
    """Each generated story's front matter, by slug."""
    found = {}
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        found[path.stem] = yaml.safe_load(text.split("---\n")[1])
    return found


@pytest.fixture(scope="module")
def client(folder: Path) -> Iterator[TestClient]:
    with TestClient(create_app(folder)) as test_client:
        yield test_client


def page(client: TestClient, url: str) -> html.HtmlElement:
    response = client.get(url)
    assert response.status_code == 200, url
    assert len(response.content) < MAX_PAGE_BYTES, (url, len(response.content))
    return html.fromstring(response.content)


def slugs(root: html.HtmlElement) -> list[str]:
    return [href.rsplit("/", 1)[-1] for href in root.xpath("//ul[@class='stories']//h2/a/@href")]


def words_of(entry: html.HtmlElement) -> int:
    """The word count an entry shows."""
    match = re.search(r"([\d,]+) words", entry.text_content())
    assert match, entry.text_content()
    return int(match.group(1).replace(",", ""))


def walk_pages(client: TestClient, url: str) -> list[str]:
    """Every story slug met following the pages' `next` links from `url`."""
    found: list[str] = []
    seen = set()
    while url:
        assert url not in seen
        seen.add(url)
        root = page(client, url)
        found += slugs(root)
        following = root.xpath("//nav[@class='pager']/a[@rel='next']/@href")
        url = following[0] if following else ""
    return found


def test_the_catalog_pages_through_every_story_25_at_a_time(client: TestClient) -> None:
    first = page(client, "/")
    assert len(slugs(first)) == 25
    assert "300 stories, page 1 of 12" in first.text_content()
    assert not first.xpath("//details[@open]")  # filters folded until the reader narrows
    assert first.xpath("//form[@method='get' and @action='/']//input[@name='q']")
    assert not first.xpath("//script")
    found = walk_pages(client, "/")
    assert len(found) == STORIES and len(set(found)) == STORIES
    last = first.xpath("//nav[@class='pager']/a[@rel='last']/@href")[0]
    assert slugs(page(client, last)) == found[-(STORIES % 25 or 25) :]
    assert slugs(page(client, "/?page=999")) == slugs(page(client, last))  # clamped


def test_each_entry_shows_words_and_reading_time(client: TestClient) -> None:
    for entry in page(client, "/?sort=length").xpath("//ul[@class='stories']/li"):
        text = entry.text_content()
        match = re.search(r"([\d,]+) words, about (\d+) min", text)
        assert match, text
        words = int(match.group(1).replace(",", ""))
        assert int(match.group(2)) == max(1, round(words / 250))


@pytest.mark.parametrize("field", ["fandom", "pairing", "rating"])
def test_filters_find_exactly_the_stories_with_that_value(
    client: TestClient, front: dict[str, dict[str, object]], field: str
) -> None:
    value, expected = Counter(str(meta[field]) for meta in front.values()).most_common(1)[0]
    root = page(client, f"/?{field}={value}")
    assert f"{expected} stories" in root.text_content()
    assert root.xpath(f"//select[@name='{field}']/option[@selected]/@value") == [value]
    assert value in root.xpath("string(//details/summary)")  # the folded filters say so
    found = walk_pages(client, f"/?{field}={value}")
    assert sorted(found) == sorted(s for s, meta in front.items() if meta[field] == value)


@pytest.mark.parametrize(
    ("status", "written"), [("complete", {"complete"}), ("in-progress", {"in progress"})]
)
def test_complete_and_in_progress(
    client: TestClient, front: dict[str, dict[str, object]], status: str, written: set[str]
) -> None:
    found = walk_pages(client, f"/?status={status}")
    assert sorted(found) == sorted(s for s, meta in front.items() if meta.get("status") in written)


def test_length_ranges_hold_only_stories_of_that_length(client: TestClient) -> None:
    counted = 0
    for key, low, high in (("under-1k", 0, 1000), ("1k-5k", 1000, 5000)):
        for entry in page(client, f"/?length={key}").xpath("//ul[@class='stories']/li"):
            words = words_of(entry)
            assert low <= words < high
            counted += 1
    assert counted > 0


def test_search_needs_every_word_in_any_field(
    client: TestClient, front: dict[str, dict[str, object]]
) -> None:
    expected = sorted(
        slug
        for slug, meta in front.items()
        if "fluff" in " ".join(map(str, meta["tags"])).lower()  # type: ignore[call-overload]
        and "genshin" in str(meta["fandom"]).lower()
    )
    assert expected
    assert sorted(walk_pages(client, "/?q=GENSHIN+fluff")) == expected
    assert "No stories match" in page(client, "/?q=zzzznothing").text_content()


def test_sorts_by_title_newest_and_length(
    client: TestClient, front: dict[str, dict[str, object]]
) -> None:
    by_title = walk_pages(client, "/?sort=title")
    # Natural order: "Tide 9" before "Tide 10".
    titles = [
        re.sub(r"\d+", lambda m: m.group().zfill(9), str(front[slug]["title"]).casefold())
        for slug in by_title
    ]
    assert titles == sorted(titles)
    newest = walk_pages(client, "/?sort=new")
    dates = [str(front[slug]["date"]) for slug in newest]
    assert dates == sorted(dates, reverse=True)
    words = [
        words_of(li) for li in page(client, "/?sort=length").xpath("//ul[@class='stories']/li")
    ]
    assert words == sorted(words, reverse=True)


def test_a_hostile_search_stays_text(client: TestClient) -> None:
    root = page(client, '/?q="><script>alert(1)</script>&sort=bogus&page=x')
    assert not root.xpath("//script")
    assert root.xpath("//input[@name='q']/@value") == ['"><script>alert(1)</script>']


# OPDS ------------------------------------------------------------------------------------


def feed(client: TestClient, url: str) -> etree._Element:
    """A feed, checked against Atom (RFC 4287) and OPDS 1.2's rules for every feed."""
    response = client.get(url)
    assert response.status_code == 200, url
    assert len(response.content) < MAX_FEED_BYTES, (url, len(response.content))
    assert response.headers["content-type"] in (ACQUISITION, NAVIGATION)
    root = etree.fromstring(response.content)
    assert root.tag == f"{{{ATOM}}}feed" and root.prefix is None  # KOReader: unprefixed Atom
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"a:{name}", NS)) == 1, (url, name)
    assert RFC3339.match(root.findtext("a:updated", namespaces=NS) or "")
    for link in root.iter(f"{{{ATOM}}}link"):
        assert link.get("href") and link.get("rel") and link.get("type"), etree.tostring(link)
    rels = {link.get("rel") for link in root.findall("a:link", NS)}
    assert {"self", "start", "search"} <= rels
    for entry in root.findall("a:entry", NS):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"a:{name}", NS)) == 1, (url, name)
        assert not entry.find("a:title", NS).attrib  # type: ignore[union-attr]
        assert RFC3339.match(entry.findtext("a:updated", namespaces=NS) or "")
        for category in entry.findall("a:category", NS):
            assert category.get("term") and category.get("label")
            assert category.get("scheme", "").startswith("http://testserver/")
    assert b"urn:ficpress" not in response.content
    return root


def links(root: etree._Element, rel: str) -> list[str]:
    return [str(link.get("href")) for link in root.findall("a:link", NS) if link.get("rel") == rel]


def walk_feed(client: TestClient, url: str) -> list[str]:
    """Entry ids following `next` from `url`, checking the paging links on every page."""
    ids: list[str] = []
    root = feed(client, url)
    first, last = links(root, "first"), links(root, "last")
    assert len(first) == 1 and len(last) == 1
    total = int(root.findtext("os:totalResults", namespaces=NS) or -1)
    assert root.findtext("os:itemsPerPage", namespaces=NS) == "25"
    previous_self = None
    while True:
        for rel in ("first", "last", "next", "previous"):
            for link in root.findall("a:link", NS):
                if link.get("rel") == rel:
                    assert link.get("type") == ACQUISITION  # KOReader follows only Atom types
        assert links(root, "first") == first and links(root, "last") == last
        start = int(root.findtext("os:startIndex", namespaces=NS) or -1)
        assert start == len(ids) + 1
        if previous_self is None:
            assert not links(root, "previous")
        else:
            assert links(root, "previous") == [previous_self]
        ids += [str(entry.findtext("a:id", namespaces=NS)) for entry in root.findall("a:entry", NS)]
        previous_self = links(root, "self")[0]
        following = links(root, "next")
        if not following:
            assert previous_self == last[0]
            break
        assert len(root.findall("a:entry", NS)) == 25
        root = feed(client, following[0])
    assert len(ids) == total and len(set(ids)) == total
    return ids


def test_opds_root_links_each_feed_and_search(client: TestClient) -> None:
    root = feed(client, "/opds")
    targets = {e.find("a:link", NS).get("href"): e for e in root.findall("a:entry", NS)}  # type: ignore[union-attr]
    assert set(targets) == {"/opds/stories", "/opds/new", "/opds/popular"}
    # KOReader opens an entry as a catalog only for an Atom type and one of these rels.
    followed = {"subsection", "http://opds-spec.org/sort/new", "http://opds-spec.org/sort/popular"}
    for entry in targets.values():
        link = entry.find("a:link", NS)
        assert link is not None and link.get("rel") in followed
        assert ATOM_TYPE in str(link.get("type"))
    for path in targets:
        assert len(walk_feed(client, path)) == STORIES


def test_every_opds_entry_can_be_downloaded(client: TestClient) -> None:
    root = feed(client, "/opds/stories?page=3")
    for entry in root.findall("a:entry", NS):
        acquisitions = [
            link
            for link in entry.findall("a:link", NS)
            if str(link.get("rel")).startswith("http://opds-spec.org/acquisition")
        ]
        types = {link.get("type") for link in acquisitions}
        assert "application/epub+zip" in types
        assert entry.find("a:author/a:name", NS) is not None
    epub = next(link for link in acquisitions if link.get("type") == "application/epub+zip")
    response = client.get(str(epub.get("href")))
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_opds_facets_filter_and_mark_the_active_one(
    client: TestClient, front: dict[str, dict[str, object]]
) -> None:
    root = feed(client, "/opds/stories")
    facets = [link for link in root.findall("a:link", NS) if link.get("rel") == FACET]
    groups = Counter(str(link.get(f"{{{OPDS}}}facetGroup")) for link in facets)
    assert set(groups) == {"Fandom", "Pairing", "Rating"}
    fandoms = Counter(str(meta["fandom"]) for meta in front.values())
    assert groups["Fandom"] == len(fandoms) + 1  # and "Any fandom"
    chosen = next(link for link in facets if link.get("title") == "Star Wars")
    assert chosen.get("{http://purl.org/syndication/thread/1.0}count") == str(fandoms["Star Wars"])
    filtered_url = str(chosen.get("href"))
    assert len(walk_feed(client, filtered_url)) == fandoms["Star Wars"]
    filtered = feed(client, filtered_url)
    active = [
        link
        for link in filtered.findall("a:link", NS)
        if link.get(f"{{{OPDS}}}activeFacet") == "true"
    ]
    assert sorted(str(link.get("title")) for link in active) == [
        "Any pairing",
        "Any rating",
        "Star Wars",
    ]


def test_opensearch_description_and_results(
    client: TestClient, front: dict[str, dict[str, object]]
) -> None:
    root = feed(client, "/opds/new")
    described = [
        link
        for link in root.findall("a:link", NS)
        if link.get("rel") == "search"
        and link.get("type") == "application/opensearchdescription+xml"
    ]
    response = client.get(str(described[0].get("href")))
    assert response.headers["content-type"] == "application/opensearchdescription+xml"
    osd = etree.fromstring(response.content)
    # KOReader reads `OpenSearchDescription.Url` by its unprefixed name.
    assert osd.tag == f"{{{OPENSEARCH}}}OpenSearchDescription" and osd.prefix is None
    assert osd.findtext("os:ShortName", namespaces=NS)
    urls = [url for url in osd.findall("os:Url", NS) if ATOM_TYPE in str(url.get("type"))]
    template = str(urls[0].get("template"))
    assert template.startswith("http://testserver/") and "{searchTerms}" in template
    address = template.replace("{searchTerms}", "slow+burn+witcher")
    found = walk_feed(client, address.removeprefix("http://testserver"))
    expected = [
        slug
        for slug, meta in front.items()
        if "Slow Burn" in meta["tags"] and meta["fandom"] == "The Witcher"  # type: ignore[operator]
    ]
    assert len(found) == len(expected) > 0


def test_popular_lists_the_most_downloaded_first(client: TestClient) -> None:
    root = feed(client, "/opds/popular?page=5")
    entry = root.findall("a:entry", NS)[-1]
    epub = next(
        link.get("href")
        for link in entry.findall("a:link", NS)
        if link.get("type") == "application/epub+zip"
    )
    for _ in range(3):
        assert client.get(str(epub)).status_code == 200
    top = feed(client, "/opds/popular").find("a:entry", NS)
    assert top is not None and top.findtext("a:id", namespaces=NS) == entry.findtext(
        "a:id", namespaces=NS
    )


def test_personal_feeds_keep_their_prefix_in_every_link(client: TestClient) -> None:
    from builder.serve import token

    reader = token.encode({"Y/N": "Alex"})
    root = feed(client, f"/opds/p/{reader}/stories?fandom=Harry+Potter")
    for link in root.iter(f"{{{ATOM}}}link"):
        href = str(link.get("href"))
        assert href.startswith(f"/opds/p/{reader}"), href
        if link.get("rel") == FACET:
            assert "fandom" in parse_qs(urlsplit(href).query) or "Any" in str(link.get("title"))


def test_an_edited_story_shows_in_the_cached_feed_and_page(tmp_path: Path) -> None:
    generate(tmp_path, 3, scale=0.01)
    path = tmp_path / "story-002.md"
    with TestClient(create_app(tmp_path)) as fresh:
        before = fresh.get("/opds/stories").content
        assert fresh.get("/opds/stories").content == before  # served again, from the cache
        text = path.read_text(encoding="utf-8")
        title = re.search(r"^title: (.*)$", text, re.MULTILINE).group(1)  # type: ignore[union-attr]
        path.write_text(text.replace(f"title: {title}", "title: Quite Another Title"), "utf-8")
        time.sleep(RECHECK_SECONDS + 0.1)
        after = fresh.get("/opds/stories").content
        assert b"Quite Another Title" in after and title.encode() not in after
        assert "Quite Another Title" in fresh.get("/").text


def test_feeds_keep_atom_unprefixed_after_weasyprint_loads(client: TestClient) -> None:
    """WeasyPrint registers ElementTree prefixes ("" among them) when it loads, as the PDF
    workers do: feeds made afterwards must still be what KOReader reads."""
    import weasyprint.pdf.metadata  # noqa: F401

    root = feed(client, "/opds/search?q=after+weasyprint")
    assert root.prefix is None
    response = client.get("/opds/stories?fandom=Good+Omens&page=1")
    assert b"<feed xmlns=" in response.content and b"opds:facetGroup=" in response.content
