"""The macro-enabled tracker built from source: VBA project, buttons, ribbon, xlwings.conf.

Independent readers check what `saypro_xl.excel.build` writes: oletools'
olevba decodes the VBA project, openpyxl reads the sheets, the standard
library parses the ribbon XML, and LibreOffice headless opens the workbook,
lists its VBA modules and runs SayPro_SelfTest.
"""

from __future__ import annotations

import inspect
import io
import json
import random
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import olefile
import openpyxl
import pytest
import xlwings
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from saypro_xl.excel import buttons, vba
from saypro_xl.excel.build import (
    BUTTON_MACRO,
    CONFIG_SHEET,
    HOME_BUTTONS,
    RIBBON_PART,
    RIBBON_RELATIONSHIP,
    UDF_MODULE,
    UDF_VBA_MODULE,
    BuildError,
    build_workbook,
    procedures_in,
)
from saypro_xl.excel.udfs import load_xlwings_udfs
from saypro_xl.excel.vba import VbaProjectError, xlwings_version_of

sys.path.insert(0, str(Path(__file__).parent))
import lo_recalc  # noqa: E402  (finds soffice and the UNO Python; shared with the recalculation proof)

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "workbooks" / "SayPro_Tracker.xlsm"
CUSTOM_UI_NS = "{http://schemas.microsoft.com/office/2009/07/customui}"
XLWINGS_DIR = Path(xlwings.__file__).parent
SAYPRO_BAS = REPO / "macros" / "SayPro.bas"


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("xlsm") / "SayPro_Tracker.xlsm", sample=True)


@pytest.fixture(scope="module")
def decoded(built) -> dict[str, str]:
    """Module name -> source text, as oletools' olevba decodes the built workbook."""
    parser = VBA_Parser(str(built))
    try:
        return {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_all_macros()}
    finally:
        parser.close()


def sheet_names(path: Path) -> list[str]:
    return openpyxl.load_workbook(path, read_only=True).sheetnames


# ----------------------------------------------------------- olevba decodes the sources


def test_project_holds_exactly_the_expected_modules(built, decoded):
    codenames = [f"Sheet{i}" for i in range(1, len(sheet_names(built)) + 1)]
    assert list(decoded) == ["ThisWorkbook", *codenames, "xlwings", "Dictionary", UDF_VBA_MODULE,
                             "SayPro_FunctionHelp", "SayPro"]


def test_workbook_open_registers_function_wizard_help_for_every_udf(decoded):
    from saypro_xl.excel.udfs import function_help_vba, saypro_functions

    assert decoded["ThisWorkbook"].endswith(
        "Private Sub Workbook_Open()\r\n"
        "    Dim wasSaved As Boolean\r\n"
        "    wasSaved = ThisWorkbook.Saved\r\n"
        "    SayPro_RegisterFunctionHelp\r\n"
        "    ThisWorkbook.Saved = wasSaved\r\n"
        "End Sub\r\n")
    help_module = decoded["SayPro_FunctionHelp"]
    assert help_module == crlf('Attribute VB_Name = "SayPro_FunctionHelp"\n' + function_help_vba())
    for name in saypro_functions():
        assert f"'!{name}\", _" in help_module


def test_workbook_open_puts_saved_back_around_every_macro_options_call(decoded):
    # Application.MacroOptions marks the workbook changed; without restoring Saved, Excel
    # would ask "Save changes?" on closing a workbook nobody touched.
    callers = [name for name, code in decoded.items() if "Application.MacroOptions" in code]
    assert callers == ["SayPro_FunctionHelp"]
    body = re.search(r"Private Sub Workbook_Open\(\)\r\n(.*?)End Sub", decoded["ThisWorkbook"], re.DOTALL)
    lines = [line.strip() for line in body.group(1).split("\r\n") if line.strip()]
    assert lines == ["Dim wasSaved As Boolean", "wasSaved = ThisWorkbook.Saved",
                     "SayPro_RegisterFunctionHelp", "ThisWorkbook.Saved = wasSaved"]
    # The only other caller of the registering Sub would escape the restore: there is none.
    calls = [name for name, code in decoded.items()
             if re.search(r"^\s*(?:Call\s+)?SayPro_RegisterFunctionHelp\b", code, re.M)]
    assert calls == ["ThisWorkbook"]


def test_macro_module_decodes_to_its_source_file(decoded):
    assert decoded["SayPro"] == crlf(SAYPRO_BAS.read_text(encoding="cp1252"))


def test_every_module_in_macros_folder_is_in_the_project(decoded):
    for path in sorted((REPO / "macros").glob("*.bas")):
        text = crlf(path.read_text(encoding="cp1252"))
        name = re.match(r'Attribute VB_Name = "(\w+)"', text).group(1)
        assert decoded[name] == text, path.name


def test_xlwings_module_is_the_installed_pinned_one_byte_for_byte(decoded):
    shipped = (XLWINGS_DIR / "xlwings.bas").read_text(encoding="cp1252")
    assert decoded["xlwings"] == crlf(shipped)
    assert f'Public Const XLWINGS_VERSION As String = "{xlwings.__version__}"' in decoded["xlwings"]
    assert xlwings.__version__ == "0.37.8"  # pyproject pins it; the workbook must follow


def test_dictionary_class_is_stored_as_the_vba_editor_imports_it(decoded):
    exported = crlf((XLWINGS_DIR / "addin" / "Dictionary.cls").read_text(encoding="cp1252"))
    header = "VERSION 1.0 CLASS\r\nBEGIN\r\n  MultiUse = -1  'True\r\nEND\r\n"
    assert exported.startswith(header)
    stored = decoded["Dictionary"].split("\r\n")
    # The editor drops the export header and adds exactly these three attributes.
    added = {
        1: 'Attribute VB_Base = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"',
        6: "Attribute VB_TemplateDerived = False",
        7: "Attribute VB_Customizable = False",
    }
    for index, line in added.items():
        assert stored[index] == line
    kept = [line for index, line in enumerate(stored) if index not in added]
    assert kept == exported[len(header):].split("\r\n")


def test_udf_wrappers_equal_xlwings_own_generator(decoded):
    xlwings_udfs = load_xlwings_udfs()
    import saypro_xl.excel.udfs as udfs

    class Book:  # the generator reads only the workbook's name
        Name = "SayPro_Tracker.xlsm"

    out = io.StringIO()
    xlwings_udfs.generate_vba_wrapper(UDF_MODULE, udfs, out, Book())
    header = [
        f'Attribute VB_Name = "{UDF_VBA_MODULE}"',
        "'Autogenerated code by xlwings - changes will be lost with next import!",
        """#Const App = "Microsoft Excel" 'Adjust when using outside of Excel""",
    ]
    import_source = inspect.getsource(xlwings_udfs.import_udfs)
    for line in header:  # the same three lines xlwings' "Import Functions" writes first
        assert repr(line)[1:-1] in import_source or line in import_source
    expected = crlf("\n".join(header) + "\n" + out.getvalue())
    assert decoded[UDF_VBA_MODULE] == expected
    for name in ("SAYPRO_TARGET", "SAYPRO_GAP", "SAYPRO_GAP_PCT", "SAYPRO_STATUS", "SAYPRO_TREND",
                 "SAYPRO_HEALTH", "SAYPRO_STATUS_TABLE", "SAYPRO_PARETO"):
        assert f'XLPy.CallUDF("{UDF_MODULE}", "{name}"' in expected


def test_document_modules_match_the_sheet_code_names(built, decoded):
    names = sheet_names(built)
    with zipfile.ZipFile(built) as archive:
        workbook_xml = archive.read("xl/workbook.xml").decode()
        assert '<workbookPr codeName="ThisWorkbook"' in workbook_xml
        for i in range(1, len(names) + 1):
            assert f'<sheetPr codeName="Sheet{i}"' in archive.read(f"xl/worksheets/sheet{i}.xml").decode()
    for code_name, base in [("ThisWorkbook", "00020819"), ("Sheet1", "00020820")]:
        assert decoded[code_name].startswith(
            f'Attribute VB_Name = "{code_name}"\r\n'
            f'Attribute VB_Base = "0{{{base}-0000-0000-C000-000000000046}}"\r\n'
            "Attribute VB_GlobalNameSpace = False\r\nAttribute VB_Creatable = False\r\n"
            "Attribute VB_PredeclaredId = True\r\nAttribute VB_Exposed = True\r\n"
            "Attribute VB_TemplateDerived = False\r\nAttribute VB_Customizable = True\r\n"
        )
    assert decoded["Sheet1"].endswith("Attribute VB_Customizable = True\r\n")  # sheets hold no code


def test_project_is_source_only_so_excel_compiles_it(built):
    with zipfile.ZipFile(built) as archive:
        project = olefile.OleFileIO(io.BytesIO(archive.read("xl/vbaProject.bin")))
    header = project.openstream("VBA/_VBA_PROJECT").read()
    assert header == bytes.fromhex("CC61FFFF000100")  # Version 0xFFFF: no p-code, compile from source
    text = project.openstream("PROJECT").read().decode("cp1252")
    lines = dict(line.split("=", 1) for line in text.split("\r\n") if "=" in line and not line.startswith("&H"))
    assert vba.decrypt_project_value(lines["CMG"].strip('"')) == b"\0\0\0\0"  # not protected
    assert vba.decrypt_project_value(lines["DPB"].strip('"')) == b"\0"  # no password
    assert vba.decrypt_project_value(lines["GC"].strip('"')) == b"\xff"  # visible
    assert "Module=SayPro" in text and "Class=Dictionary" in text and "Document=ThisWorkbook/&H00000000" in text


def dir_records(directory: bytes, stop: int) -> list[tuple[int, bytes]]:
    """(Id, bytes after the Id) of each record of a decompressed dir stream, up to Id `stop`."""
    records, pos = [], 0
    while True:
        record_id, size = struct.unpack_from("<HI", directory, pos)
        if record_id == 0x0009:  # PROJECTVERSION: Reserved where a size would be, then 6 bytes
            size = 6
        records.append((record_id, directory[pos + 2 : pos + 6 + size]))
        pos += 6 + size
        if record_id == stop:
            return records


def dir_stream_of(workbook: Path) -> bytes:
    with zipfile.ZipFile(workbook) as archive:
        project = olefile.OleFileIO(io.BytesIO(archive.read("xl/vbaProject.bin")))
    return decompress_stream(bytearray(project.openstream("VBA/dir").read()))


def test_dir_stream_has_projectcompatversion_right_after_syskind(built):
    directory = dir_stream_of(built)
    # [MS-OVBA] 2.3.4.2.1: SysKind, then the optional CompatVersion, then LCID. Each record is
    # Id (2 bytes), Size (4) and its value: SysKind 3 (64-bit Windows), CompatVersion 5,
    # LCID 0x0409 (en-US), all little-endian.
    assert directory[:30] == bytes.fromhex(
        "0100" "04000000" "03000000"
        "4a00" "04000000" "05000000"
        "0200" "04000000" "09040000")
    assert directory.count(bytes.fromhex("4a00" "04000000")) == 1
    # PROJECTVERSION as the comment in vba.py says: Id 9, Reserved 4, VersionMajor 1, VersionMinor 0.
    records = dict(dir_records(directory, stop=0x0009))
    assert records[0x0009] == bytes.fromhex("04000000" "01000000" "0000")


def test_dir_stream_project_information_is_in_excel_own_order(built):
    # xlwings' quickstart.xlsm was saved by Excel: its project information records are
    # the order Excel writes, CompatVersion included.
    excel_saved = dir_stream_of(XLWINGS_DIR / "quickstart.xlsm")
    ours = dir_stream_of(built)
    excel_ids = [record_id for record_id, _ in dir_records(excel_saved, stop=0x000C)]
    assert excel_ids == [0x0001, 0x004A, 0x0002, 0x0014, 0x0003, 0x0004, 0x0005, 0x0040, 0x0006, 0x003D,
                         0x0007, 0x0008, 0x0009, 0x000C]
    assert [record_id for record_id, _ in dir_records(ours, stop=0x000C)] == excel_ids
    assert dict(dir_records(excel_saved, stop=0x000C))[0x004A] == bytes.fromhex("04000000" "05000000")


def test_doctor_reads_the_embedded_xlwings_version(built, tmp_path):
    assert xlwings_version_of(built) == xlwings.__version__
    plain = tmp_path / "plain.xlsx"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert xlwings_version_of(plain) is None
    not_a_workbook = tmp_path / "notes.xlsm"
    not_a_workbook.write_text("hello")
    with pytest.raises(VbaProjectError, match="notes.xlsm: not a readable macro workbook"):
        xlwings_version_of(not_a_workbook)


def test_first_open_guide_names_the_six_excel_checks_and_how_to_report():
    guide = (REPO / "docs" / "excel-first-open.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", guide, re.M)
    assert headings == [
        "1. It opens without a repair prompt",
        "2. Debug → Compile VBAProject is clean",
        "3. A saved copy carries compiled code",
        "4. The Self-test, then one ribbon button",
        "5. It closes without a \"Save changes?\" prompt",
        "6. Typing stays quick in a big tracker",
        "How to report the result",
    ]
    # Check 3 says where the version is: bytes 2-3 of _VBA_PROJECT, 0xFFFF as built.
    assert "bytes 2-3 of the `VBA/_VBA_PROJECT` stream" in guide and "`cc 61 ff ff`" in guide
    report = guide.split("## How to report the result")[1]
    for field in ("Excel:", "Windows:", "bitness", "pass / fail", "screenshot", "issue"):
        assert field in report, field
    assert "[docs/excel-first-open.md](docs/excel-first-open.md)" in (REPO / "README.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------ buttons and ribbon


def all_procedures(decoded) -> set[str]:
    return set().union(*(procedures_in(code) for code in decoded.values()))


def test_home_buttons_call_the_dispatcher_which_knows_every_caption(built, decoded):
    with zipfile.ZipFile(built) as archive:
        vml = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".vml"))
    macros = re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)
    assert macros == [BUTTON_MACRO] * len(HOME_BUTTONS)
    assert BUTTON_MACRO in all_procedures(decoded)
    captions = re.findall(r"<font [^>]*>([^<]+)</font>", vml)
    assert captions == [button.caption for button in HOME_BUTTONS]
    routes = dict(re.findall(r'Case "([^"]+)": SayPro_ActionOfCaption = "(\w*)"', decoded["SayPro"]))
    assert routes == {button.caption: button.action for button in HOME_BUTTONS}


def test_every_python_call_names_a_button_handler_and_every_handler_is_reachable(decoded):
    called = re.findall(r'RunPython "import saypro_xl\.excel\.buttons as b; b\.(\w+)\(', decoded["SayPro"])
    assert set(called) == set(buttons.HANDLERS)
    for name in called:
        assert callable(getattr(buttons, name))
    run_body = re.search(r"Public Sub SayPro_Run\(.*?End Sub", decoded["SayPro"], re.DOTALL).group(0)
    routed = set(re.findall(r'Case "(\w+)": RunPython', run_body))
    actions = {b.action for b in HOME_BUTTONS} - {"agenda", "selftest"}  # agenda asks first
    assert actions == routed


def test_agenda_passes_only_known_meeting_kinds_to_python(decoded):
    passed = re.findall(r"b\.agenda\('([\w-]+)'\)", decoded["SayPro"])
    assert passed == ["follow-up", "weekly", "monthly"]
    assert [buttons.meeting_kind(kind) for kind in passed] == passed


def test_ribbon_part_is_present_related_and_well_formed(built):
    with zipfile.ZipFile(built) as archive:
        names = archive.namelist()
        assert names[-1] == RIBBON_PART  # added last, after xlsxwriter closed the file
        ui = ET.fromstring(archive.read(RIBBON_PART))
        rels = ET.fromstring(archive.read("_rels/.rels"))
        types = archive.read("[Content_Types].xml").decode()
    assert ui.tag == f"{CUSTOM_UI_NS}customUI"
    ribbon_rels = [r for r in rels if r.get("Type") == RIBBON_RELATIONSHIP]
    assert [r.get("Target") for r in ribbon_rels] == [RIBBON_PART]
    assert len({r.get("Id") for r in rels}) == len(rels)
    assert '<Default Extension="xml" ContentType="application/xml"/>' in types
    tab = ui.find(f"{CUSTOM_UI_NS}ribbon/{CUSTOM_UI_NS}tabs/{CUSTOM_UI_NS}tab")
    assert tab.get("label") == "SayPro"
    layout = {
        group.get("label"): [button.get("label") for button in group.findall(f"{CUSTOM_UI_NS}button")]
        for group in tab.findall(f"{CUSTOM_UI_NS}group")
    }
    assert layout == {
        "Data": ["Validate", "Refresh"],
        "Reports": ["Findings", "Timeline", "Agenda", "Pack", "Email", "Diagnosis"],
        "Help": ["Diagnostics"],
    }
    assert all(b.get("imageMso") for b in tab.iter(f"{CUSTOM_UI_NS}button"))


def test_every_ribbon_action_names_a_procedure_and_every_id_is_routed(built, decoded):
    with zipfile.ZipFile(built) as archive:
        ui = ET.fromstring(archive.read(RIBBON_PART))
    controls = list(ui.iter(f"{CUSTOM_UI_NS}button"))
    actions = {c.get("onAction") for c in controls}
    assert actions == {"SayPro_Ribbon"}
    assert actions <= all_procedures(decoded)
    assert re.search(r"Sub SayPro_Ribbon\(control As IRibbonControl\)", decoded["SayPro"])
    routes = dict(re.findall(r'Case "(\w+)": SayPro_ActionOfControl = "(\w+)"', decoded["SayPro"]))
    assert routes == {c.get("id"): c.get("id").removeprefix("SayPro").lower() for c in controls}
    assert set(routes.values()) == set(buttons.HANDLERS)


def test_procedure_parser_reads_vba_declarations():
    source = "Sub A()\r\nPublic Function B(x)\r\nPrivate Sub C ()\r\n' Sub D()\r\nEnd Sub\r\nx = \"Sub E(\"\r\n"
    assert procedures_in(source) == {"A", "B", "C"}


# -------------------------------------------------------------------------- xlwings.conf


def test_xlwings_conf_sheet_names_the_udf_module_and_nothing_blank(built):
    sheet = openpyxl.load_workbook(built)[CONFIG_SHEET]
    assert (sheet["A1"].value, sheet["B1"].value) == ("UDF Modules", UDF_MODULE)
    # xlwings reads keys from A1 down to the first empty cell; a blank value would hide
    # the user's own interpreter setting, so no key is written without a value.
    assert sheet["A2"].value is None
    notes = " ".join(str(c.value) for c in sheet["D"] if c.value)
    assert "Interpreter_Win" in notes and "Interpreter_Mac" in notes
    __import__(UDF_MODULE)
    xlwings_bas = (XLWINGS_DIR / "xlwings.bas").read_text(encoding="cp1252")
    for key in ("UDF MODULES", "INTERPRETER_WIN", "INTERPRETER_MAC"):
        assert f'GetConfig("{key}"' in xlwings_bas  # the keys this xlwings version looks up
    assert 'Public Const PROJECT_NAME As String = "xlwings"' in xlwings_bas  # sheet "xlwings.conf"


# ------------------------------------------------------------------------ determinism


def zip_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_same_input_gives_the_same_bytes(tmp_path):
    first = build_workbook(tmp_path / "a" / "SayPro_Tracker.xlsm")
    second = build_workbook(tmp_path / "b" / "SayPro_Tracker.xlsm")
    assert first.read_bytes() == second.read_bytes()


def test_committed_workbook_equals_a_fresh_build(tmp_path):
    fresh = build_workbook(tmp_path / "SayPro_Tracker.xlsm")
    committed, rebuilt = zip_members(COMMITTED), zip_members(fresh)
    assert list(committed) == list(rebuilt)
    stale = [name for name in rebuilt if committed[name] != rebuilt[name]]
    assert stale == [], "workbooks/SayPro_Tracker.xlsm is stale: run `saypro-xl build-workbook`"


def test_a_non_xlsm_name_is_refused(tmp_path):
    with pytest.raises(BuildError, match="must end in .xlsm"):
        build_workbook(tmp_path / "tracker.xlsx")
    assert not (tmp_path / "tracker.xlsx").exists()


# ---------------------------------------------------------------- the VBA project writer


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3500) | st.text(alphabet="Dim x As Long\r\n'()=\"", max_size=20000).map(str.encode))
def test_compression_round_trips_through_olevba(data):
    container = vba.compress(data)
    assert decompress_stream(bytearray(container)) == data
    assert vba.decompress(container) == data


def test_incompressible_data_is_stored_raw_or_refused():
    noise = random.Random(4).randbytes(4096 * 2)
    assert vba.decompress(vba.compress(noise)) == noise  # whole chunks: raw, exact
    with pytest.raises(VbaProjectError, match="not compressible text"):
        vba.compress(noise[:4000])  # a partial raw chunk would come back padded


def test_compression_actually_compresses_source_text():
    source = (XLWINGS_DIR / "xlwings.bas").read_bytes()
    assert len(vba.compress(source)) < len(source) // 2


def test_project_values_round_trip():
    project_id = "{5CF9CDAB-B77B-4FE4-BD7E-D29900070E1B}"
    for data in (b"\0\0\0\0", b"\0", b"\xff", b"secret"):
        for seed in (0x00, 0x8D, 0xFF):
            assert vba.decrypt_project_value(vba.encrypt_project_value(project_id, data, seed)) == data
    # Values Excel itself wrote (xlwings' quickstart_standalone.xlsm) decode the same way.
    assert vba.decrypt_project_value("8D8FA61394EA98EA98EA98EA98") == b"\0\0\0\0"
    assert vba.decrypt_project_value("8D8FA61394EF95EF9510") == b"\xff"


def test_compound_file_with_many_streams_reads_back_with_olefile():
    modules = [vba.document_module("ThisWorkbook", workbook=True)]
    modules += [vba.standard_module(f'Attribute VB_Name = "M{i}"\nSub P{i}()\nEnd Sub\n' * (1 + i * 40))
                for i in range(40)]
    data = vba.build_vba_project(modules)
    project = olefile.OleFileIO(io.BytesIO(data))
    assert sorted(project.listdir()) == sorted(
        [["PROJECT"], ["PROJECTwm"], ["VBA", "_VBA_PROJECT"], ["VBA", "dir"]]
        + [["VBA", m.name] for m in modules])
    assert vba.read_module_sources(data) == {m.name: m.code for m in modules}


def test_module_names_and_text_are_checked():
    with pytest.raises(VbaProjectError, match="not a valid VBA name"):
        vba.VbaModule("2nd module", "module", "")
    with pytest.raises(VbaProjectError, match="must start with Attribute VB_Name"):
        vba.standard_module("Sub A()\nEnd Sub\n")
    with pytest.raises(VbaProjectError, match="not in code page 1252"):
        vba.build_vba_project([vba.standard_module('Attribute VB_Name = "A"\n\' \u4e2d\n')])
    with pytest.raises(VbaProjectError, match="Duplicate VBA module names"):
        vba.build_vba_project([vba.document_module("Sheet1"), vba.document_module("SHEET1")])


# ------------------------------------------------------------- LibreOffice runs the VBA


LO_SKIP = lo_recalc.missing_reason()
needs_libreoffice = pytest.mark.skipif(LO_SKIP is not None, reason=LO_SKIP or "")


def run_in_libreoffice(book: Path, macro: str, sheet: str, cell: str, unload: str = "") -> dict:
    completed = subprocess.run(
        [lo_recalc.find_uno_python(), str(Path(__file__).with_name("lo_vba.py")), str(book), macro, sheet, cell,
         unload],
        capture_output=True, text=True, timeout=300,
        env={**__import__("os").environ, "SOFFICE": lo_recalc.find_soffice()},
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.mark.libreoffice
@needs_libreoffice
def test_libreoffice_opens_the_workbook_and_reads_every_module_as_olevba_does(built, decoded):
    result = run_in_libreoffice(built, "SayPro.SayPro_SelfTest", "Home", "B21")
    assert result["modules"] == sorted(decoded)
    # LibreOffice imports VBA as Basic text: a header of its own, the Attribute lines
    # left out, LF line ends and one more newline at the end.
    header = {
        "module": "Rem Attribute VBA_ModuleType=VBAModule\nOption VBASupport 1\n",
        "document": "Rem Attribute VBA_ModuleType=VBADocumentModule\nOption VBASupport 1\n",
        "class": "Rem Attribute VBA_ModuleType=VBAClassModule\nOption VBASupport 1\nOption ClassModule\n",
    }
    for name, code in decoded.items():
        kind = ("document" if name == "ThisWorkbook" or re.fullmatch(r"Sheet\d+", name)
                else "class" if name == "Dictionary" else "module")
        lines = [line for line in code.split("\r\n") if not line.startswith("Attribute ")]
        assert result["sources"][name] == header[kind] + "\n".join(lines) + "\n", name


@pytest.mark.libreoffice
@needs_libreoffice
def test_libreoffice_runs_the_self_test_macro_of_the_full_workbook(built):
    # LibreOffice compiles every module of a library before it runs one, and its Basic
    # rejects parts of xlwings' own module and Dictionary class (docs/vba.md). So the run
    # takes exactly those two third-party modules out of the project LibreOffice loaded
    # from the full workbook, in memory; the file, our modules and the UDF wrappers stay.
    before = built.read_bytes()
    result = run_in_libreoffice(built, "SayPro.SayPro_SelfTest", "Home", "B21", "xlwings,Dictionary")
    assert {"SayPro", UDF_VBA_MODULE, "xlwings", "Dictionary"} <= set(result["modules"])
    assert re.fullmatch(r"SayPro self-test OK \| .+ \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d", result["marker"]), result
    assert built.read_bytes() == before  # the file itself was not changed


@pytest.mark.libreoffice
@needs_libreoffice
def test_libreoffice_runs_the_self_test_macro_without_xlwings_modules(tmp_path):
    # The same, from a build that never had xlwings' modules: nothing else is needed.
    book = build_workbook(tmp_path / "SayPro_Tracker.xlsm", sample=True, include_xlwings=False)
    result = run_in_libreoffice(book, "SayPro.SayPro_SelfTest", "Home", "B21")
    assert "SayPro" in result["modules"] and UDF_VBA_MODULE in result["modules"]
    assert "xlwings" not in result["modules"]
    assert re.fullmatch(r"SayPro self-test OK \| .+ \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d", result["marker"]), result
    assert openpyxl.load_workbook(book)["Home"]["B21"].value is None  # the file itself was not changed


def test_directory_siblings_form_a_valid_red_black_tree():
    modules = [vba.document_module(f"Sheet{i}") for i in range(1, 24)]  # 23 + 4 siblings under VBA
    project = olefile.OleFileIO(io.BytesIO(vba.build_vba_project(modules)))
    entries = project.direntries
    RED, BLACK, NONE = 0, 1, olefile.NOSTREAM

    def key(entry):
        return (len(entry.name), entry.name.upper())

    def check(sid, low, high) -> int:
        """Black height of the subtree at sid; asserts order and colour rules."""
        if sid == NONE:
            return 1
        entry = entries[sid]
        assert (low is None or key(entry) > low) and (high is None or key(entry) < high)
        for child in (entry.sid_left, entry.sid_right):
            if child != NONE:
                assert not (entry.color == RED and entries[child].color == RED)
        left = check(entry.sid_left, low, key(entry))
        right = check(entry.sid_right, key(entry), high)
        assert left == right
        return left + (entry.color == BLACK)

    for storage in [e for e in entries if e is not None and e.entry_type in (1, 5)]:
        assert entries[storage.sid_child].color == BLACK
        check(storage.sid_child, None, None)
