"""Fixtures shared by every test directory."""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """No test reads or writes the user's own progress, settings or Maildir: the data and
    config folders (platformdirs follows XDG_*) are a fresh temporary folder for the whole run,
    inherited by the subprocesses tests start. A test that left progress behind in the real
    folder made later ones resume a lesson."""
    home = tempfile.mkdtemp(prefix="smtp-sim-tests-")
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        os.environ[name] = os.path.join(home, name.lower())


@pytest.fixture(scope="module")
def bench(request):
    """The benchmark script at the test module's ``BENCH`` path, imported for that module."""
    path = request.module.BENCH
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Property-based (hypothesis) and snapshot tests are marked ``slow``, so
    ``pytest -m "not slow"`` is the fast loop; CI runs everything."""
    for item in items:
        function = getattr(item, "obj", None)
        if getattr(function, "is_hypothesis_test", False) or "snap_compare" in getattr(
            item, "fixturenames", ()
        ):
            item.add_marker(pytest.mark.slow)
