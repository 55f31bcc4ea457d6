"""What the wheel and the sdist hold (built here in-process with hatchling, as `python -m build`
does), where the version comes from, and where built-in data is read. `.ci/run` also builds
both with `python -m build` and runs the installed wheel from outside the tree."""

import re
import sys
import tarfile
import tomllib
import warnings
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

import smtp_sim
from smtp_sim.scenario.builtin import builtin_dir

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

hatchling_build = pytest.importorskip("hatchling.build", reason="the test extra installs hatchling")


def _build(kind: str, directory: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)  # (the backend builds the project in the current folder)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a build that warns fails here
        name = getattr(hatchling_build, f"build_{kind}")(str(directory))
    return directory / name


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    with pytest.MonkeyPatch.context() as mp:
        wheel = _build("wheel", tmp_path_factory.mktemp("wheel"), mp)
    return set(zipfile.ZipFile(wheel).namelist())


@pytest.fixture(scope="module")
def sdist_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    with pytest.MonkeyPatch.context() as mp:
        sdist = _build("sdist", tmp_path_factory.mktemp("sdist"), mp)
    with tarfile.open(sdist) as tar:
        return {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}


def test_the_wheel_ships_every_module_the_lessons_styles_schemas_and_licence(wheel_names):
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "smtp_sim").rglob("*.py")}
    assert modules <= wheel_names, sorted(modules - wheel_names)
    lessons = {f"smtp_sim/lessons/{p.name}" for p in (ROOT / "lessons").glob("*.toml")}
    assert "smtp_sim/lessons/classroom.toml" in lessons
    assert lessons <= wheel_names
    for data in ("smtp_sim/tui/styles/app.tcss", "smtp_sim/schema/lesson.schema.json"):
        assert data in wheel_names
    assert f"smtp_sim-{smtp_sim.__version__}.dist-info/licenses/LICENSE" in wheel_names
    assert not [n for n in wheel_names if n.startswith(("tests/", "lessons/", "smtp_sim/tests"))]


def test_the_sdist_has_what_its_tests_need(sdist_names):
    tests = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "tests").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    assert "tests/conftest.py" in tests
    assert tests <= sdist_names, sorted(tests - sdist_names)
    for needed in (
        "LICENSE",
        "README.md",
        "pyproject.toml",
        "docs/ARCHITECTURE.md",
        "bench/README.md",
        "bench/bench_engine.py",
        "lessons/classroom.toml",
        "CHANGELOG.md",
        "CONTRIBUTING.md",
        ".ci/run",
        ".ci/lowest.txt",
    ):
        assert needed in sdist_names


def test_licence_metadata_is_an_spdx_expression_with_its_file():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert metadata.metadata("smtp-sim")["License-Expression"] == "MIT"
    assert project["authors"] and project["keywords"] and project["urls"]["Repository"]
    assert "Topic :: Communications :: Email" in project["classifiers"]


def test_the_version_is_written_once():
    version = PYPROJECT["project"]["version"]
    assert smtp_sim.__version__ == metadata.version("smtp-sim") == version
    written = [
        p
        for p in (ROOT / "smtp_sim").rglob("*.py")
        if f'"{version}"' in p.read_text(encoding="utf-8")
    ]
    assert written == []


def test_builtin_data_is_read_from_the_package_or_the_checkouts_lessons_folder():
    directory = builtin_dir()
    assert (directory / "classroom.toml").is_file()
    assert directory in (Path(str(smtp_sim.__path__[0])) / "lessons", ROOT / "lessons")


def test_the_web_dependencies_are_an_extra():
    project = PYPROJECT["project"]
    names = [re.split(r"[<>=\[;]", d)[0] for d in project["dependencies"]]
    assert "textual-serve" not in names and "aiohttp" not in names
    web = [re.split(r"[<>=\[;]", d)[0] for d in project["optional-dependencies"]["web"]]
    assert web == ["textual-serve", "aiohttp"]
    assert "smtp-sim[web]" in project["optional-dependencies"]["test"]


def test_the_dev_extra_has_what_a_contributor_needs():
    dev = " ".join(PYPROJECT["project"]["optional-dependencies"]["dev"])
    for tool in ("ruff", "mypy", "textual-dev", "pytest-xdist", "pre-commit", "smtp-sim[test"):
        assert tool in dev


def test_ci_builds_and_installs_the_wheel_outside_the_tree():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m build" in ci
    for smoke in ("lessons", "run classroom", "--solve", "check", "schema", "--version"):
        assert smoke in ci


def test_ci_installs_the_lower_bounds_for_the_lowest_versions_run():
    pinned = {}
    for line in (ROOT / ".ci" / "lowest.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pinned[name.strip()] = version.strip()
    bounds = {}
    for requirement in PYPROJECT["project"]["dependencies"]:
        # (an upper bound may follow: textual>=8.2.7,<9)
        name, bound = re.fullmatch(
            r"([\w-]+)>=([\d.]+)(?:,<[\d.]+)?", requirement.split(";")[0]
        ).groups()
        bounds[name] = bound
    assert set(pinned) == set(bounds)
    for name, bound in bounds.items():  # (7.3 == 7.3.0)
        assert pinned[name].removesuffix(".0") == bound.removesuffix(".0"), name


def test_readme_pictures_and_links_work_where_the_readme_is_shown():
    """PyPI shows README.md without the repository around it: pictures and links to files of
    the repository are absolute URLs into it, and name files that exist."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    repository = PYPROJECT["project"]["urls"]["Repository"]
    raw = repository.replace("https://github.com/", "https://raw.githubusercontent.com/")
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme)
    assert len(pictures) >= 4
    for url in pictures:
        assert url.startswith(f"{raw}/main/"), url
        assert (ROOT / url.removeprefix(f"{raw}/main/")).is_file(), url
    for url in re.findall(r"\]\(([^)#]+)\)", readme):
        assert url.startswith("https://"), f"{url}: a relative link breaks on PyPI"
        if url.startswith(f"{repository}/blob/main/"):
            assert (ROOT / url.removeprefix(f"{repository}/blob/main/")).is_file(), url


def test_slow_marks_the_hypothesis_and_snapshot_tests():
    import subprocess

    def collected(*args: str) -> int:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "--collect-only",
                "-q",
                "-p",
                "no:cacheprovider",
                *args,
            ],
            cwd=ROOT,
            text=True,
            capture_output=True,
        )
        # (-q twice, with addopts': one "FILE: N" line per file)
        return sum(int(n) for n in re.findall(r"^\S+\.py: (\d+)$", done.stdout, re.M))

    snapshots, fuzz = "tests/tui/test_snapshots.py", "tests/protocol/test_fuzz.py"
    assert collected("-m", "not slow", snapshots, fuzz) == 0
    assert collected("-m", "slow", snapshots, fuzz) >= 20  # (9 snapshots, 20 fuzz tests today)
