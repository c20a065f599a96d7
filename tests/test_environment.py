"""The one lock file, pyproject's ranges and environment.yml must agree."""

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]

# conda-forge names that differ from PyPI's
CONDA_TO_PYPI = {"pytorch": "torch", "pyyaml": "pyyaml"}


def read_lock():
    pins = {}
    for number, line in enumerate((ROOT / "requirements.lock").read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        assert match, f"requirements.lock line {number} is not an exact pin: {line!r}"
        pins[canonicalize_name(match[1])] = match[2]
    return pins


def read_environment():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = {}, {}
    for item in env["dependencies"]:
        if isinstance(item, dict):
            for spec in item["pip"]:
                if spec.startswith("-"):
                    continue
                name, version = spec.split("==")
                pip[canonicalize_name(name)] = version
        elif "=" in item:
            name, version = item.split("=", 1)
            conda[canonicalize_name(CONDA_TO_PYPI.get(name, name))] = version.lstrip("=")
    return env, conda, pip


def test_lock_pins_torch_2_13():
    assert read_lock()["torch"] == "2.13.0"


def test_environment_yml_agrees_with_lock():
    env, conda, pip = read_environment()
    lock = read_lock()
    assert env["channels"] == ["conda-forge"]
    disagreements = [
        f"{name}: environment.yml {version} != lock {lock.get(name)}"
        for name, version in {**conda, **pip}.items()
        if name != "python" and lock.get(name) != version
    ]
    assert not disagreements, "\n".join(disagreements)


def test_every_direct_dependency_is_pinned_in_lock_and_environment():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + [s for group in project["optional-dependencies"].values() for s in group]
    lock = read_lock()
    _, conda, pip = read_environment()
    problems = []
    for spec in map(Requirement, specs):
        name = canonicalize_name(spec.name)
        if name not in lock:
            problems.append(f"{name} is in pyproject.toml but not pinned in requirements.lock")
        elif not spec.specifier.contains(lock[name], prereleases=True):
            problems.append(f"{name}: lock pins {lock[name]}, outside pyproject's range {spec.specifier}")
        if name not in conda and name not in pip:
            problems.append(f"{name} is missing from environment.yml")
    assert not problems, "\n".join(problems)


def test_python_version_agrees():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    _, conda, _ = read_environment()
    assert project["requires-python"] == ">=3.11.5"  # the lock's floor: tests/test_docs_commands.py
    assert conda["python"].startswith("3.11")
