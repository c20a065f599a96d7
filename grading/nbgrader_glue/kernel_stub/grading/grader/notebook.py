"""`grading.grader.notebook` as a sandboxed autograde kernel sees it: the course grader is NOT here.

The hidden test cells call check(...) and score(...). During autograde the kernel runs in the
grader's sandbox, which holds no grader and no reference: each test cell is graded outside the
kernel, by the isolated grader, and its output and points replace whatever the kernel printed.
These stand-ins return nothing, so a number that a test cell shows here was put there by the
notebook itself (the autograde reports it). Standard library only: this file is copied into
the sandbox.
"""

NOTE = "(graded outside this notebook by the course grader: its verdict replaces this output)"


def check(*prefixes, **options):
    print(NOTE)


def score(*prefixes, points, **options):
    print(NOTE)
