"""Build the macro-enabled tracker (SayPro_Tracker.xlsm) from source.

The workbook is the tracker template plus three things Excel runs: buttons on
Home, a VBA project, and a "SayPro" ribbon tab. The VBA project is written
here from plain text (see `vba.py`): xlwings' own module of the installed,
pinned version, the UDF wrappers xlwings' own generator writes for
`saypro_xl.excel.udfs`, and the modules under `macros/`. The ribbon part is
added to the finished zip as the very last step, because no spreadsheet
library keeps a customUI part when it re-saves a file.

Same input, same bytes: xlsxwriter pins every zip timestamp and the document
creation date, and the VBA project has no random parts.
"""

from __future__ import annotations

import importlib
import importlib.resources
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from .. import contract
from ..xlsx import atomic_path, checked, new_workbook
from . import vba
from .vba import VbaModule, VbaProjectError, xlwings_version_of  # noqa: F401  (doctor imports it from here)

UDF_MODULE = "saypro_xl.excel.udfs"
UDF_VBA_MODULE = "xlwings_udfs"  # the name xlwings' "Import Functions" gives its module
DEFAULT_OUTPUT = Path("workbooks") / "SayPro_Tracker.xlsm"
CONFIG_SHEET = "xlwings.conf"  # xlwings' VBA reads a sheet of exactly this name
RIBBON_PART = "customUI/customUI14.xml"
RIBBON_RELATIONSHIP = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
RIBBON_RELATIONSHIP_ID = "rIdSayProRibbon"
BUTTON_MACRO = "SayPro_Button"
DOCUMENT_MODULE_PREFIX = "Sheet"


@dataclass(frozen=True)
class HomeButton:
    caption: str  # SayPro_Button routes on it (macros/SayPro.bas, SayPro_ActionOfCaption)
    action: str  # the handler name in saypro_xl.excel.buttons, or "selftest"
    tip: str


HOME_BUTTONS = (
    HomeButton("Validate", "validate", "Check the tracker; issues go to the Validation sheet."),
    HomeButton("Refresh", "refresh", "Score every KPI and action and stamp the time."),
    HomeButton("Findings report", "findings", "Write the findings report workbook."),
    HomeButton("Timeline", "timeline", "Write the implementation timeline workbook."),
    HomeButton("Agenda", "agenda", "Write a meeting agenda (asks which meeting)."),
    HomeButton("Leadership pack", "pack", "Write the leadership pack workbook."),
    HomeButton("Email pack", "email", "Write the pack and a ready-to-send email."),
    HomeButton("Diagnosis workbook", "diagnosis",
               "Write questions, 5 whys, fishbone and SWOT for gaps without a confirmed cause."),
    HomeButton("Diagnostics", "diagnostics", "Show which Python and packages the buttons use."),
    HomeButton("Self-test (no Python)", "selftest", "Check that macros run, without Python."),
)
HOME_BUTTON_FIRST_ROW = 11  # B12: the template keeps B12:B21 free for the buttons
HOME_BUTTON_COLUMN = 1

CONFIG_ROWS = (("UDF Modules", UDF_MODULE),)
CONFIG_NOTES = (
    "How xlwings reads this sheet: keys in column A from A1 down to the first empty cell, values in column B.",
    "UDF Modules names the Python module whose functions (SAYPRO_STATUS, ...) Excel can call.",
    "To choose the Python that runs the buttons and functions, add a row right under row 1:",
    r"    Windows: Interpreter_Win | full path of python.exe where saypro-xl is installed, e.g. ...\.venv\Scripts\python.exe",
    "    Mac: Interpreter_Mac | full path of python where saypro-xl is installed, e.g. .../.venv/bin/python",
    "    (`saypro-xl doctor` prints that path on its Python line.)",
    "Without such a row, xlwings uses the interpreter from your user xlwings.conf (xlwings add-in or",
    "`xlwings config create`), else the python on the PATH. Never leave a key with an empty value: it hides those.",
    "Mac: the buttons and the ribbon work; custom functions (UDFs) are Windows-only. The tracker's native",
    "formulas give the same results everywhere.",
)


class BuildError(Exception):
    """The macro workbook cannot be built from the sources at hand."""


# ------------------------------------------------------------------- sources


def macros_folder() -> Path:
    """The `macros/` folder: the repository's top-level one in a checkout,
    else the copy pyproject.toml packages as saypro_xl/macros for non-editable installs."""
    checkout = Path(__file__).resolve().parents[2] / "macros"
    if (checkout / "SayPro.bas").is_file():
        return checkout
    packaged = Path(str(importlib.resources.files("saypro_xl") / "macros"))
    if (packaged / "SayPro.bas").is_file():
        return packaged
    raise BuildError("The VBA sources (macros/SayPro.bas) are missing; reinstall saypro-xl from a full checkout.")


def _xlwings_folder() -> Path:
    import xlwings

    return Path(xlwings.__file__).parent


def xlwings_module_source() -> str:
    """xlwings' VBA module (xlwings.bas) exactly as the installed xlwings ships it."""
    return (_xlwings_folder() / "xlwings.bas").read_text(encoding="cp1252")


def dictionary_class_source() -> str:
    """The Dictionary class xlwings' module needs on Mac (no Scripting.Dictionary there)."""
    return (_xlwings_folder() / "addin" / "Dictionary.cls").read_text(encoding="cp1252")


class _WorkbookName:
    """The one attribute of Excel's Workbook that xlwings' generator reads."""

    def __init__(self, name: str):
        self.Name = name


def udf_wrapper_source(module_name: str = UDF_MODULE, workbook_name: str = DEFAULT_OUTPUT.name) -> str:
    """The VBA module xlwings' "Import Functions" would write for `module_name`.

    Same header lines as xlwings.udfs.import_udfs, then xlwings' own
    generate_vba_wrapper, which only needs the workbook's name (a .xlsm calls
    its own ThisWorkbook, an add-in the ActiveWorkbook).
    """
    from .udfs import load_xlwings_udfs

    xlwings_udfs = load_xlwings_udfs()
    from xlwings.utils import VBAWriter

    module = importlib.import_module(module_name)
    out = io.StringIO()
    writer = VBAWriter(out)
    writer.writeln(f'Attribute VB_Name = "{UDF_VBA_MODULE}"')
    writer.writeln("'Autogenerated code by xlwings - changes will be lost with next import!")
    writer.writeln("""#Const App = "Microsoft Excel" 'Adjust when using outside of Excel""")
    xlwings_udfs.generate_vba_wrapper(module_name, module, out, _WorkbookName(workbook_name))
    return out.getvalue()


def macro_module_sources() -> dict[str, str]:
    """File name -> text of every .bas under macros/, in name order."""
    folder = macros_folder()
    return {path.name: path.read_text(encoding="cp1252") for path in sorted(folder.glob("*.bas"))}


def custom_ui_source() -> bytes:
    return (macros_folder() / "customUI14.xml").read_bytes()


def sheet_codenames(sheet_names: list[str]) -> dict[str, str]:
    """Sheet name -> VBA code name (Sheet1, Sheet2...), in tab order."""
    return {name: f"{DOCUMENT_MODULE_PREFIX}{i}" for i, name in enumerate(sheet_names, start=1)}


FUNCTION_HELP_MODULE = "SayPro_FunctionHelp"
# xlwings gives the function wizard its help (Application.MacroOptions) only when
# "Import Functions" runs from Python; a prebuilt workbook registers it on open.
# MacroOptions marks the workbook changed, so Saved is put back as it was: otherwise
# Excel would ask "Save changes?" on every close of an untouched workbook.
WORKBOOK_OPEN_CODE = (
    "Private Sub Workbook_Open()\n"
    "    Dim wasSaved As Boolean\n"
    "    wasSaved = ThisWorkbook.Saved\n"
    "    SayPro_RegisterFunctionHelp\n"
    "    ThisWorkbook.Saved = wasSaved\n"
    "End Sub\n"
)


def function_help_source() -> str:
    """The module that registers each SAYPRO_ function's description and argument help."""
    from .udfs import function_help_vba

    return f'Attribute VB_Name = "{FUNCTION_HELP_MODULE}"\n' + function_help_vba()


def vba_modules(sheet_names: list[str], workbook_name: str = DEFAULT_OUTPUT.name,
                include_xlwings: bool = True) -> list[VbaModule]:
    """Every module of the workbook's VBA project, in the order they are listed.

    `include_xlwings=False` leaves out xlwings' module and its Dictionary class
    (only for the LibreOffice run test: LibreOffice's Basic cannot compile them).
    """
    modules = [vba.document_module("ThisWorkbook", workbook=True, code=WORKBOOK_OPEN_CODE)]
    modules += [vba.document_module(code) for code in sheet_codenames(sheet_names).values()]
    if include_xlwings:
        modules.append(vba.standard_module(xlwings_module_source()))
        modules.append(vba.class_module(dictionary_class_source()))
    modules.append(vba.standard_module(udf_wrapper_source(workbook_name=workbook_name)))
    modules.append(vba.standard_module(function_help_source()))
    modules += [vba.standard_module(text) for text in macro_module_sources().values()]
    return modules


# ------------------------------------------------------------------- workbook


def _tracker(sample: bool):
    if not sample:
        return None
    from ..sample import sample_tracker

    return sample_tracker()


def _add_buttons(home) -> None:
    for i, button in enumerate(HOME_BUTTONS):
        checked(home.insert_button(HOME_BUTTON_FIRST_ROW + i, HOME_BUTTON_COLUMN, {
            "macro": BUTTON_MACRO,
            "caption": button.caption,
            "description": button.tip,
            "width": 200,
            "height": 20,
        }), f"Home button {button.caption}")


def _add_config_sheet(workbook) -> None:
    sheet = workbook.add_worksheet(CONFIG_SHEET)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 28)
    sheet.set_column(3, 3, 100)
    for row, (key, value) in enumerate(CONFIG_ROWS):
        checked(sheet.write_string(row, 0, key), f"{CONFIG_SHEET}!A{row + 1}")
        checked(sheet.write_string(row, 1, value), f"{CONFIG_SHEET}!B{row + 1}")
    for row, note in enumerate(CONFIG_NOTES):
        checked(sheet.write_string(row, 3, note), f"{CONFIG_SHEET}!D{row + 1}")
    sheet.set_tab_color("#A6A6A6")


def _inject_ribbon(path: Path, custom_ui: bytes) -> None:
    """Add customUI/customUI14.xml and its package relationship, keeping every other member as is."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info.filename)) for info in source.infolist()]
    relationship = (
        f'<Relationship Id="{RIBBON_RELATIONSHIP_ID}" Type="{RIBBON_RELATIONSHIP}" '
        f'Target={quoteattr(RIBBON_PART)}/>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename == "_rels/.rels":
                text = data.decode("utf-8")
                if "</Relationships>" not in text:
                    raise BuildError("The workbook's _rels/.rels has no </Relationships> to extend.")
                data = text.replace("</Relationships>", relationship + "</Relationships>").encode("utf-8")
            target.writestr(_fixed_info(info.filename, info.date_time), data)
        # Timestamp and order copied from xlsxwriter's own members: same input, same bytes.
        target.writestr(_fixed_info(RIBBON_PART, members[0][0].date_time), custom_ui)


def _fixed_info(name: str, date_time) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


def check_custom_ui(custom_ui: bytes) -> None:
    """The ribbon XML must parse: Excel silently drops a ribbon it cannot read."""
    import xml.etree.ElementTree as ET

    try:
        ET.fromstring(custom_ui)
    except ET.ParseError as error:
        raise BuildError(f"macros/customUI14.xml is not well-formed XML ({error}).") from None


def build_workbook(path: Path | str = DEFAULT_OUTPUT, sample: bool = False, *,
                   include_xlwings: bool = True) -> Path:
    """Write the macro-enabled tracker to `path` (.xlsm); returns the path.

    `sample=True` fills it with the organisation's sample scenario. The file
    appears whole or not at all. `include_xlwings=False` is for tests only.
    """
    from ..template import populate_tracker_workbook

    final = Path(path)
    if final.suffix.lower() != ".xlsm":
        raise BuildError(f"{final.name}: a macro-enabled workbook must end in .xlsm (e.g. SayPro_Tracker.xlsm).")
    custom_ui = custom_ui_source()
    check_custom_ui(custom_ui)
    with atomic_path(final) as tmp:
        workbook = new_workbook(tmp)
        sheets = populate_tracker_workbook(workbook, _tracker(sample))
        home = sheets.get(contract.HOME_SHEET)
        if home is None:
            raise BuildError(f'The template has no "{contract.HOME_SHEET}" sheet for the buttons.')
        _add_buttons(home)
        _add_config_sheet(workbook)
        names = [sheet.get_name() for sheet in workbook.worksheets()]
        try:
            project = vba.build_vba_project(vba_modules(names, final.name, include_xlwings))
        except VbaProjectError as error:
            raise BuildError(str(error)) from None
        checked(workbook.add_vba_project(io.BytesIO(project), is_stream=True), "the VBA project")
        workbook.set_vba_name("ThisWorkbook")
        for sheet, code_name in zip(workbook.worksheets(), sheet_codenames(names).values()):
            sheet.set_vba_name(code_name)
        workbook.close()
        _inject_ribbon(tmp, custom_ui)  # last: nothing may re-save the file after this
    return final


PROCEDURE = re.compile(r"^\s*(?:Public\s+|Private\s+|Friend\s+)?(?:Static\s+)?(?:Sub|Function)\s+(\w+)\s*\(",
                       re.IGNORECASE | re.MULTILINE)


def procedures_in(source: str) -> set[str]:
    """Names of the Sub and Function procedures a VBA source declares."""
    return set(PROCEDURE.findall(source))
