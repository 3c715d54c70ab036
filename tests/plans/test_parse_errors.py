"""Bad plan files: each is refused with a clear Chinese message, by the API and by the CLI."""

from __future__ import annotations

import io
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from qinqing.core.errors import InvalidInput
from qinqing.plans.parsing import MAX_BYTES, parse_bytes, parse_file

REPO = Path(__file__).resolve().parents[2]


def _junk() -> bytes:
    rng = random.Random(4)
    return bytes(rng.randrange(256) for _ in range(20_000))


def _xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def _scanned_pdf() -> bytes:
    """Two pages with only drawings on them, as a scanner's image PDF has no text layer."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    for _ in range(2):
        page.rect(50, 50, 400, 600, fill=1)
        page.showPage()
    page.save()
    return buffer.getvalue()


NEWS = "今天上午，市政务服务中心举行开放日活动，市民代表参观了综合窗口。大家纷纷表示办事越来越方便。".encode()

# (file name, content, words the message must contain)
BAD_INPUTS = [
    ("空文件.txt", b"", ["空文件"]),
    ("乱码.txt", _junk(), ["不是可读的文本文件", ".docx"]),
    ("只有空格.txt", "  \n\u3000\n".encode(), ["没有可读取的内容"]),
    ("方案.docx", "这其实是一个文本文件".encode(), ["不是有效的 Word 文件"]),
    ("台账.docx", _xlsx_bytes(), ["不是 Word 文件", "Excel"]),
    ("旧版.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ["另存为", ".docx"]),
    ("扫描件.pdf", _scanned_pdf(), ["没有文字层", "OCR"]),
    ("损坏.pdf", b"%PDF-1.4\n%%garbage without objects", ["无法作为 PDF 打开"]),
    ("新闻稿.txt", NEWS, ["没有识别到任务", "牵头单位"]),
]


@pytest.mark.parametrize(("name", "data", "words"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_refused_with_a_chinese_message(name, data, words):
    with pytest.raises(InvalidInput) as caught:
        parse_bytes(data, name)
    message = caught.value.message
    assert name in message  # says which file
    for word in words:
        assert word in message
    assert "\n" not in message
    assert message.endswith("。")


def test_a_60_mb_file_is_refused_without_being_read(tmp_path, monkeypatch):
    big = tmp_path / "巨大的方案.txt"
    with big.open("wb") as handle:
        handle.truncate(60 * 1024 * 1024)  # sparse: nothing is written to disk

    def no_reading(self, *args, **kwargs):
        raise AssertionError("the file content must not be read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    monkeypatch.setattr(Path, "open", no_reading)
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as caught:
        parse_file(big)
    assert time.perf_counter() - started < 0.5
    assert "60.0 MB" in caught.value.message and "50 MB" in caught.value.message


def test_uploaded_bytes_over_the_limit_are_refused():
    with pytest.raises(InvalidInput, match="超过 50 MB"):
        parse_bytes(b"x" * (MAX_BYTES + 1), "上传.txt")


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(InvalidInput, match="找不到文件"):
        parse_file(tmp_path / "不存在.txt")


def _cli(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qinqing.cli.main", "plan", "parse", str(path), "--format", "json"],
        cwd=REPO,
        capture_output=True,
        timeout=120,
    )


@pytest.mark.parametrize(("name", "data", "words"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_cli_exits_non_zero_with_one_line_on_stderr(tmp_path, name, data, words):
    path = tmp_path / name
    path.write_bytes(data)
    result = _cli(path)
    assert result.returncode != 0
    assert result.stdout == b""
    lines = result.stderr.decode("utf-8").strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("错误：")
    assert words[0] in lines[0]


def test_cli_refuses_a_60_mb_file_quickly(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(60 * 1024 * 1024)
    result = _cli(big)
    assert result.returncode != 0
    assert result.stderr.decode("utf-8").strip().count("\n") == 0
    assert "超过 50 MB" in result.stderr.decode("utf-8")
