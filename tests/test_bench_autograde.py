"""bench/bench_autograde.py's class: larger than the sample class by copies under new ids (the
bench itself runs minutes and is not a test)."""

import importlib.util

from notebooks import ROOT

from grading.mistakes import sample_class

spec = importlib.util.spec_from_file_location("bench_autograde", ROOT / "bench" / "bench_autograde.py")
bench_autograde = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_autograde)


def test_a_class_larger_than_the_sample_repeats_its_students_under_new_ids():
    handed_in_as_folders = [s for s in sample_class.STUDENTS if not s.colab]
    n = len(handed_in_as_folders)
    students = bench_autograde.class_of(2 * n + 1)
    ids = [s.id for s in students]
    assert len(set(ids)) == len(ids) == 2 * n + 1
    assert students[:n] == handed_in_as_folders
    copy, original = students[n + 2], handed_in_as_folders[2]
    assert copy.id == f"{original.id}-2" and students[2 * n].id == f"{handed_in_as_folders[0].id}-3"
    assert (copy.edits, copy.stubs, copy.answers, copy.notebook) == (
        original.edits,
        original.stubs,
        original.answers,
        original.notebook,
    )
    assert bench_autograde.class_of(3) == handed_in_as_folders[:3]
