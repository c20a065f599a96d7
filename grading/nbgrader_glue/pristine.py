"""Pristine copies of submissions: what verify grades, taken once and hashed.

    copy = pristine.keep(submission_dir, store_dir)   # after collect and unpack
    copy.files        # the folder to grade
    copy.changed      # files of the submission that differ from the copy now (a list)
    copy.refused      # why no copy could be taken (a symlink, a special file, too large), or None

The first time a submission is seen (after `nbgrader collect` and `python -m grading unpack`),
its regular files are copied - never following a link - into the store, with the SHA-256 of
each file in manifest.json. Later runs grade that copy, and report every file of the
submission that no longer matches it. A new collect (nbgrader rewrites timestamp.txt) takes a
new copy. The store lives beside submitted/ in the course folder, where no sandbox can write.
"""

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .exchange import SubmissionRefused, safe_copy_tree

MANIFEST = "manifest.json"


@dataclass
class Pristine:
    files: Path = None
    changed: list = field(default_factory=list)
    refused: str = None


def hashes(folder):
    """{relative path: sha256} of every regular file under folder (links are not followed)."""
    found = {}
    for here, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(here) / name
            if path.is_file() and not path.is_symlink():
                found[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _timestamp(submission):
    stamp = Path(submission) / "timestamp.txt"
    return stamp.read_text(errors="replace").strip() if stamp.is_file() and not stamp.is_symlink() else None


def keep(submission, store):
    """The pristine copy of `submission` in `store` (taken now if there is none for this collect)."""
    submission, store = Path(submission), Path(store)
    manifest_path = store / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else None
    if manifest is None or manifest.get("timestamp") != _timestamp(submission):
        shutil.rmtree(store, ignore_errors=True)
        store.mkdir(parents=True)
        try:
            safe_copy_tree(submission, store / "files")
        except SubmissionRefused as exc:
            shutil.rmtree(store, ignore_errors=True)
            return Pristine(refused=exc.reason)
        manifest = {"timestamp": _timestamp(submission), "files": hashes(store / "files")}
        manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")
    now = hashes(submission)
    kept = manifest["files"]
    changed = sorted(p for p in set(now) | set(kept) if now.get(p) != kept.get(p))
    return Pristine(files=store / "files", changed=changed)
