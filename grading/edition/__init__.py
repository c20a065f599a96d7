"""The student edition: solutions/ -> mytorch/, chapters/ and the student bundle, and the checks
that it holds nothing private (leakcheck) and matches its source (driftcheck)."""
