"""Write and read a source-only VBA project (vbaProject.bin) without Office.

The project is the container [MS-OVBA] describes, inside a compound file
[MS-CFB]: a `dir` stream listing the modules, a `_VBA_PROJECT` stream whose
Version 0xFFFF tells the Office application that no compiled p-code is present
(it compiles the modules from source on first open), one compressed stream of
source text per module, and the `PROJECT` / `PROJECTwm` text streams.
Nothing here runs VBA; oletools and LibreOffice check the result in the tests.

The reader half (`read_module_sources`) is small on purpose: it serves
`saypro-xl doctor`, which needs the XLWINGS_VERSION constant of a workbook.
"""

from __future__ import annotations

import re
import struct
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CODEPAGE = 1252  # Western European, what Excel writes for an en-US project
# PROJECTCOMPATVERSION's value: what xlwings' Excel-saved quickstart.xlsm (the workbook
# `xlwings quickstart` copies for its users) carries; projects saved by other builds carry 3 or 4.
COMPAT_VERSION = 5
PROJECT_NAME = "VBAProject"

# Attribute lines VBA itself stores at the top of document and class modules.
_WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
_WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
_CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"

# Type libraries every Excel project references; VBA resolves them by GUID and
# version, the path part is the conventional hint Excel itself writes.
REFERENCES = (
    (
        "stdole",
        r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
        r"C:\Windows\System32\stdole2.tlb#OLE Automation",
    ),
    (
        "Office",  # IRibbonControl, the ribbon callback's argument type
        r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
        r"C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL#"
        r"Microsoft Office 16.0 Object Library",
    ),
)


class VbaProjectError(Exception):
    """A vbaProject.bin could not be built or read."""


@dataclass(frozen=True)
class VbaModule:
    """One module as VBA stores it: its full text, Attribute lines included."""

    name: str
    kind: str  # "module" (standard .bas), "class" (.cls) or "document" (workbook/sheet)
    code: str

    def __post_init__(self) -> None:
        if self.kind not in ("module", "class", "document"):
            raise VbaProjectError(f"Module {self.name}: unknown kind {self.kind!r}.")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,30}", self.name):
            raise VbaProjectError(f"Module name {self.name!r} is not a valid VBA name.")


def crlf(text: str) -> str:
    """VBA keeps its source with CRLF line ends."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def standard_module(text: str) -> VbaModule:
    """A standard module from exported .bas text, which starts with its VB_Name line."""
    text = crlf(text)
    match = re.match(r'Attribute VB_Name = "([^"]+)"\r\n', text)
    if not match:
        raise VbaProjectError('A .bas file must start with Attribute VB_Name = "Name".')
    return VbaModule(match.group(1), "module", text)


def class_module(text: str) -> VbaModule:
    """A class module from exported .cls text, stored the way the VBA editor imports it.

    The VERSION/BEGIN...END header of the export is not stored; VBA adds the
    VB_Base, VB_TemplateDerived and VB_Customizable attributes around the
    exported ones.
    """
    text = crlf(text)
    text = re.sub(r"\AVERSION 1\.0 CLASS\r\nBEGIN\r\n(?:.*\r\n)*?END\r\n", "", text)
    lines = text.split("\r\n")
    match = re.fullmatch(r'Attribute VB_Name = "([^"]+)"', lines[0])
    if not match:
        raise VbaProjectError('A .cls file must declare Attribute VB_Name = "Name".')
    attributes = {}
    body_start = 1
    for body_start in range(1, len(lines)):
        found = re.fullmatch(r"Attribute (VB_\w+) = (.*)", lines[body_start])
        if not found:
            break
        attributes[found.group(1)] = found.group(2)
    standard = [
        ("VB_Base", f'"{_CLASS_BASE}"'),
        ("VB_GlobalNameSpace", "False"),
        ("VB_Creatable", "False"),
        ("VB_PredeclaredId", "False"),
        ("VB_Exposed", "False"),
        ("VB_TemplateDerived", "False"),
        ("VB_Customizable", "False"),
    ]
    head = [lines[0]]
    for key, default in standard:
        head.append(f"Attribute {key} = {attributes.pop(key, default)}")
    head += [f"Attribute {key} = {value}" for key, value in attributes.items()]
    return VbaModule(match.group(1), "class", "\r\n".join(head + lines[body_start:]))


def document_module(name: str, workbook: bool = False, code: str = "") -> VbaModule:
    """The code module behind the workbook (ThisWorkbook) or one worksheet, with `code` (VBA) in it."""
    base = _WORKBOOK_BASE if workbook else _WORKSHEET_BASE
    lines = [
        f'Attribute VB_Name = "{name}"',
        f'Attribute VB_Base = "{base}"',
        "Attribute VB_GlobalNameSpace = False",
        "Attribute VB_Creatable = False",
        "Attribute VB_PredeclaredId = True",
        "Attribute VB_Exposed = True",
        "Attribute VB_TemplateDerived = False",
        "Attribute VB_Customizable = True",
    ]
    return VbaModule(name, "document", "\r\n".join(lines) + "\r\n" + crlf(code))


# --- [MS-OVBA] 2.4.1 compression -------------------------------------------------

_CHUNK = 4096


def _copy_token_bits(position: int) -> int:
    """Bits of a copy token used for the offset at `position` within a chunk (2.4.1.3.19.1)."""
    return max((position - 1).bit_length(), 4)


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    heads: dict[bytes, list[int]] = {}  # 3-byte prefix -> earlier positions, newest last
    i = 0

    def remember(upto: int) -> None:
        nonlocal remembered
        while remembered < upto:
            if remembered + 3 <= len(chunk):
                heads.setdefault(chunk[remembered : remembered + 3], []).append(remembered)
            remembered += 1

    remembered = 0
    while i < len(chunk):
        flag_at = len(out)
        out.append(0)
        for bit in range(8):
            if i >= len(chunk):
                break
            remember(i)
            bits = _copy_token_bits(i)
            max_length = (0xFFFF >> bits) + 3
            best_length, best_start = 0, 0
            # The newest 64 candidates are plenty for source text and keep this linear.
            for start in reversed(heads.get(chunk[i : i + 3], [])[-64:]):
                length = 0
                limit = min(max_length, len(chunk) - i)
                while length < limit and chunk[start + length] == chunk[i + length]:
                    length += 1
                if length > best_length:
                    best_length, best_start = length, start
                    if length == limit:
                        break
            if best_length >= 3:
                token = ((i - best_start - 1) << (16 - bits)) | (best_length - 3)
                out += struct.pack("<H", token)
                out[flag_at] |= 1 << bit
                i += best_length
            else:
                out.append(chunk[i])
                i += 1
    if len(out) > _CHUNK:
        if len(chunk) < _CHUNK:
            # A raw chunk is always 4096 bytes: padding would come back as data.
            raise VbaProjectError("Module text is not compressible text (binary data?); cannot store it.")
        return struct.pack("<H", 0x3000 | (_CHUNK - 1)) + chunk  # incompressible: stored raw
    return struct.pack("<H", 0xB000 | (len(out) + 2 - 3)) + bytes(out)


def compress(data: bytes) -> bytes:
    """A CompressedContainer ([MS-OVBA] 2.4.1.1.1) holding `data`."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), _CHUNK):
        out += _compress_chunk(data[start : start + _CHUNK])
    return bytes(out)


def decompress(container: bytes) -> bytes:
    """The data of a CompressedContainer ([MS-OVBA] 2.4.1.3.1)."""
    if not container or container[0] != 0x01:
        raise VbaProjectError("Not a VBA compressed container (bad signature byte).")
    out = bytearray()
    pos = 1
    while pos < len(container):
        header = struct.unpack_from("<H", container, pos)[0]
        size = (header & 0x0FFF) + 3
        end = min(pos + size, len(container))
        pos += 2
        chunk_start = len(out)
        if not header & 0x8000:
            out += container[pos : pos + _CHUNK]
            pos += _CHUNK
            continue
        while pos < end:
            flags = container[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if flags & (1 << bit):
                    token = struct.unpack_from("<H", container, pos)[0]
                    pos += 2
                    bits = _copy_token_bits(len(out) - chunk_start)
                    length = (token & (0xFFFF >> bits)) + 3
                    offset = (token >> (16 - bits)) + 1
                    for _ in range(length):
                        out.append(out[-offset])
                else:
                    out.append(container[pos])
                    pos += 1
    return bytes(out)


# --- [MS-OVBA] 2.4.3 data encryption of the PROJECT stream's CMG/DPB/GC ------------


def encrypt_project_value(project_id: str, data: bytes, seed: int = 0x00) -> str:
    """The hex text of CMG=, DPB= or GC= for `data` (fixed seed: same input, same bytes)."""
    project_key = sum(project_id.encode("ascii")) & 0xFF
    version = 2
    out = bytearray([seed, seed ^ version, seed ^ project_key])
    unencrypted, encrypted1, encrypted2 = project_key, seed ^ project_key, seed ^ version
    ignored = bytes([seed]) * ((seed & 6) // 2)
    for byte in ignored + struct.pack("<I", len(data)) + data:
        enc = byte ^ ((encrypted2 + unencrypted) & 0xFF)
        out.append(enc)
        encrypted2, encrypted1, unencrypted = encrypted1, enc, byte
    return out.hex().upper()


def decrypt_project_value(text: str) -> bytes:
    """Inverse of encrypt_project_value (used to check the PROJECT stream)."""
    raw = bytes.fromhex(text)
    seed, version_enc, key_enc = raw[0], raw[1], raw[2]
    unencrypted, encrypted1, encrypted2 = seed ^ key_enc, key_enc, version_enc
    plain = bytearray()
    for enc in raw[3:]:
        byte = enc ^ ((encrypted2 + unencrypted) & 0xFF)
        plain.append(byte)
        encrypted2, encrypted1, unencrypted = encrypted1, enc, byte
    plain = plain[(seed & 6) // 2 :]
    length = struct.unpack_from("<I", plain)[0]
    return bytes(plain[4 : 4 + length])


# --- project streams -----------------------------------------------------------


def _mbcs(text: str) -> bytes:
    return text.encode(f"cp{CODEPAGE}")


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def _record(record_id: int, data: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(data)) + data


def _dir_stream(modules: Sequence[VbaModule]) -> bytes:
    """The decompressed `dir` stream ([MS-OVBA] 2.3.4.2)."""
    out = bytearray()
    out += _record(0x0001, struct.pack("<I", 3))  # SysKind: 64-bit Windows, as Excel 365 writes
    # PROJECTCOMPATVERSION (2.3.4.2.1.2): optional, right after SysKind as 2.3.4.2.1 orders it.
    # Current Excel writes it; the spec gives the value no meaning (see COMPAT_VERSION).
    out += _record(0x004A, struct.pack("<I", COMPAT_VERSION))
    out += _record(0x0002, struct.pack("<I", 0x0409))  # LCID
    out += _record(0x0014, struct.pack("<I", 0x0409))  # LCIDINVOKE
    out += _record(0x0003, struct.pack("<H", CODEPAGE))
    out += _record(0x0004, _mbcs(PROJECT_NAME))
    out += _record(0x0005, b"") + _record(0x0040, b"")  # doc string, ANSI and Unicode
    out += _record(0x0006, b"") + _record(0x003D, b"")  # help file paths
    out += _record(0x0007, struct.pack("<I", 0))  # help context
    out += _record(0x0008, struct.pack("<I", 0))  # lib flags
    # PROJECTVERSION: Id 0x0009, Reserved 4 (MUST be 4; not a size: 6 bytes follow it),
    # VersionMajor 1 (4 bytes), VersionMinor 0 (2 bytes).
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)
    out += _record(0x000C, b"") + _record(0x003C, b"")  # conditional compilation constants
    for name, libid in REFERENCES:
        out += _record(0x0016, _mbcs(name)) + _record(0x003E, _utf16(name))
        registered = struct.pack("<I", len(libid)) + _mbcs(libid) + struct.pack("<IH", 0, 0)
        out += _record(0x000D, registered)
    out += _record(0x000F, struct.pack("<H", len(modules)))
    out += _record(0x0013, struct.pack("<H", 0xFFFF))  # project cookie
    for module in modules:
        out += _record(0x0019, _mbcs(module.name)) + _record(0x0047, _utf16(module.name))
        out += _record(0x001A, _mbcs(module.name)) + _record(0x0032, _utf16(module.name))
        out += _record(0x001C, b"") + _record(0x0048, b"")  # doc string
        out += _record(0x0031, struct.pack("<I", 0))  # source starts at 0: no p-code cache
        out += _record(0x001E, struct.pack("<I", 0))  # help context
        out += _record(0x002C, struct.pack("<H", 0xFFFF))  # module cookie
        module_type = 0x0021 if module.kind == "module" else 0x0022
        out += struct.pack("<HI", module_type, 0)
        out += struct.pack("<HI", 0x002B, 0)  # module terminator
    out += struct.pack("<HI", 0x0010, 0)  # dir terminator
    return bytes(out)


def project_id_for(modules: Sequence[VbaModule]) -> str:
    """A GUID fixed by the module names, so a rebuild gives the same bytes."""
    names = ",".join(module.name for module in modules)
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "saypro-xl:" + names)).upper() + "}"


_NOT_PROTECTED = struct.pack("<I", 0)  # CMG: no protection flags
_NO_PASSWORD = b"\x00"  # DPB: a single zero byte means no password
_VISIBLE = b"\xff"  # GC: the project is visible in the VBA editor


def _project_stream(modules: Sequence[VbaModule], project_id: str) -> bytes:
    """The PROJECT stream ([MS-OVBA] 2.3.1): module list, name, unprotected, visible."""
    lines = [f'ID="{project_id}"']
    for module in modules:
        if module.kind == "document":
            lines.append(f"Document={module.name}/&H00000000")
        elif module.kind == "class":
            lines.append(f"Class={module.name}")
        else:
            lines.append(f"Module={module.name}")
    lines += [
        f'Name="{PROJECT_NAME}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt_project_value(project_id, _NOT_PROTECTED)}"',
        f'DPB="{encrypt_project_value(project_id, _NO_PASSWORD)}"',
        f'GC="{encrypt_project_value(project_id, _VISIBLE)}"',
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
        "[Workspace]",
    ]
    lines += [f"{module.name}=0, 0, 0, 0, C" for module in modules]
    return _mbcs("\r\n".join(lines) + "\r\n")


def _name_map_stream(modules: Sequence[VbaModule]) -> bytes:
    """PROJECTwm ([MS-OVBA] 2.3.3): each module name in the code page and in UTF-16."""
    out = bytearray()
    for module in modules:
        out += _mbcs(module.name) + b"\0" + _utf16(module.name) + b"\0\0"
    return bytes(out + b"\0\0")


def build_vba_project(modules: Sequence[VbaModule]) -> bytes:
    """The bytes of a vbaProject.bin holding `modules` as source only."""
    names = [module.name.upper() for module in modules]
    if len(set(names)) != len(names):
        raise VbaProjectError(f"Duplicate VBA module names: {sorted(names)}.")
    for module in modules:
        try:
            _mbcs(module.code)
        except UnicodeEncodeError as error:
            raise VbaProjectError(
                f"Module {module.name}: character {error.object[error.start]!r} is not in "
                f"code page {CODEPAGE}; VBA source must be plain Western text."
            ) from None
    project_id = project_id_for(modules)
    vba_streams = {
        # Version 0xFFFF: no compiled p-code. Reserved3 as in the project of xlwings' quickstart.
        "_VBA_PROJECT": struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0001),
        "dir": compress(_dir_stream(modules)),
    }
    for module in modules:
        vba_streams[module.name] = compress(_mbcs(module.code))
    tree = {
        "PROJECT": _project_stream(modules, project_id),
        "PROJECTwm": _name_map_stream(modules),
        "VBA": vba_streams,
    }
    return write_compound_file(tree)


# --- [MS-CFB] compound file, version 3 (512-byte sectors) --------------------------

_SECTOR = 512
_MINI_SECTOR = 64
_MINI_CUTOFF = 4096
_FREE, _END, _FAT_SECT, _NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


def _cfb_order(name: str) -> tuple[int, str]:
    """[MS-CFB] 2.6.4: siblings are ordered by name length, then by upper-cased name."""
    return (len(name), name.upper())


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[_Entry] | None = None
    left: int = _NO_STREAM
    right: int = _NO_STREAM
    child: int = _NO_STREAM
    black: bool = True
    start: int = _END


def _balanced_tree(entries: list[_Entry], index_of: dict[int, int], depth: int, deepest: int) -> int:
    """Link sorted siblings into a balanced tree, coloured as a valid red-black tree:
    every leaf sits on the deepest two levels, and the deepest level is red."""
    if not entries:
        return _NO_STREAM
    middle = len(entries) // 2
    node = entries[middle]
    node.left = _balanced_tree(entries[:middle], index_of, depth + 1, deepest)
    node.right = _balanced_tree(entries[middle + 1 :], index_of, depth + 1, deepest)
    node.black = not (depth == deepest and depth > 0)
    return index_of[id(node)]


def _tree_depth(count: int) -> int:
    depth = -1
    while count:
        count //= 2
        depth += 1
    return depth


def _perfect(count: int) -> bool:
    return (count + 1) & count == 0


def write_compound_file(tree: dict) -> bytes:
    """A compound file from {name: bytes (stream) | dict (storage)}."""
    entries: list[_Entry] = []

    def add(name: str, node) -> _Entry:
        if isinstance(node, dict):
            entry = _Entry(name, 1, children=[])
            entries.append(entry)
            for child_name, child in node.items():
                entry.children.append(add(child_name, child))
        else:
            entry = _Entry(name, 2, data=bytes(node))
            entries.append(entry)
        return entry

    root = _Entry("Root Entry", 5, children=[])
    entries.append(root)
    for name, node in tree.items():
        root.children.append(add(name, node))
    index_of = {id(entry): index for index, entry in enumerate(entries)}
    for entry in entries:
        if entry.children:
            siblings = sorted(entry.children, key=lambda e: _cfb_order(e.name))
            count = len(siblings)
            deepest = _tree_depth(count) if not _perfect(count) else -1
            entry.child = _balanced_tree(siblings, index_of, 0, deepest)

    # Small streams live in the mini stream, big ones in their own sector chains.
    mini_stream = bytearray()
    mini_fat: list[int] = []
    big: list[_Entry] = []
    for entry in entries:
        if entry.kind != 2:
            continue
        if len(entry.data) >= _MINI_CUTOFF:
            big.append(entry)
        elif entry.data:
            entry.start = len(mini_fat)
            sectors = -(-len(entry.data) // _MINI_SECTOR)
            mini_fat += list(range(entry.start + 1, entry.start + sectors)) + [_END]
            mini_stream += entry.data.ljust(sectors * _MINI_SECTOR, b"\0")

    def sectors_for(size: int) -> int:
        return -(-size // _SECTOR)

    directory_sectors = sectors_for(len(entries) * 128)
    mini_fat_sectors = sectors_for(len(mini_fat) * 4)
    mini_stream_sectors = sectors_for(len(mini_stream))
    data_sectors = sum(sectors_for(len(entry.data)) for entry in big)
    content = directory_sectors + mini_fat_sectors + mini_stream_sectors + data_sectors
    fat_sectors = 1
    while fat_sectors * (_SECTOR // 4) < content + fat_sectors:
        fat_sectors += 1
    if fat_sectors > 109:
        raise VbaProjectError("VBA project too large for a header-only DIFAT (over 7 MB).")

    fat: list[int] = [_FAT_SECT] * fat_sectors
    body = bytearray()

    def place(data: bytes, padding: bytes = b"\0") -> int:
        if not data:
            return _END
        first = len(fat)
        count = sectors_for(len(data))
        fat.extend(list(range(first + 1, first + count)) + [_END])
        body.extend(data.ljust(count * _SECTOR, padding))
        return first

    directory_start = len(fat)
    fat.extend(list(range(directory_start + 1, directory_start + directory_sectors)) + [_END])
    body.extend(b"\0" * (directory_sectors * _SECTOR))  # filled in below
    # Unused mini FAT entries are FREESECT (all ones), not zero.
    mini_fat_start = place(b"".join(struct.pack("<I", value) for value in mini_fat), b"\xff")
    root.start = place(bytes(mini_stream))
    root.data = bytes(mini_stream)
    for entry in big:
        entry.start = place(entry.data)

    directory = bytearray()
    for entry in entries:
        name = _utf16(entry.name) + b"\0\0"
        directory += name.ljust(64, b"\0")
        directory += struct.pack("<HBB", len(name), entry.kind, 1 if entry.black else 0)
        directory += struct.pack("<III", entry.left, entry.right, entry.child)
        directory += b"\0" * 16 + b"\0" * 4 + b"\0" * 16  # CLSID, state bits, times
        size = len(entry.data) if entry.kind != 1 else 0
        start = entry.start if entry.kind != 1 else 0
        directory += struct.pack("<IQ", start, size)
    unused = b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, _NO_STREAM, _NO_STREAM, _NO_STREAM)
    unused = unused.ljust(128, b"\0")
    while len(directory) < directory_sectors * _SECTOR:
        directory += unused
    body[0 : len(directory)] = directory

    fat_bytes = b"".join(struct.pack("<I", value) for value in fat)
    fat_bytes = fat_bytes.ljust(fat_sectors * _SECTOR, b"\xff")

    header = bytearray(_SIGNATURE + b"\0" * 16)
    header += struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
    header += b"\0" * 6
    header += struct.pack("<II", 0, fat_sectors)
    header += struct.pack("<II", fat_sectors + 0, 0)  # directory starts right after the FAT
    header += struct.pack("<I", _MINI_CUTOFF)
    header += struct.pack("<II", mini_fat_start, mini_fat_sectors)
    header += struct.pack("<II", _END, 0)  # no DIFAT sectors
    difat = list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors)
    header += b"".join(struct.pack("<I", value) for value in difat)
    assert len(header) == _SECTOR and directory_start == fat_sectors
    return bytes(header) + fat_bytes + bytes(body)


# --- reading ----------------------------------------------------------------------


def read_compound_file(data: bytes) -> dict[str, bytes]:
    """Every stream of a compound file, keyed by its path ("VBA/dir")."""
    if data[:8] != _SIGNATURE:
        raise VbaProjectError("Not a compound file (vbaProject.bin signature missing).")
    sector_size = 1 << struct.unpack_from("<H", data, 30)[0]
    mini_size = 1 << struct.unpack_from("<H", data, 32)[0]
    fat_count, directory_start = struct.unpack_from("<II", data, 44)
    cutoff, mini_fat_start = struct.unpack_from("<II", data, 56)
    difat_start, difat_count = struct.unpack_from("<II", data, 68)
    fat_locations = [v for v in struct.unpack_from("<109I", data, 76) if v < 0xFFFFFFFA]
    next_difat = difat_start
    for _ in range(difat_count):
        offset = (next_difat + 1) * sector_size
        values = struct.unpack_from(f"<{sector_size // 4}I", data, offset)
        fat_locations += [v for v in values[:-1] if v < 0xFFFFFFFA]
        next_difat = values[-1]
    fat_locations = fat_locations[:fat_count]

    def sector(number: int) -> bytes:
        offset = (number + 1) * sector_size
        return data[offset : offset + sector_size]

    fat = []
    for location in fat_locations:
        fat += struct.unpack(f"<{sector_size // 4}I", sector(location))

    def chain(start: int, table: list[int], read) -> bytes:
        out = bytearray()
        seen = set()
        while start < 0xFFFFFFFA:
            if start in seen or start >= len(table):
                raise VbaProjectError("Broken sector chain in the compound file.")
            seen.add(start)
            out += read(start)
            start = table[start]
        return bytes(out)

    directory = chain(directory_start, fat, sector)
    raw_entries = [directory[i : i + 128] for i in range(0, len(directory), 128)]
    mini_fat_bytes = chain(mini_fat_start, fat, sector)
    mini_fat = list(struct.unpack(f"<{len(mini_fat_bytes) // 4}I", mini_fat_bytes))
    root_start = struct.unpack_from("<I", raw_entries[0], 116)[0]
    mini_stream = chain(root_start, fat, sector)

    def mini_sector(number: int) -> bytes:
        return mini_stream[number * mini_size : (number + 1) * mini_size]

    streams: dict[str, bytes] = {}

    def walk(index: int, prefix: str) -> None:
        if index == _NO_STREAM or index >= len(raw_entries):
            return
        raw = raw_entries[index]
        name_length, kind = struct.unpack_from("<HB", raw, 64)
        name = raw[: max(name_length - 2, 0)].decode("utf-16-le")
        left, right, child = struct.unpack_from("<III", raw, 68)
        start, size = struct.unpack_from("<IQ", raw, 116)
        walk(left, prefix)
        walk(right, prefix)
        if kind == 2:
            if size < cutoff:
                streams[prefix + name] = chain(start, mini_fat, mini_sector)[:size]
            else:
                streams[prefix + name] = chain(start, fat, sector)[:size]
        elif kind == 1:
            walk(child, prefix + name + "/")

    walk(struct.unpack_from("<I", raw_entries[0], 76)[0], "")
    return streams


def read_module_sources(vba_project: bytes) -> dict[str, str]:
    """Each module's source text (Attribute lines included) from a vbaProject.bin."""
    streams = read_compound_file(vba_project)
    if "VBA/dir" not in streams:
        raise VbaProjectError("The VBA project has no VBA/dir stream.")
    directory = decompress(streams["VBA/dir"])
    codepage = 1252
    sources: dict[str, str] = {}
    pos = 0
    name = stream_name = None
    offset = 0
    while pos + 6 <= len(directory):
        record_id, size = struct.unpack_from("<HI", directory, pos)
        pos += 6
        if record_id == 0x0009:  # PROJECTVERSION: Reserved (4) stands where a size would, 6 bytes follow
            size = 6
        value = directory[pos : pos + size]
        pos += size
        if record_id == 0x0003:
            codepage = struct.unpack("<H", value)[0]
        elif record_id == 0x0019:
            name = value.decode(f"cp{codepage}")
        elif record_id == 0x001A:
            stream_name = value.decode(f"cp{codepage}")
        elif record_id == 0x0031:
            offset = struct.unpack("<I", value)[0]
        elif record_id == 0x002B and name is not None:
            stream = streams.get(f"VBA/{stream_name or name}")
            if stream is None:
                raise VbaProjectError(f"The VBA project lists module {name} but has no stream for it.")
            sources[name] = decompress(stream[offset:]).decode(f"cp{codepage}")
            name = stream_name = None
            offset = 0
        elif record_id == 0x0010:
            break
    return sources


_VERSION_CONSTANT = re.compile(r'^\s*(?:Public\s+)?Const\s+XLWINGS_VERSION\s+As\s+String\s*=\s*"([^"]+)"',
                               re.IGNORECASE | re.MULTILINE)


def xlwings_version_of(workbook_path: Path | str) -> str | None:
    """The XLWINGS_VERSION constant embedded in a workbook's VBA project, or None.

    None means the workbook has no VBA project or no xlwings module. Raises
    VbaProjectError for a file that is not a readable .xlsm/.xlam.
    """
    try:
        with zipfile.ZipFile(workbook_path) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith("vbaproject.bin")]
            if not names:
                return None
            vba_project = archive.read(names[0])
    except (OSError, zipfile.BadZipFile) as error:
        raise VbaProjectError(f"{workbook_path}: not a readable macro workbook ({error}).") from None
    for source in read_module_sources(vba_project).values():
        match = _VERSION_CONSTANT.search(source)
        if match:
            return match.group(1)
    return None
