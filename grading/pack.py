"""The hand-in tool's name before grading/ was split by job (December 2026): notebooks released
earlier end with `from grading.pack import hand_in`, and their hand-in must keep working. The
tool itself is grading/handin.py; nothing else may import this name."""

from grading.handin import hand_in, main  # noqa: F401
