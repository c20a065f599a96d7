"""mytorch.gradcheck: numerical gradients and layer checks (filled in by the library work)."""
