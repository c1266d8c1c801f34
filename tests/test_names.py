"""Static name binding (``pytest_ssot.source.names``): what ``ssot fix`` checks its result with."""

from __future__ import annotations

import textwrap

import pytest

from pytest_ssot.source.names import unbound_uses

CASES = {
    "function-global": ("def f():\n    return x\n", {"x": (2,)}),
    "parameter-and-local": ("def f(a):\n    b = a\n    return b\n", {}),
    "class-body-local": ("class C:\n    y = 1\n    z = y + 1\n", {}),
    # A method does not see its class body: Python raises NameError there too.
    "method-reads-class-attribute": (
        "class C:\n    y = 1\n\n    def m(self):\n        return y\n",
        {"y": (5,)},
    ),
    "comprehension-variable": ("X = [i for i in range(3) if i]\n", {}),
    "global-declared-and-assigned": (
        "def setup():\n    global CACHE\n    CACHE = {}\n\n\ndef get():\n    return CACHE\n",
        {},
    ),
    "bound-on-one-branch": (
        "try:\n    import ujson as json\nexcept ImportError:\n    import json\nprint(json)\n",
        {},
    ),
    "builtins-and-module-dunders": ("print(len(__file__), __name__, __doc__)\n", {}),
    "class-dunders": ("class C:\n    where = __module__, __qualname__\n", {}),
    "substring-of-a-bound-name": (
        "EngineConfig = dict\n\n\ndef f() -> Engine:\n    return EngineConfig\n",
        {"Engine": (4,)},
    ),
    # Annotations count on every Python version, future import or not.
    "annotation-under-future-import": (
        "from __future__ import annotations\n\n\ndef f(a: Missing) -> None:\n    pass\n",
        {"Missing": (4,)},
    ),
    "star-import-binds-anything": ("from os.path import *\n\nx = join\ny = whatever\n", {}),
    "decorator-and-base": (
        "@register\nclass C(Base):\n    pass\n",
        {"Base": (2,), "register": (1,)},
    ),
}


@pytest.mark.parametrize(("source", "unbound"), CASES.values(), ids=CASES.keys())
def test_unbound_uses(source: str, unbound: dict[str, tuple[int, ...]]) -> None:
    assert unbound_uses(textwrap.dedent(source)) == unbound
