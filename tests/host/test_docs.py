"""Docs and code stay together: every `docs/<page>.md` a file cites exists; every numbered
section it cites there (`docs/sinricpro.md §4.3`, `§3-§5`) is a heading of that page, and so
is every named one (`docs/runtime.md "Time"`); every Markdown link and its #anchor resolves."""

import re

from mpy import ROOT

CITE = re.compile(r"(?<![\w/])(?<!\]\()(?:docs/)?(sinricpro|yango)\.md")  # not a link target
PAGE = re.compile(r"docs/([\w-]+\.md)")
# "docs/x.md §2, §7.2" and "§3-§5": every section number after the page name on that line
SECTIONS = re.compile(r"docs/([\w-]+\.md)((?:[ ,;/and-]*§?\d+(?:\.\d+)?(?=[\s,;)\-.:]|$))+)")
# docs/x.md "Heading" or docs/x.md, "Heading": a named section (the quoted words start it)
NAMED = re.compile(r"docs/([\w-]+\.md),?\s+\"([^\"]+)\"")


def sources():
    for top in ("lib", "firmware", "tools", "tests", "docs"):
        yield from (p for p in (ROOT / top).rglob("*")
                    if p.suffix in (".py", ".md") and p.name != "test_docs.py")
    yield from (ROOT / "README.md", ROOT / "Makefile", ROOT / "config.schema.json")


def _heading_lines(md):
    out, fence = [], False
    for line in md.read_text().splitlines():
        if line.startswith("```"):
            fence = not fence
        elif not fence and line.startswith("#"):
            out.append(line.lstrip("#").strip())
    return out


def headings(page):
    return {m.group(1) for h in _heading_lines(ROOT / "docs" / page)
            for m in [re.match(r"(\d+(?:\.\d+)?)\.? ", h)] if m}


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def test_cited_pages_and_sections_exist():
    missing = []
    for path in sources():
        text = path.read_text(errors="replace")
        for n, line in enumerate(text.splitlines(), 1):
            where = "%s:%d" % (path.relative_to(ROOT), n)
            for m in CITE.finditer(line):
                if not line[:m.end()].endswith("docs/" + m.group(1) + ".md"):
                    missing.append("%s cites %s without docs/" % (where, m.group(0)))
            for page in PAGE.findall(line):
                if not (ROOT / "docs" / page).is_file():
                    missing.append("%s: docs/%s does not exist" % (where, page))
            for page, tail in SECTIONS.findall(line):
                if (ROOT / "docs" / page).is_file():
                    have = headings(page)
                    for num in re.findall(r"§(\d+(?:\.\d+)?)", tail):
                        if num not in have:
                            missing.append("%s: docs/%s has no §%s" % (where, page, num))
        flat = re.sub(r"\s*\n\s*#?\s*", " ", text)  # a citation may wrap in a comment
        for page, name in NAMED.findall(flat):
            md = ROOT / "docs" / page
            if md.is_file() and not any(h.replace("`", "").startswith(name)
                                        for h in _heading_lines(md)):
                missing.append('%s: docs/%s has no section "%s"' % (
                    path.relative_to(ROOT), page, name))
    assert missing == [], "\n".join(missing)


def test_the_check_sees_a_bad_citation():
    assert "4.3" in headings("sinricpro.md") and "6.1" in headings("yango.md")
    assert "4.9" not in headings("sinricpro.md")
    m = SECTIONS.search("# codec (docs/sinricpro.md §3-§7, §4.9): verify")
    assert m and re.findall(r"§(\d+(?:\.\d+)?)", m.group(2)) == ["3", "7", "4.9"]
    assert NAMED.findall('# see docs/runtime.md "Time" and docs/memory.md, "Per module"') == [
        ("runtime.md", "Time"), ("memory.md", "Per module")]
    assert slug("Wi-Fi and the status LED (`firmware/wifi.py`)") == \
        "wi-fi-and-the-status-led-firmwarewifipy"


def test_markdown_links_and_anchors_resolve():
    bad = []
    for md in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)\s]+)\)", md.read_text()):
            path, _, anchor = target.partition("#")
            if "://" in path:
                continue
            dest = (md.parent / path) if path else md
            if not dest.exists():
                bad.append("%s -> %s" % (md.relative_to(ROOT), target))
            elif anchor and anchor not in {slug(h) for h in _heading_lines(dest)}:
                bad.append("%s -> %s: no such heading" % (md.relative_to(ROOT), target))
    assert bad == [], bad


def test_the_readme_fits_two_screens_and_links_every_page():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 100
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert "](docs/%s)" % page.name in readme, page.name
