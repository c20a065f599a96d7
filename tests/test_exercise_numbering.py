"""One numbering (issue 17, item 3): every exercise has one number and one name everywhere.

The scheme: a chapter's exercises are numbered <chapter>.1, <chapter>.2, ... in the order they
appear in its notebook (a number names the exercise, not the section it sits in; the heading
sits in the section that teaches it). The exercise's name is its visible check's name,
"<chapter>.<exercise>" (e.g. "backprop.mse_loss"); the same name is

- the `check("...")` call of its test cell and the `score("...")` call of its hidden test;
- the prefix of every grader check of it (`grading/grader/checks/<chapter>.py`: "backprop.mse_loss.forward"),
  whose titles all carry the exercise's number ("4.9 MSELoss.forward"), listed in exercise order;
- what the catalogue names: the public half (solutions/mytorch/testing/catalogue/) by the
  exercise's number, the planted mistakes (grading/mistakes/) by the number of every check each
  must fail;
- and the library stubs' "exercise <number> <title>" agree with the grader's titles.
"""

import json
import re

import pytest
from notebooks import ROOT, source_notebooks

from grading import mistakes
from grading.grader.checks import all_checks
from mytorch.testing.registry import CHECKS as VISIBLE

SOURCES = source_notebooks()
NUMBER = re.compile(r"\b(\d+)\.(\d+)\b")


def cells(chapter_id):
    nb = json.loads((ROOT / "solutions" / chapter_id / f"{chapter_id}.ipynb").read_text())
    return [(c["cell_type"], "".join(c["source"]), c["metadata"].get("nbgrader", {})) for c in nb["cells"]]


def heading_numbers(line, chapter):
    """The exercise numbers of one "### Exercise(s) ..." heading ("4.2 to 4.7" is a range)."""
    numbers = [int(k) for n, k in NUMBER.findall(line) if int(n) == chapter]
    if re.search(r"\d to \d", line) and len(numbers) == 2:
        numbers = list(range(numbers[0], numbers[1] + 1))
    return numbers


def exercises(chapter_id):
    """[(number, [visible check names of its test cells])] in the order of the notebook."""
    chapter = SOURCES.index(next(s for s in SOURCES if s[0] == chapter_id)) + 1
    found, current = [], []
    for kind, text, meta in cells(chapter_id):
        if kind == "markdown":
            for line in text.splitlines():
                if re.match(r"#+ Exercises? ", line):
                    current = heading_numbers(line, chapter)
                    found.append((current, []))
        elif meta.get("grade") and not meta.get("solution"):
            visible = re.findall(r'^check\("([\w.]+)"', text, flags=re.M)
            hidden = [
                n
                for call in re.findall(r'score\(((?:"[\w.]+",\s*)+)points', text)
                for n in re.findall(r'"([\w.]+)"', call)
            ]
            assert visible and sorted(visible) == sorted(hidden), (chapter_id, visible, hidden)
            assert found, f"{chapter_id}: a test cell before any exercise heading: {visible}"
            found[-1][1].extend(visible)
    return chapter, found


@pytest.mark.parametrize("chapter_id", [cid for cid, _ in SOURCES])
def test_exercises_are_numbered_in_order_of_appearance(chapter_id):
    chapter, found = exercises(chapter_id)
    numbers = [n for heading, _ in found for n in heading]
    assert numbers == list(range(1, len(numbers) + 1)), f"{chapter_id}: exercises appear as {numbers}"
    assert all(names for _, names in found), f"{chapter_id}: an exercise heading without a test cell"


@pytest.mark.parametrize("chapter_id", [cid for cid, _ in SOURCES])
def test_notebook_visible_check_grader_and_catalogue_name_an_exercise_alike(chapter_id):
    chapter, found = exercises(chapter_id)
    names = [name for _, group in found for name in group]
    assert len(names) == len(set(names)), names
    assert set(names) == {n for n in VISIBLE if n.split(".")[0] == chapter_id}, "notebook vs visible checks"
    checks = all_checks(chapter_id)
    number_of = {}
    for heading, group in found:
        for name in group:
            mine = [c for c in checks if c.id == name or c.id.startswith(name + ".")]
            assert mine, f"no grader check is named {name} (grader ids: {[c.id for c in checks]})"
            numbers = {c.exercise.split()[0] for c in mine}
            assert len(numbers) == 1 and numbers <= {f"{chapter}.{n}" for n in heading}, (name, numbers, heading)
            number_of.update({c.id: c.exercise.split()[0] for c in mine})
    assert set(number_of) == {c.id for c in checks}, "grader checks that no notebook exercise names"
    order = [int(number_of[c.id].split(".")[1]) for c in checks]
    assert order == sorted(order), f"{chapter_id}: the grader lists its checks out of exercise order"
    titles = {c.exercise for c in checks}
    for m in mistakes.MISTAKES.get(chapter_id, []):
        assert m.number in {t.split()[0] for t in titles}, (m.key, m.exercise)
        for check_id in m.fails:
            assert number_of[f"{chapter_id}.{check_id}"] == m.number, (m.key, check_id)


def test_library_stubs_use_the_grader_titles():
    titles = {c.exercise for c in all_checks()}
    region = re.compile(r"### BEGIN SOLUTION \| chapter (\d) \((\w+)\) \| exercise (\d+\.\d+) ([^|]+?) *\|")
    files = sorted((ROOT / "solutions" / "mytorch").rglob("*.py"))
    seen = 0
    for path in files:
        text = path.read_text()
        regions = region.findall(text)
        for chapter, chapter_id, number, title in regions:
            assert SOURCES[int(chapter) - 1][0] == chapter_id, (path, chapter, chapter_id)
            assert any(t.startswith(f"{number} {title}") for t in titles), (path.name, number, title)
            seen += 1
        own = {number for _, _, number, _ in regions}
        chapters = {number.split(".")[0] for number in own}
        for number in re.findall(r"[Ee]xercises? (\d+\.\d+)", text):  # docstrings, comments: same chapter
            assert number.split(".")[0] not in chapters or number in own, (
                f"{path.name} mentions exercise {number} but holds the stubs of {sorted(own)}"
            )
    assert seen > 30
