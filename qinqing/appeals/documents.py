"""Printable documents of 接诉即办: the QR code image and the A5 sheet that carries it.

The sheet states the reply limits in force for the QR code's locality, read from its
办理时限 (``SlaPolicy``) through :func:`rules.reply_limits_sentence`, so a changed policy
changes the next printed sheet.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable

import qrcode
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from qinqing.appeals import rules
from qinqing.appeals.models import QrEntry

FONT = "STSong-Light"  # a CID font every PDF reader has; nothing to ship
LINE_CHARS = 26  # Chinese characters per line at 10 pt on A5


def qr_png(url: str, *, box_size: int = 8) -> bytes:
    """The QR code of ``url`` as PNG bytes."""
    image = qrcode.make(url, box_size=box_size, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_sheet_lines(sla_rules: Iterable[rules.SlaRule], on: dt.date) -> list[str]:
    """The explanation printed under the code: how it works and the reply limits in force."""
    return [
        "微信或手机浏览器扫码，填写诉求后提交；",
        "营商办统一受理、派单，承办单位限时答复并回访。",
        *_wrap_clauses(rules.reply_limits_sentence(sla_rules, on)),
    ]


def _wrap_clauses(sentence: str) -> list[str]:
    """Break between clauses (after "，"), never inside one, at about LINE_CHARS."""
    lines: list[str] = []
    for clause in re.split(r"(?<=，)", sentence):
        if lines and len(lines[-1]) + len(clause) <= LINE_CHARS:
            lines[-1] += clause
        else:
            lines.append(clause)
    return lines


def qr_sheet_pdf(
    entry: QrEntry, url: str, *, sla_rules: Iterable[rules.SlaRule], on: dt.date
) -> bytes:
    """A printable A5 sheet: title, the code, the link and how it works."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buffer = io.BytesIO()
    width, height = A5
    pdf = canvas.Canvas(buffer, pagesize=A5)
    pdf.setTitle(f"码上反映 {entry.label}")
    pdf.setFont(FONT, 22)
    pdf.drawCentredString(width / 2, height - 25 * mm, "码上反映 · 涉企诉求直通车")
    pdf.setFont(FONT, 13)
    pdf.drawCentredString(width / 2, height - 35 * mm, entry.label[:40])
    size = 90 * mm
    png = io.BytesIO(qr_png(url, box_size=10))
    pdf.drawImage(ImageReader(png), (width - size) / 2, height - 40 * mm - size, size, size)
    pdf.setFont(FONT, 10)
    y = height - 48 * mm - size
    for line in qr_sheet_lines(sla_rules, on):
        pdf.drawCentredString(width / 2, y, line)
        y -= 6 * mm
    pdf.setFont("Helvetica", 7)
    pdf.drawCentredString(width / 2, 12 * mm, url)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
