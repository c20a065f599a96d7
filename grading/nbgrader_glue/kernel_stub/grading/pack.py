"""The stand-in's former name (`from grading.pack import hand_in` in notebooks released before
grading/ was split by job): the same as handin.py here."""

from grading.handin import hand_in  # noqa: F401
