from __future__ import annotations

from typing import Any

from django import forms


class NoticeForm(forms.Form):
    text = forms.CharField(
        label="通知原文",
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="粘贴国务院办公厅《关于××年部分节假日安排的通知》全文，或在下方上传文件。",
    )
    file = forms.FileField(
        label="或上传通知文件",
        required=False,
        help_text="通知原文（.txt）或按格式整理的 CSV、YAML 文件，不超过 1 MB。",
    )
    replace = forms.BooleanField(label="覆盖已导入的同年安排（更正）", required=False)

    MAX_BYTES = 1024 * 1024

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None and upload.size > self.MAX_BYTES:
            raise forms.ValidationError("文件超过 1 MB，请确认上传的是节假日安排通知。")
        if not (data.get("text") or "").strip() and upload is None:
            raise forms.ValidationError("请粘贴通知原文或上传通知文件。")
        return data
