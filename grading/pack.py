"""Hand-in zip for students who work in Colab (or anywhere without nbgrader's exchange).

    python -m grading pack CHAPTER [--from DIR] [--out ZIP]

or, from the chapter notebook's last cell, `from grading.pack import pack; pack("backprop")`.
Finds `<CHAPTER>.ipynb` (in DIR, DIR/chapters/<CHAPTER>/ or the course's chapters/<CHAPTER>/)
and the nearest `mytorch/` at or above it, and writes `<CHAPTER>-handin.zip` holding

    <CHAPTER>.ipynb
    mytorch/**.py

at the top level (no caches, no other files), the layout `nbgrader autograde` expects in
submitted/<student>/<CHAPTER>/. Students upload it to the course's LMS; the instructor puts
the LMS download (one `<student_id>_<anything>.zip` per student) in
downloaded/<CHAPTER>/archive/ and runs `nbgrader zip_collect <CHAPTER>` (the collector is
configured in grading/nbgrader_config.py). Save the notebook before packing: the file on
disk is what is zipped.
"""
import argparse
import sys
from pathlib import Path

from .release import ROOT, files_under, zip_bytes

MAX_BYTES = 20 << 20


class PackError(RuntimeError):
    pass


def find_notebook(chapter, start):
    start = Path(start)
    for folder in (start, start / "chapters" / chapter, ROOT / "chapters" / chapter):
        if (folder / f"{chapter}.ipynb").is_file():
            return folder / f"{chapter}.ipynb"
    raise PackError(f"no {chapter}.ipynb in {start}, {start / 'chapters' / chapter} or the course's chapters/")


def find_library(notebook):
    for folder in [notebook.parent, *notebook.parent.parents]:
        if (folder / "mytorch" / "__init__.py").is_file():
            return folder / "mytorch"
    raise PackError(f"no mytorch/ package in {notebook.parent} or above it")


def pack_files(files):
    """Only what a hand-in holds: the notebooks and mytorch's .py files, caches left out."""
    return {path: data for path, data in files.items()
            if path.endswith(".ipynb") or (path.startswith("mytorch/") and path.endswith(".py"))}


def zip_files(files):
    return zip_bytes(files, top="")


def pack(chapter, start=".", out=None):
    """Write the hand-in zip of `chapter`; returns its path."""
    notebook = find_notebook(chapter, start)
    library = find_library(notebook)
    files = {f"{chapter}.ipynb": notebook.read_bytes()}
    files.update({f"mytorch/{rel}": (library / rel).read_bytes() for rel in files_under(library)})
    files = pack_files(files)
    if sum(map(len, files.values())) > MAX_BYTES:
        raise PackError(f"the hand-in would be larger than {MAX_BYTES >> 20} MB: remove large files from mytorch/")
    out = Path(out) if out else Path(start) / f"{chapter}-handin.zip"
    out.write_bytes(zip_files(files))
    print(f"wrote {out}: {chapter}.ipynb and {len(files) - 1} mytorch files. Upload it to the course's LMS.")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading pack", description=__doc__.splitlines()[0])
    parser.add_argument("chapter")
    parser.add_argument("--from", dest="start", type=Path, default=Path("."), help="folder to start from")
    parser.add_argument("--out", type=Path, help="zip to write (default: <CHAPTER>-handin.zip in --from)")
    args = parser.parse_args(argv)
    try:
        pack(args.chapter, args.start, args.out)
    except PackError as err:
        print(f"pack: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
