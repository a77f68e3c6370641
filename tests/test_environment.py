"""The pins agree everywhere: pyproject.toml, environment.yml, constraints.txt."""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^\s*-?\s*([A-Za-z0-9_.\-]+)==([^\s#]+)")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"]) + [r for extra in project["optional-dependencies"].values() for r in extra]
    pins = {}
    for req in reqs:
        m = PIN.match(req)
        assert m, f"pyproject.toml: {req!r} is not pinned with =="
        pins[_norm(m.group(1))] = m.group(2)
    return pins


def file_pins(path: Path) -> dict[str, str]:
    return {_norm(m.group(1)): m.group(2) for line in path.read_text().splitlines() if (m := PIN.match(line))}


def test_environment_yml_matches_pyproject():
    assert file_pins(ROOT / "environment.yml") == pyproject_pins()


def test_constraints_agree_with_pyproject():
    constraints = file_pins(ROOT / "constraints.txt")
    for name, version in pyproject_pins().items():
        assert constraints.get(name) == version, \
            f"constraints.txt pins {name}=={constraints.get(name)}, pyproject {version}"


def test_torch_pin_is_the_cpu_wheel_release():
    assert pyproject_pins()["torch"] == "2.13.0"
