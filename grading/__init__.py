"""The course's instructor side: generation of the student edition, grading, nbgrader glue."""
