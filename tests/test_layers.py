"""Imports only point down the floors of DESIGN.md: core never reaches for a door."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "saypro_xl"


def our_imports(path: Path) -> set[str]:
    """Modules of saypro_xl (and xlwings) that a file imports, anywhere in it."""
    found = set()
    module = "saypro_xl." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module.removesuffix(".__init__")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
                names = [prefix] + [f"{prefix}.{a.name}" for a in node.names]
            else:
                names = [node.module or ""]
        else:
            continue
        found |= {n for n in names if n.startswith(("saypro_xl", "xlwings"))}
    return found


def imports_of(relative: str) -> set[str]:
    return our_imports(PACKAGE / relative)


@pytest.mark.parametrize("core", ["model.py", "contract.py", "rules.py", "rules_frame.py"])
def test_core_imports_no_reader_writer_or_door(core):
    forbidden = ("saypro_xl.read", "saypro_xl.template", "saypro_xl.reports", "saypro_xl.excel",
                 "saypro_xl.cli", "saypro_xl.batch", "saypro_xl.mail", "xlwings")
    assert not {i for i in imports_of(core) if i.startswith(forbidden)}


def test_model_is_the_ground_floor():
    assert imports_of("model.py") == set()


def test_reports_never_read_files_or_reach_for_excel():
    for path in (PACKAGE / "reports").glob("*.py"):
        bad = {i for i in our_imports(path)
               if i.startswith(("saypro_xl.read", "saypro_xl.excel", "saypro_xl.cli", "xlwings"))}
        assert not bad, path.name


def test_only_the_excel_door_imports_xlwings():
    for path in PACKAGE.rglob("*.py"):
        if "excel" in path.relative_to(PACKAGE).parts:
            continue
        assert not {i for i in our_imports(path) if i.startswith("xlwings")}, path.name


def test_nothing_imports_the_cli():
    for path in PACKAGE.rglob("*.py"):
        if path.name != "cli.py":
            assert not {i for i in our_imports(path) if i.startswith("saypro_xl.cli")}, path.name
