"""Decoding text files officials send: UTF-8 (with or without BOM), GBK/GB18030."""

from __future__ import annotations

from qinqing.core.errors import InvalidInput


def decode_text(data: bytes, *, filename: str = "上传文件") -> str:
    """Decode bytes as UTF-8 (BOM allowed) or GB18030 (a superset of GBK and GB2312).

    Examples:
        >>> decode_text("市税务局".encode("gbk"))
        '市税务局'
        >>> decode_text("\\ufeff市税务局".encode("utf-8"))
        '市税务局'
    """
    if not data:
        raise InvalidInput(f"“{filename}”是空文件，没有可读取的内容。")
    if b"\x00" in data[:4096]:
        raise InvalidInput(
            f"“{filename}”不是文本文件（可能是图片、压缩包或其他二进制文件），无法读取。"
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(
        f"“{filename}”的文字编码无法识别。请用 UTF-8 或 GBK 编码保存（Excel 中“另存为 CSV UTF-8”）后重新上传。"
    )
