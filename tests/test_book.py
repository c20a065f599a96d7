"""The book (`make book`): every chapter is a page with its figures, no internal link is
broken, and no page shows a solution or a hidden test."""

import re
import subprocess
import sys
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
import yaml
from notebooks import ROOT

pytestmark = pytest.mark.slow(why="builds the book with Sphinx from the six executed reference notebooks")

BOOK = ROOT / "book"
HTML = BOOK / "_build" / "html"
CHAPTERS = [entry["file"].split("/")[-1] for entry in yaml.safe_load((BOOK / "_toc.yml").read_text())["chapters"]]


class Links(HTMLParser):
    """The href/src values and the element ids of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)
            elif name == "id" and value:
                self.ids.add(value)


def parse(path):
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


@pytest.fixture(scope="module")
def book(executed_source):
    """Build the book once (its own .venv-book: minutes), from the session's executed references."""
    for chapter_id in CHAPTERS:
        executed_source(chapter_id)
    done = subprocess.run(
        ["make", "-s", "book", f"BOOK_EXECUTED={executed_source.folder}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return HTML


def test_every_chapter_is_a_page_with_figures(book):
    for chapter_id in CHAPTERS:
        page = book / "chapters" / f"{chapter_id}.html"
        assert page.exists(), f"no page for {chapter_id}"
        images = [link for link in parse(page).links if link.endswith(".png")]
        assert images, f"{chapter_id}'s page shows no figure"


def test_every_widget_shows_its_default_state(book):
    """A widget is live only in a kernel: the page shows what it draws at its default settings
    (a figure, or its printed text) and says that moving it needs the notebook."""
    sys.path.insert(0, str(BOOK))
    from prepare import WIDGET_NOTE, WIDGET_VIEW

    for chapter_id in CHAPTERS:
        source = nbformat.read(ROOT / "solutions" / chapter_id / f"{chapter_id}.ipynb", as_version=4)
        widget_cells = {
            cell.id
            for cell in source.cells
            if cell.cell_type == "code" and re.search(r"\b(interactive|interact|interact_manual)\(", cell.source)
        }
        assert widget_cells, f"{chapter_id}: no widget found (chapters.md: at least one per chapter)"
        page = nbformat.read(BOOK / "chapters" / f"{chapter_id}.ipynb", as_version=4)
        for cell in page.cells:
            if cell.cell_type != "code":
                continue
            views = [o for o in cell.outputs if WIDGET_VIEW in o.get("data", {})]
            assert not views, f"{chapter_id}, cell {cell.id}: a widget view left on the page (blank in the book)"
            if cell.id in widget_cells:
                notes = [i for i, o in enumerate(cell.outputs) if o.get("data", {}).get("text/markdown") == WIDGET_NOTE]
                assert notes, f"{chapter_id}, cell {cell.id}: the widget's default state is not on the page"
                drawn = cell.outputs[: notes[0]]
                assert any("image/png" in o.get("data", {}) for o in drawn), (
                    f"{chapter_id}, cell {cell.id}: the widget's default state has no figure"
                )
        html = (book / "chapters" / f"{chapter_id}.html").read_text(encoding="utf-8")
        assert html.count("The book shows this widget at its default settings") >= len(widget_cells), chapter_id


def test_no_internal_link_is_broken(book):
    # _static/ holds the theme's Jinja macro files (*.html, never served as pages): not pages.
    pages = {path: parse(path) for path in book.rglob("*.html") if "_static" not in path.parts}
    broken = []
    for path, parsed in pages.items():
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue  # external (https:, mailto:, data:, javascript:)
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{path.relative_to(book)}: {link} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                ids = (pages.get(target) or parse(target)).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{path.relative_to(book)}: {link} (no such anchor)")
    assert len(pages) > len(CHAPTERS)
    assert not broken, "\n".join(broken[:50])


def solution_lines(cell):
    """The substantial lines between a solution cell's BEGIN/END SOLUTION markers."""
    region = re.findall(r"### BEGIN SOLUTION(.*?)### END SOLUTION", cell.source, flags=re.S)
    lines = "\n".join(region).splitlines()
    return [line.strip() for line in lines if len(line.strip()) > 25]


def test_no_solution_or_hidden_test_in_the_book(book):
    for chapter_id in CHAPTERS:
        page = nbformat.read(BOOK / "chapters" / f"{chapter_id}.ipynb", as_version=4)
        shown = "\n".join(cell.source + "\n" + str(cell.get("outputs", "")) for cell in page.cells)
        assert "BEGIN SOLUTION" not in shown and "HIDDEN TESTS" not in shown, chapter_id
        student = nbformat.read(ROOT / "chapters" / chapter_id / f"{chapter_id}.ipynb", as_version=4)
        kept = [c.source for c in student.cells if not c.metadata.get("dlcourse", {}).get("generated")]
        assert [c.source for c in page.cells] == kept, f"{chapter_id}: the page's cells must be the student edition's"
        # what students see anyway: their notebook's cells and the chapter's other files
        given = "\n".join(
            [cell.source for cell in student.cells]
            + [f.read_text(errors="replace") for f in (ROOT / "chapters" / chapter_id).glob("*.py")]
        )
        source = nbformat.read(ROOT / "solutions" / chapter_id / f"{chapter_id}.ipynb", as_version=4)
        for cell in source.cells:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                leaked = [line for line in solution_lines(cell) if line in shown and line not in given]
                assert not leaked, f"{chapter_id}: reference code on the page: {leaked[:3]}"
        html = (book / "chapters" / f"{chapter_id}.html").read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in html and "HIDDEN TESTS" not in html, chapter_id
