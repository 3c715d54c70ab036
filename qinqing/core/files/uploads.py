"""Checking uploaded attachments: allowed type by extension *and* content, size limits.

One place for every module that accepts files from users (progress-report attachments,
appeal attachments, policy application materials), so the same file is judged the same
way everywhere and the messages read alike.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from qinqing.core.errors import InvalidInput


@dataclass(frozen=True)
class FileType:
    label: str  # what an official calls it
    content_type: str
    signatures: tuple[bytes, ...]  # the file must start with one of these


_OOXML = (b"PK\x03\x04",)  # Office Open XML files are zip archives
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
FILE_TYPES: dict[str, FileType] = {
    "pdf": FileType("PDF 文档", "application/pdf", (b"%PDF-",)),
    "docx": FileType(
        "Word 文档",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _OOXML,
    ),
    "xlsx": FileType(
        "Excel 表格", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _OOXML
    ),
    "pptx": FileType(
        "PowerPoint 演示文稿",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _OOXML,
    ),
    "doc": FileType("Word 97-2003 文档", "application/msword", _OLE),
    "xls": FileType("Excel 97-2003 表格", "application/vnd.ms-excel", _OLE),
    "jpg": FileType("JPEG 图片", "image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": FileType("JPEG 图片", "image/jpeg", (b"\xff\xd8\xff",)),
    "png": FileType("PNG 图片", "image/png", (b"\x89PNG\r\n\x1a\n",)),
    "ofd": FileType("OFD 版式文件", "application/ofd", _OOXML),
    "zip": FileType("ZIP 压缩包", "application/zip", (b"PK\x03\x04", b"PK\x05\x06")),
}


def extension_of(filename: str) -> str:
    """
    Examples:
        >>> extension_of("进展报告.PDF")
        'pdf'
        >>> extension_of("无扩展名")
        ''
    """
    name = (filename or "").strip()
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_upload(
    filename: str,
    size: int,
    head: bytes,
    *,
    max_bytes: int,
    allowed: Collection[str] | None = None,
    what: str = "附件",
) -> str:
    """Accept a file by name, size and first bytes; return its extension.

    ``what`` names the file in messages (附件, 材料“营业执照”的文件 …).

    Examples:
        >>> check_upload("进展.pdf", 1200, b"%PDF-1.7 ...", max_bytes=10_000_000)
        'pdf'
        >>> check_upload("进展.pdf", 1200, b"MZ\\x90\\x00", max_bytes=10_000_000)
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 附件“进展.pdf”的内容不是 PDF 文档（文件可能已损坏或扩展名被修改），未上传。请上传真实的 PDF 文档。
        >>> check_upload("run.exe", 10, b"MZ", max_bytes=10_000_000, allowed=["pdf", "png"])
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 附件“run.exe”的类型不允许上传。允许的类型：pdf、png。
    """
    name = (filename or "").strip()
    kinds = [k for k in FILE_TYPES if allowed is None or k in allowed]
    ext = extension_of(name)
    if ext not in kinds:
        raise InvalidInput(f"{what}“{name}”的类型不允许上传。允许的类型：{'、'.join(kinds)}。")
    if size <= 0:
        raise InvalidInput(f"{what}“{name}”是空文件，未上传。请检查后重新选择。")
    if size > max_bytes:
        raise InvalidInput(
            f"{what}“{name}”大小为 {size / 1024 / 1024:.1f} MB，超过 {max_bytes // 1024 // 1024} MB 的上限，"
            "未上传。请压缩或拆分后上传。"
        )
    kind = FILE_TYPES[ext]
    if not any(head.startswith(sig) for sig in kind.signatures):
        raise InvalidInput(
            f"{what}“{name}”的内容不是 {kind.label}（文件可能已损坏或扩展名被修改），未上传。"
            f"请上传真实的 {kind.label}。"
        )
    return ext
