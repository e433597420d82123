"""The documentation: no file links outside the repository, every relative link resolves, the README stays short."""

import re
import subprocess

import pytest

from conftest import REPO

TEXT = (".md", ".py", ".smk", ".yaml", ".yml", ".rst", ".toml", ".cff", ".sh", ".txt")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)|(?:src|href)=\"([^\"#]+)\"")
OUTSIDE = re.compile(r"\.\./shared|/work/|\.\./\.\./\.\./")


def tracked_text_files():
    names = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    return [REPO / name for name in names if name.endswith(TEXT) or name in ("Snakefile", "LICENSE")]


@pytest.fixture(scope="module")
def files():
    found = tracked_text_files()
    if not found:
        pytest.skip("not a git checkout")
    return found


def test_no_file_points_outside_the_repository(files):
    this = REPO / "tests/workflow/test_docs.py"
    bad = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()[:100]}"
        for path in files
        if path != this
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert bad == [], "\n".join(bad)


def markdown_links(files, pattern):
    """Each (page, match) of ``pattern`` in the Markdown pages among ``files``."""
    for path in files:
        if path.suffix == ".md":
            for match in pattern.finditer(path.read_text()):
                yield path, match


def test_every_relative_link_of_the_docs_resolves(files):
    broken = []
    for path, match in markdown_links(files, LINK):
        target = match.group(1) or match.group(2)
        if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
            continue
        resolved = (path.parent / target).resolve()
        if not resolved.exists() or REPO.resolve() not in [resolved, *resolved.parents]:
            broken.append(f"{path.relative_to(REPO)}: {target}")
    assert broken == [], "\n".join(broken)


ANCHORED = re.compile(r"\]\(([^)#\s]*\.md)?#([^)\s]+)\)")


def heading_anchors(text: str) -> set[str]:
    """The anchors GitHub gives a Markdown page's headings: lower case, punctuation but '-' and
    '_' dropped, spaces as '-', a repeated heading numbered -1, -2, …"""
    anchors: set[str] = set()
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if fenced or not re.match(r"^#{1,6} ", line):
            continue
        shown = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line.lstrip("#").strip())  # a link shows its text
        slug = re.sub(r"[^\w\- ]", "", shown.lower()).replace(" ", "-")
        anchor, n = slug, 0
        while anchor in anchors:
            n += 1
            anchor = f"{slug}-{n}"
        anchors.add(anchor)
    return anchors


def test_every_link_to_a_heading_finds_it(files):
    broken, anchors = [], {}  # anchors: each linked page's, read once
    for path, match in markdown_links(files, ANCHORED):
        target = (path.parent / match.group(1)).resolve() if match.group(1) else path
        if target.exists() and target not in anchors:
            anchors[target] = heading_anchors(target.read_text())
        if target.exists() and match.group(2) not in anchors[target]:
            broken.append(f"{path.relative_to(REPO)}: {match.group(1) or ''}#{match.group(2)}")
    assert broken == [], "\n".join(broken)


def test_heading_anchors_follow_githubs_rule():
    text = "# A title\n## okatani2013 ([talk page](talks/okatani2013.md))\n## O3: Gibbs samples — 2- and 3-layer (κ, α)\n```\n# not a heading\n```\n## A title\n# A title\n"
    assert heading_anchors(text) == {
        "a-title",
        "okatani2013-talk-page",
        "o3-gibbs-samples--2--and-3-layer-κ-α",
        "a-title-1",
        "a-title-2",
    }


def test_the_readme_is_a_page_for_users():
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    for heading in ("## Two commands", "## Claims", "## Presets and knobs", "## Running on a cluster"):
        assert heading in readme
