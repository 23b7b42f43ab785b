"""Every public error class of the package derives from the one root, ``wxnb.Error``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import wxnb
from wxnb.errors import Error


def _public_error_classes() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(wxnb.__path__, prefix="wxnb."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__.startswith("wxnb.")
                and not name.startswith("_")
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def test_every_public_error_derives_from_wxnb_error() -> None:
    classes = _public_error_classes()
    assert len(classes) > 20  # the walk found the package's errors, not an empty list
    strays = sorted(f"{c.__module__}.{c.__qualname__}" for c in classes if not issubclass(c, Error))
    assert strays == []


def test_root_is_exported() -> None:
    assert wxnb.Error is Error
    assert issubclass(wxnb.WxError, wxnb.Error)
