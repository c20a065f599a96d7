"""The course's instructor side, one sub-package per job (tests/test_import_rules.py keeps them apart).

- `course`: the course root and its chapters, the one place that names them.
- `edition/`: the student edition, generated from solutions/ (regions, release, leak and drift
  checks, the lock file).
- `grader/`: the isolated grader: the checks and their case programs, the sandbox and the runner
  that runs inside it, the diagnosis, the reference's store, the API of the hidden test cells.
  It never imports mytorch, solutions or nbgrader.
- `nbgrader_glue/`: nbgrader's side of grading: the sandboxed autograde, collect and unpack,
  verify, feedback, the Dask engine, the demo and the JupyterHub. It may import the grader.
- `handin`: the hand-in tool, standard library only; it ships to students.
- `mistakes/`: the private half of the exercise catalogue (planted mistakes) and the sample class.
- `nbgrader_config.py`: nbgrader's configuration; it lives here because grading/ is nbgrader's
  course folder.
"""
