"""The isolated grader: it runs a submission's cases in the sandbox and judges their plain arrays
against the reference's. Nothing here imports mytorch, solutions or nbgrader; runner.py and
cases/ run inside the sandbox and import nothing of the grader."""
