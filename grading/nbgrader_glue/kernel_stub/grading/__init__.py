"""What a sandboxed autograde kernel finds as `grading` (see grading/nbgrader_glue/sandboxed_autograde.py)."""
