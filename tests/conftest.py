"""Test-wide setup: `import mytorch` gives the reference implementation in solutions/.

The student edition (stubs) at the repository root is exercised through notebooks and the
grader, which run it in their own processes.
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
sys.path.insert(0, str(SOLUTIONS))
os.environ.setdefault("MPLBACKEND", "Agg")

import mytorch  # noqa: E402

assert Path(mytorch.__file__).resolve().is_relative_to(SOLUTIONS), (
    f"tests must import the reference mytorch from {SOLUTIONS}, got {mytorch.__file__}")
