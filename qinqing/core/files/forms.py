"""Form pieces for uploads, shared by every app: several files in one field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; ``cleaned_data`` holds a list (empty when none).

    Each file goes through ``FileField``'s own checks. Type and size checks belong to the
    service (``qinqing.core.files.uploads.check_upload``), which reads the content.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = [d for d in (data if isinstance(data, list | tuple) else [data]) if d]
        if not items:
            super().clean(None, initial)  # the "required" error, when the field is required
            return []
        single = super().clean
        return [single(item, initial) for item in items]
