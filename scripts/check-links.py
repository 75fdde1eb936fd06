#!/usr/bin/env python3
"""Checks, offline, every link in the README, the changelog, BENCHMARKS.md
and the guide (docs/src): a relative link must name a file that exists, and
its #anchor a heading of that page (mdBook's slugs); a web link must be
https (never fetched). Prints each broken link and exits 1."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "BENCHMARKS.md",
         *sorted((ROOT / "docs" / "src").rglob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")


def without_code(text):
    """The page with fenced blocks and inline code blanked (links there are examples)."""
    text = re.sub(r"^```.*?^```", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def slug(heading):
    """mdBook's id for a heading: lower case, punctuation dropped, spaces to -."""
    text = re.sub(r"`|\*|_(?=\w)|(?<=\w)_", "", heading.strip()).lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors(page):
    text = without_code(page.read_text())
    return {slug(m.group(1)) for m in re.finditer(r"^#+ (.*)$", text, re.M)}


broken = []
count = 0
for page in PAGES:
    text = without_code(page.read_text())
    for m in [*LINK.finditer(text), *AUTOLINK.finditer(text)]:
        target = m.group(1)
        count += 1
        line = text[: m.start()].count("\n") + 1
        where = f"{page.relative_to(ROOT)}:{line}"
        if target.startswith("http://") and not target.startswith(("http://127.0.0.1", "http://localhost")):
            broken.append(f"{where}: {target} is not https")
            continue
        if target.startswith(("https://", "http://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(f"{where}: {target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{where}: {target}: no heading #{anchor}")
for b in broken:
    print(b, file=sys.stderr)
print(f"links: {count} checked in {len(PAGES)} pages, {len(broken)} broken")
sys.exit(1 if broken else 0)
