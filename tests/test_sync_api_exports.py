"""The sync_api package exports every public class and function of its modules, and only those."""

from __future__ import annotations

import inspect
import subprocess
import sys
from types import ModuleType

import resources.sync_api as package
from resources.sync_api import client, errors, models, retry, settings, token

# `http` and `json_fields` are the package's internals: nothing outside it uses them.
PUBLIC_MODULES = (client, errors, models, retry, settings, token)


def public_names(module: ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == module.__name__
    }


def test_every_public_class_and_function_is_exported() -> None:
    defined = set().union(*(public_names(m) for m in PUBLIC_MODULES))

    assert defined <= set(package.__all__)


def test_every_exported_name_exists() -> None:
    assert all(hasattr(package, name) for name in package.__all__)
    assert sorted(package.__all__) == sorted(set(package.__all__))


def test_plain_client_code_does_not_import_dagster() -> None:
    probe = "import sys, resources.sync_api; print('dagster' in sys.modules)"

    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )

    assert result.stdout.strip() == "False"
