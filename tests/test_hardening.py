"""The catalogue of bad inputs (docs/errors.md): each row's first line and exit code.

Every row is a real pytest session (pytester) or a call of the plain module that the row is
about, asserting what the user sees first. Tests run as root here, so ``chmod 000`` does not
stop a read: unreadable files and folders are simulated by making ``open`` / ``os.scandir``
raise ``PermissionError``.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from pytest_ssot.analysis.audit import (
    SiteMatcher,
    SourceFile,
    audit_tree,
    deprecated_modules,
    scan_source,
    scan_source_reference,
)
from pytest_ssot.analysis.baseline import BaselineError, load_baseline, write_baseline
from pytest_ssot.analysis.purity import MAX_REDIRECT_BYTES, RedirectRules, check_source_purity
from pytest_ssot.analysis.run import audit_contracts, check_purity
from pytest_ssot.domain.model import ImportSite, ObjectPath, RedirectContract
from pytest_ssot.settings.pyproject import load_config
from pytest_ssot.source.tree import TreeSelection
from tests.conftest import write_tree
from tests.test_config import BAD

QUIET = ("-p", "no:hypothesispytest")
CORE = "class Engine:\n    def run(self):\n        return 'ssot'\n"
GOOD = "from app.core import Engine\n"


def contract_toml(
    canonical: str = "app.core:Engine", redirects: str = '["app.old:Engine"]', audit: str = "off"
) -> str:
    return f"""
        [tool.ssot.contracts.engine]
        canonical = "{canonical}"
        redirects = {redirects}
        audit = "{audit}"
    """


def make_project(
    pytester: pytest.Pytester, files: Mapping[str, str], ssot: str | None = None, ini: str = ""
) -> None:
    pyproject = (
        "[tool.pytest.ini_options]\n"
        'pythonpath = ["."]\n'
        + textwrap.dedent(ini)
        + textwrap.dedent(contract_toml() if ssot is None else ssot)
    )
    write_tree(pytester.path, {"app/core.py": CORE, **files, "pyproject.toml": pyproject})


def clean(result: pytest.RunResult) -> None:
    """pytest's own output is intact: no traceback of ours, no internal error."""
    text = "\n".join(result.outlines + result.errlines)
    assert "Traceback" not in text
    assert "INTERNALERROR" not in text


# -- configuration: exit code 4, first line "ERROR: pytest-ssot: <file>: ..." -----------------


@pytest.mark.parametrize(("text", "message"), BAD.values(), ids=BAD.keys())
def test_config_error_is_a_usage_error_with_one_line(
    pytester: pytest.Pytester, text: str, message: str
) -> None:
    (pytester.path / "ssot.toml").write_text(text, encoding="utf-8")
    (pytester.path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    result = pytester.runpytest(*QUIET, "--ssot-config=ssot.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    first = result.errlines[0]
    assert first.startswith(f"ERROR: pytest-ssot: {pytester.path / 'ssot.toml'}: ")
    assert message in "\n".join(result.errlines)
    clean(result)


def test_malformed_pyproject_is_reported_by_pytest_first(pytester: pytest.Pytester) -> None:
    (pytester.path / "pyproject.toml").write_text("[tool.ssot\n")
    result = pytester.runpytest(*QUIET)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.errlines[0].startswith(f"ERROR: {pytester.path / 'pyproject.toml'}: ")
    clean(result)


def test_colonless_canonical_with_object_redirects_suggests_the_colon(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(textwrap.dedent(contract_toml(canonical="app.core.Engine")))
    with pytest.raises(
        Exception, match=r"or if Engine is an object write canonical = 'app\.core:Engine'"
    ):
        load_config(path)


# -- modules: exit code 1, a failed item whose first line names the verdict and the path ------

ROWS = {
    "canonical-module-missing": (
        {"app/old.py": GOOD},
        contract_toml(canonical="app.nope:Engine"),
        [
            "SSOT005 canonical-import-error: app.old:Engine",
            "    the canonical app.nope:Engine cannot be used: ModuleNotFoundError: No module named 'app.nope' (while importing app.nope)",
        ],
    ),
    "canonical-attribute-missing": (
        {"app/old.py": GOOD},
        contract_toml(canonical="app.core:Engin", redirects='["app.old:Engine"]'),
        [
            "SSOT005 canonical-import-error: app.old:Engine",
            "    the canonical app.core:Engin cannot be used: module app.core has no attribute 'Engin' (did you mean 'Engine'?)",
        ],
    ),
    "redirect-without-colon": (
        {"app/old.py": GOOD},
        contract_toml(redirects='["app.old.Engine"]'),
        [
            "SSOT004 import-error: app.old.Engine:Engine",
            "    ModuleNotFoundError: No module named 'app.old.Engine'; 'app.old' is not a package (while importing app.old.Engine); if Engine is an object in app.old, write 'app.old:Engine' in [[]tool.ssot[]] (a colon before the object's name)",
            "SSOT011 no Python source file found for module app.old.Engine on the import path; check the module name, or the pythonpath setting; if Engine is an object in app.old, write 'app.old:Engine' (a colon before the name)",
        ],
    ),
    "redirect-module-missing": (
        {},
        contract_toml(redirects='["app.gone:Engine"]'),
        [
            "SSOT004 import-error: app.gone:Engine",
            "    ModuleNotFoundError: No module named 'app.gone' (while importing app.gone)",
            "SSOT011 no Python source file found for module app.gone on the import path; check the module name, or the pythonpath setting",
        ],
    ),
    "raises-on-import": (
        {
            "app/old.py": "from app.core import Engine\nraise RuntimeError('DATABASE_URL is not set')\n"
        },
        None,
        [
            "SSOT004 import-error: app.old:Engine",
            "    RuntimeError: DATABASE_URL is not set (at app/old.py:2: raise RuntimeError('DATABASE_URL is not set'))",
        ],
    ),
    "sys-exit": (
        {"app/old.py": "import sys\nsys.exit(3)\n"},
        None,
        [
            "SSOT004 import-error: app.old:Engine",
            "    SystemExit(3): the module calls sys.exit() on import (at app/old.py:2: sys.exit(3))",
        ],
    ),
    "circular-import": (
        {
            "app/old.py": "from app.helpers import helper\nfrom app.core import Engine\n",
            "app/helpers.py": "from app.old import Engine\n\ndef helper():\n    return Engine\n",
        },
        None,
        [
            "SSOT004 import-error: app.old:Engine",
            "    ImportError: cannot import name 'Engine' from partially initialized module 'app.old' (most likely due to a circular import) (*) (at app/old.py:1: from app.helpers import helper)",
        ],
    ),
    "syntax-error": (
        {"app/old.py": "from app.core import Engine\nclass (:\n"},
        None,
        [
            "SSOT004 import-error: app.old:Engine",
            "    SyntaxError: invalid syntax*",
            "    look at: app/old.py:2",
            "SSOT011 app/old.py:2: cannot parse: invalid syntax",
        ],
    ),
    "null-bytes": (
        {"app/old.py": "from app.core import Engine\n# \0\n"},
        None,
        [
            "SSOT004 import-error: app.old:Engine",
            "    *Error: source code * cannot contain null bytes*",
            "SSOT011 app/old.py: cannot parse: source code * cannot contain null bytes",
        ],
    ),
}


#: Rows whose redirect module is still a pure redirect: only the identity item fails.
PURE = {"canonical-module-missing", "canonical-attribute-missing", "circular-import"}


@pytest.mark.parametrize(("files", "ssot", "lines"), ROWS.values(), ids=ROWS.keys())
def test_module_row_is_a_failed_item_with_its_reason(
    request: pytest.FixtureRequest,
    pytester: pytest.Pytester,
    files: dict[str, str],
    ssot: str | None,
    lines: list[str],
) -> None:
    make_project(pytester, {**files, "test_user.py": "def test_user():\n    pass\n"}, ssot)
    result = pytester.runpytest(*QUIET)
    result.stdout.fnmatch_lines(lines)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    row = request.node.callspec.id
    # identity (and purity, unless the module is still a pure redirect) fail; the user's test ran
    result.assert_outcomes(passed=1 + (row in PURE), failed=1 + (row not in PURE))
    clean(result)


def test_non_utf8_source_without_a_coding_cookie(pytester: pytest.Pytester) -> None:
    make_project(pytester, {})
    (pytester.path / "app" / "old.py").write_bytes(b"'caf\xe9'\nfrom app.core import Engine\n")
    result = pytester.runpytest(*QUIET)
    result.stdout.fnmatch_lines(
        [
            "SSOT004 import-error: app.old:Engine",
            "    SyntaxError: *",
            "SSOT011 app/old.py:*: cannot parse: *",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_comment_not_valid_in_the_encoding_does_not_stop_the_audit(
    pytester: pytest.Pytester,
) -> None:
    """CPython accepts it, so the file is imported and parsed; the audit used to crash."""
    make_project(pytester, {"app/old.py": GOOD}, ssot=contract_toml(audit="error"))
    (pytester.path / "app" / "api.py").write_bytes(b"from app.old import Engine  # caf\xe9\n")
    result = pytester.runpytest(*QUIET)
    result.stdout.fnmatch_lines(["SSOT020 app/api.py:1:1: from app.old import Engine"])
    result.assert_outcomes(passed=2, failed=1)
    clean(result)


def test_warnings_as_errors_do_not_make_valid_files_unparsable(pytester: pytest.Pytester) -> None:
    """Compiling ``"\\d"`` warns; under ``-W error`` the warning used to become a SyntaxError,
    so purity and the audit called valid files unparsable depending on the command line."""
    make_project(
        pytester,
        {
            "app/old.py": '"""Moved from C:\\dev\\old."""\nfrom app.core import Engine\n',
            "app/api.py": 'PATTERN = "\\d+"\nfrom app.old import Engine\n',
        },
        ssot=contract_toml(audit="error"),
    )
    result = pytester.runpytest(*QUIET, "-W", "error")
    result.stdout.fnmatch_lines(["SSOT020 app/api.py:2:1: from app.old import Engine"])
    result.stdout.no_fnmatch_line("*cannot parse*")
    result.assert_outcomes(passed=2, failed=1)


def test_os_exit_with_isolation(pytester: pytest.Pytester) -> None:
    make_project(pytester, {"app/old.py": "import os\nos._exit(3)\n"})
    result = pytester.runpytest(*QUIET, "--ssot-isolate")
    result.stdout.fnmatch_lines(
        [
            "SSOT004 import-error: app.old:Engine",
            "    the process exited with status 3 while importing app.old (at app/old.py:2: os._exit(3))",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    clean(result)


def test_benign_circular_import_is_fine(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        {
            "app/core.py": "class Engine:\n    pass\n\nfrom app import old  # noqa\n",
            "app/old.py": "from app import core\nEngine = core.Engine\n",
        },
    )
    result = pytester.runpytest(*QUIET, "-k", "identity")
    result.assert_outcomes(passed=1)


BOM_CRLF_TABS = (
    b"\xef\xbb\xbf'''Deprecated: use app.core.'''\r\n"
    b"import warnings\r\n"
    b"from app.core import Engine\r\n"
    b"warnings.warn(\r\n\t'moved' + '" + b"x" * 200_000 + b"',\r\n\tDeprecationWarning,\r\n)\r\n"
)


def test_bom_crlf_tabs_and_a_long_line_are_ordinary_input(pytester: pytest.Pytester) -> None:
    make_project(
        pytester,
        {"app/api.py": "x = 1\n"},
        ssot=contract_toml(audit="error"),
        ini="filterwarnings = ['ignore::DeprecationWarning']\n",
    )
    (pytester.path / "app" / "old.py").write_bytes(BOM_CRLF_TABS)
    (pytester.path / "app" / "api.py").write_bytes(
        b"\xef\xbb\xbf\r\nif True:\r\n\tx = '"
        + b"y" * 200_000
        + b"'\r\n\tfrom app.old import Engine\r\n"
    )
    result = pytester.runpytest(*QUIET)
    result.stdout.fnmatch_lines(
        [
            "SSOT020 app/api.py:4:2: from app.old import Engine",
            "        fix: from app.core import Engine",
        ]
    )
    result.assert_outcomes(passed=2, failed=1)  # identity and purity pass; the site is found


# -- huge and strange files -----------------------------------------------------------------

ENGINE = RedirectContract(
    "engine", ObjectPath("app.core", "Engine"), (ObjectPath("app.old", "Engine"),)
)
MATCHER = SiteMatcher(deprecated_modules([ENGINE]))


def test_a_50_mb_file_is_scanned_in_reasonable_time(tmp_path: Path) -> None:
    filler = b"x = 1\n" * (25_000_000 // 6)
    data = (
        b"import app.old\n"
        + filler
        + b"from app.old import Engine\n"
        + filler
        + b"import app.old as o\n"
    )
    assert len(data) >= 50_000_000
    write_tree(tmp_path, {"app/core.py": CORE, "app/old.py": GOOD})
    (tmp_path / "app" / "big.py").write_bytes(data)
    start = time.monotonic()
    tree = audit_tree(tmp_path, [ENGINE], TreeSelection())
    elapsed = time.monotonic() - start
    middle = 1 + len(filler) // 6 + 1
    assert [(s.path, s.line) for s in tree.sites] == [
        ("app/big.py", 1),
        ("app/big.py", middle),
        ("app/big.py", 2 * middle - 1),
    ]
    assert elapsed < 20  # about 1 s on the 2-core CI machine


def test_purity_does_not_parse_a_huge_module() -> None:
    rules = RedirectRules.for_module("app.old", [ENGINE], ())
    data = b"from app.core import Engine\n" + b"x = 1\n" * (50_000_000 // 6)
    start = time.monotonic()
    result = check_source_purity(data, "app/old.py", rules)
    assert time.monotonic() - start < 1
    (impurity,) = result.impurities
    assert (impurity.kind, impurity.location.line) == ("size", 1)
    assert impurity.message.startswith(
        f"the module is {len(data):,} bytes, far more than a redirect"
    )
    assert len(data) > MAX_REDIRECT_BYTES


def test_symlinks_fifos_and_directories_named_like_modules(tmp_path: Path) -> None:
    write_tree(
        tmp_path, {"app/core.py": CORE, "app/old.py": GOOD, "app/api.py": "import app.old\n"}
    )
    app = tmp_path / "app"
    (app / "loop.py").symlink_to(app / "loop2.py")
    (app / "loop2.py").symlink_to(app / "loop.py")
    (app / ".#api.py").symlink_to("root@host.1234")  # an Emacs lock file: a dangling symlink
    (app / "folder.py").mkdir()
    (app / "folder.py" / "inner.py").write_text("import app.old\n")
    (app / "dirlink.py").symlink_to(app / "folder.py")
    (app / "cycle").symlink_to(app, target_is_directory=True)  # a directory loop
    if hasattr(os, "mkfifo"):
        os.mkfifo(app / "pipe.py")  # reading it would block forever
    tree = audit_tree(tmp_path, [ENGINE], TreeSelection())
    assert [(s.path, s.line) for s in tree.sites] == [
        ("app/api.py", 1),
        ("app/folder.py/inner.py", 1),
    ]
    assert tree.unreadable == ()


def test_unreadable_file_and_folder_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(
        tmp_path,
        {
            "app/core.py": CORE,
            "app/old.py": GOOD,
            "app/api.py": "import app.old\n",
            "app/secret/x.py": "",
        },
    )
    real_open, real_scandir = os.open, os.scandir

    def deny_open(path: str, *args: int) -> int:
        if str(path).endswith("api.py"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args)

    def deny_scandir(path: str) -> object:
        if str(path).endswith("secret"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "open", deny_open)
    monkeypatch.setattr(os, "scandir", deny_scandir)
    tree = audit_tree(tmp_path, [ENGINE], TreeSelection())
    assert tree.unreadable == (
        "app/secret/: cannot list: Permission denied",
        "app/api.py: cannot read: Permission denied",
    )


def test_unreadable_redirect_module_fails_purity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"app/core.py": CORE, "app/old.py": GOOD})
    config = load_config(write_config(tmp_path))
    assert config is not None

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    (result,) = check_purity(config, search_path=[str(tmp_path)]).values()
    assert result.error == f"cannot read {tmp_path / 'app' / 'old.py'}: Permission denied"


def write_config(root: Path, audit: str = "off", extra: str = "") -> Path:
    path = root / "pyproject.toml"
    path.write_text(textwrap.dedent(contract_toml(audit=audit)) + textwrap.dedent(extra))
    return path


# -- static checks never run user code ------------------------------------------------------


def test_purity_and_audit_never_import_user_code(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    hostile = f"open({str(marker)!r}, 'w').close()\nimport os\nos._exit(9)\n"
    write_tree(
        tmp_path,
        {
            "app/__init__.py": hostile,
            "app/core.py": hostile + CORE,
            "app/old.py": hostile + GOOD,
            "app/api.py": hostile + "from app.old import Engine\n",
        },
    )
    config = load_config(write_config(tmp_path, audit="error"))
    assert config is not None
    purity = check_purity(config, search_path=[str(tmp_path)])
    audits = audit_contracts(config)
    assert not purity["app.old"].ok  # the hostile lines are impure, read as text
    assert [s.path for s in audits["engine"].sites] == ["app/api.py"]
    assert not marker.exists()
    assert "app" not in sys.modules


# -- the baseline and the audit cache --------------------------------------------------------

SITE = ImportSite("app/api.py", 1, 1, "engine", "app.old.Engine", "from-import", "x")


def test_corrupt_baseline_names_the_file_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "ssot-baseline.json"
    for content, message in (
        ("{oops", "the baseline is not valid JSON"),
        ('{"version": 2, "contracts": {}}', "not a pytest-ssot baseline of format version 1"),
        ('{"version": 1, "contracts": {"engine": {"a.py": {"k": -1}}}}', "'contracts' must map"),
    ):
        path.write_text(content)
        with pytest.raises(BaselineError, match=f"^{path}: {message}"):
            load_baseline(path)


def test_baseline_of_another_contract_set_is_reported_then_dropped(
    pytester: pytest.Pytester,
) -> None:
    make_project(
        pytester,
        {"app/old.py": GOOD, "app/api.py": "from app.old import Engine\n"},
        ssot=contract_toml(audit="baseline"),
    )
    baseline = {
        "version": 1,
        "contracts": {
            "engine": {"app/api.py": {"from-import app.old.Engine": 1}},
            "old-engine": {"app/api.py": {"from-import app.legacy.Engine": 2}},
        },
    }
    (pytester.path / "ssot-baseline.json").write_text(json.dumps(baseline))
    result = pytester.runpytest(*QUIET)
    result.stdout.fnmatch_lines(
        [
            "SSOT021 ssot-baseline.json records contract(s) 'old-engine' that [[]tool.ssot[]] does "
            "not declare; if a contract was renamed, rename its entry in the baseline, else drop "
            "them with pytest --ssot-update-baseline",
            "*imports (baseline): 1 site(s) (1 production / 0 test), 0 new since baseline, 0 fixed, 1 undeclared contract(s) in the baseline",
        ]
    )
    result.assert_outcomes(passed=2, failed=1)
    pytester.runpytest(*QUIET, "--ssot-update-baseline").assert_outcomes(passed=3)
    written = json.loads((pytester.path / "ssot-baseline.json").read_text())
    assert list(written["contracts"]) == ["engine"]
    pytester.runpytest(*QUIET).assert_outcomes(passed=3)


def test_failed_baseline_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ssot-baseline.json"
    write_baseline(path, {"engine": [SITE]})
    before = path.read_bytes()

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(
        BaselineError,
        match=rf"^{path}: cannot write the baseline \(No space left on device\); the file is unchanged",
    ):
        write_baseline(path, {"engine": []})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ssot-baseline.json"]  # no temporary left


def test_unwritable_baseline_is_a_usage_error(pytester: pytest.Pytester) -> None:
    make_project(pytester, {"app/old.py": GOOD}, ssot=contract_toml(audit="baseline"))
    (pytester.path / "ssot-baseline.json").mkdir()
    result = pytester.runpytest(*QUIET, "--ssot-update-baseline")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.errlines[0] == (
        f"ERROR: pytest-ssot: {pytester.path / 'ssot-baseline.json'}: cannot write the baseline "
        "(Is a directory); the file is unchanged. Check [tool.ssot.audit] baseline and the "
        "folder's permissions"
    )
    clean(result)


def test_failed_cache_write_keeps_the_old_cache_and_the_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(
        tmp_path / "tree",
        {"app/core.py": CORE, "app/old.py": GOOD, "app/api.py": "import app.old\n"},
    )
    cache = tmp_path / "audit.json"
    first = audit_tree(tmp_path / "tree", [ENGINE], TreeSelection(), cache_file=cache)
    before = cache.read_bytes()
    (tmp_path / "tree" / "app" / "more.py").write_text("import app.old\n")

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    second = audit_tree(tmp_path / "tree", [ENGINE], TreeSelection(), cache_file=cache)
    assert len(second.sites) == len(first.sites) + 1
    assert cache.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.json", "tree"]


def test_scanners_agree_on_the_catalogue_sources() -> None:
    where = SourceFile("app/api.py", "app.api")
    for data in (
        BOM_CRLF_TABS,
        b"if x:\n\timport app.old\n",
        b"import app.old\r\n",
        b"# coding: latin-1\nimport app.old # \xe9\n",
    ):
        assert scan_source(data, where, MATCHER) == scan_source_reference(data, where, MATCHER)
