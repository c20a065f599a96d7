"""Hand-in zips: a chapter for Colab or LMS upload, and the library for nbgrader's exchange.

    python -m grading pack CHAPTER [--from DIR] [--out ZIP]

or the chapter notebook's last cell, `from grading.handin import hand_in; hand_in(CHAPTER)`.
Finds `<CHAPTER>.ipynb` (in DIR, DIR/chapters/<CHAPTER>/ or the course's chapters/<CHAPTER>/)
and the nearest `mytorch/` at or above it, and writes `handin/<CHAPTER>-handin.zip` in the
course folder (the one holding mytorch/) with

    <CHAPTER>.ipynb
    mytorch/**.py

at the top level (no caches, no other files), the layout `nbgrader autograde` expects in
submitted/<student>/<CHAPTER>/. Students upload it to the course's LMS; the instructor puts
the LMS download (one `<student_id>_<anything>.zip` per student) in
downloaded/<CHAPTER>/archive/ and runs `nbgrader zip_collect <CHAPTER>` (the collector is
configured in grading/nbgrader_config.py). Save the notebook before packing: the file on
disk is what is zipped. In Colab that file is the course's unedited copy (the notebook being
edited lives in the browser), so there the notebook is asked from Colab's editor instead.

On a shared JupyterHub the student fetched the notebook with `nbgrader fetch_assignment`
into a folder of its own (inside the unpacked student bundle, so the setup cell finds
mytorch/ above it), and `nbgrader submit` sends that folder only. There the hand-in writes
`mytorch-handin.zip` (mytorch/**.py) into the assignment folder instead (and the LMS zip only
with --out), so the submission carries the library; `python -m grading unpack` turns it back into mytorch/ on the
instructor's side. A zip and not a mytorch/ copy: a copy there would be the mytorch the
setup cell imports from then on, a stale snapshot of the student's work.

Standard library only: this file (with grading/__init__.py and __main__.py) is the part of
the grading package that ships in the student bundle.
"""

import argparse
import io
import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_BYTES = 20 << 20
LIBRARY_ZIP = "mytorch-handin.zip"  # the library inside an exchange assignment folder
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold; any fixed one would do


class PackError(RuntimeError):
    pass


def find_notebook(chapter, start):
    start = Path(start).resolve()  # the folders above a relative "." are the course
    for folder in (start, start / "chapters" / chapter, ROOT / "chapters" / chapter):
        if (folder / f"{chapter}.ipynb").is_file():
            return folder / f"{chapter}.ipynb"
    raise PackError(f"no {chapter}.ipynb in {start}, {start / 'chapters' / chapter} or the course's chapters/")


def find_library(notebook):
    for folder in [notebook.parent, *notebook.parent.parents]:
        if (folder / "mytorch" / "__init__.py").is_file():
            return folder / "mytorch"
    raise PackError(f"no mytorch/ package in {notebook.parent} or above it")


def library_source(path):
    """Whether a zip path is a source file of mytorch/ (caches, editor checkpoints left out)."""
    folders = path.split("/")[1:-1]
    return (
        path.startswith("mytorch/")
        and path.endswith(".py")
        and not any(folder.startswith(".") or folder == "__pycache__" for folder in folders)
    )


def pack_files(files):
    """Only what a hand-in holds: the notebooks and mytorch's .py files, caches left out."""
    return {path: data for path, data in files.items() if path.endswith(".ipynb") or library_source(path)}


def zip_files(files, top=""):
    """A zip of {path: bytes} (under the folder `top`), byte-identical for identical input."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{top}/{path}" if top else path, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the permissions below mean the same everywhere
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path], compresslevel=9)
    return buffer.getvalue()


def colab_notebook():
    """The notebook open in Colab's editor as .ipynb bytes; None outside Colab."""
    if "google.colab" not in sys.modules:
        return None
    from google.colab import _message  # Colab's own channel to its editor (no public API does this)

    reply = _message.blocking_request("get_ipynb", timeout_sec=60)
    if not reply or "ipynb" not in reply:
        raise PackError("Colab did not hand over the notebook: save it (Ctrl+S) and run this cell again")
    return (json.dumps(reply["ipynb"], indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def pack(chapter, start=".", out=None, notebook=None):
    """Write the hand-in zip of `chapter` and return the path it printed last: handin/<CHAPTER>-handin.zip
    (or `out`), or in a fetched assignment folder its mytorch-handin.zip. `notebook`: the
    notebook's bytes when not the file on disk (Colab)."""
    on_disk = find_notebook(chapter, start)
    library = find_library(on_disk)
    files = {f"{chapter}.ipynb": notebook if notebook is not None else on_disk.read_bytes()}
    files.update(
        {f"mytorch/{path.relative_to(library).as_posix()}": path.read_bytes() for path in library.rglob("*.py")}
    )
    files = pack_files(files)
    if sum(map(len, files.values())) > MAX_BYTES:
        raise PackError(f"the hand-in would be larger than {MAX_BYTES >> 20} MB: remove large files from mytorch/")
    folder = on_disk.parent
    # A clone or the bundle (chapters/<chapter>/), a flat folder, or the instructor's reference
    # (solutions/<chapter>/ beside solutions/mytorch/) need nothing more; any other folder is
    # one of its own (nbgrader's fetch_assignment), and `nbgrader submit` sends it alone: there
    # the library goes into that folder, and the LMS zip only when asked for (--out).
    if folder not in (library.parent, library.parent / "chapters" / chapter) and library.parent.name != "solutions":
        library_zip = folder / LIBRARY_ZIP
        library_zip.write_bytes(zip_files({p: d for p, d in files.items() if library_source(p)}))
        print(
            f"wrote {library_zip}: your {len(files) - 1} mytorch files, for nbgrader to submit "
            f"with {chapter}.ipynb.\nNext: `nbgrader submit {chapter}` in {folder.parent} "
            "(or Submit in the Assignments tab)."
        )
        if out is None:
            return library_zip  # the path printed, which the cell shows as its result
    out = Path(out) if out else library.parent / "handin" / f"{chapter}-handin.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(zip_files(files))
    print(f"wrote {out}: {chapter}.ipynb and {len(files) - 1} mytorch files. Upload it to the course's LMS.")
    return out


def hand_in(chapter, start="."):
    """The chapter notebook's last cell: pack the chapter (the notebook as Colab's editor has it,
    in Colab) and, in Colab, download the zip. A problem is printed, so running every cell of
    the notebook never stops here; returns the zip's path, or None."""
    try:
        out = pack(chapter, start, notebook=colab_notebook())
    except PackError as err:
        print(f"Not packed: {err}")
        return None
    if "google.colab" in sys.modules:
        from google.colab import files

        files.download(str(out))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading pack", description=__doc__.splitlines()[0])
    parser.add_argument("chapter")
    parser.add_argument("--from", dest="start", type=Path, default=Path("."), help="folder to start from")
    parser.add_argument("--out", type=Path, help="zip to write (default: handin/<CHAPTER>-handin.zip next to mytorch/)")
    args = parser.parse_args(argv)
    try:
        pack(args.chapter, args.start, args.out)
    except PackError as err:
        print(f"pack: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
