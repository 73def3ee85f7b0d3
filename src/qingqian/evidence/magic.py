"""Content-type check by magic bytes (pure: bytes in, a kind out; no Django).

Each accepted kind has its file-name extensions and MIME types; a file is accepted only when
its content, its extension and (if given) its declared MIME type all name the same kind.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    mime: str
    extensions: tuple[str, ...]
    label_zh: str
    also_mime: tuple[str, ...] = ()


KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind("pdf", "application/pdf", ("pdf",), "PDF 文档"),
        Kind("jpeg", "image/jpeg", ("jpg", "jpeg"), "JPEG 图片"),
        Kind("png", "image/png", ("png",), "PNG 图片"),
        Kind("webp", "image/webp", ("webp",), "WebP 图片"),
        Kind("mp3", "audio/mpeg", ("mp3",), "MP3 音频"),
        Kind("m4a", "audio/mp4", ("m4a",), "M4A 音频", ("audio/x-m4a", "audio/m4a")),
        Kind("wav", "audio/wav", ("wav",), "WAV 音频", ("audio/x-wav", "audio/wave")),
        Kind("amr", "audio/amr", ("amr",), "AMR 音频"),
        Kind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ("docx",),
            "Word 文档",
        ),
        Kind(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ("xlsx",),
            "Excel 表格",
        ),
        Kind("text", "text/plain", ("txt",), "纯文本"),
    )
}

_M4A_BRANDS = {b"M4A ", b"M4B ", b"mp42", b"mp41", b"isom", b"iso2", b"dash"}


def detect(data: bytes) -> str | None:
    """The kind the bytes are, or None if they are none of the accepted kinds."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith((b"#!AMR\n", b"#!AMR-WB\n")):
        return "amr"
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head[4:8] == b"ftyp" and head[8:12] in _M4A_BRANDS:
        return "m4a"
    if head.startswith(b"PK\x03\x04"):
        return _office(data)
    if data and b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text"
    return None


def _office(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def kind_for_name(filename: str) -> str | None:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    for kind in KINDS.values():
        if extension in kind.extensions:
            return kind.code
    return None


def kind_for_mime(mime: str) -> str | None:
    base = mime.split(";")[0].strip().lower()
    for kind in KINDS.values():
        if base == kind.mime or base in kind.also_mime:
            return kind.code
    return None
