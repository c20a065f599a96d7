"""What a sandboxed autograde kernel finds as `grading` (see grading/sandboxed_autograde.py)."""
