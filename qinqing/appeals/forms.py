"""Forms of 接诉即办 with Chinese labels; the services do the authoritative checks."""

from __future__ import annotations

from django import forms

from qinqing.appeals.choices import (
    AppealType,
    HardCaseKind,
    QrKind,
    RatingLevel,
    Satisfaction,
)
from qinqing.core.files.forms import MultipleFileField


class AppealForm(forms.Form):
    """诉求 as an enterprise writes it (web form, QR form, hotline entry)."""

    enterprise_uscc = forms.CharField(
        label="统一社会信用代码", max_length=18, help_text="18 位，见营业执照"
    )
    enterprise_name = forms.CharField(label="企业名称", max_length=200)
    contact_name = forms.CharField(label="联系人", max_length=50)
    contact_phone = forms.CharField(label="联系电话", max_length=30)
    appeal_type = forms.ChoiceField(label="诉求类型", choices=AppealType.choices)
    title = forms.CharField(label="标题", max_length=200)
    content = forms.CharField(
        label="诉求内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    place = forms.CharField(label="发生地点", max_length=200, required=False)
    attachments = MultipleFileField(
        label="附件",
        required=False,
        help_text="可选，最多 5 个，每个不超过 10 MB；支持 PDF、JPG、PNG、Word、Excel",
    )

    def __init__(self, *args, enterprise_fixed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if enterprise_fixed:  # a logged-in enterprise files under its own code
            for name in ("enterprise_uscc", "enterprise_name"):
                self.fields[name].disabled = True


class DispatchForm(forms.Form):
    primary_unit = forms.TypedChoiceField(label="主办单位", coerce=int)
    assisting_units = forms.TypedMultipleChoiceField(
        label="协办单位（可多选）",
        coerce=int,
        required=False,
        # a searchable list of checkboxes, not a Ctrl-click list of every unit
        widget=forms.CheckboxSelectMultiple(
            attrs={"class": "picker", "data-filterable": "协办单位"}
        ),
        help_text="输入单位名称中的字可筛选，勾选一个或多个。",
    )
    note = forms.CharField(
        label="派单说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(u.pk, u.name) for u in units]
        self.fields["primary_unit"].choices = choices
        self.fields["assisting_units"].choices = choices


class CallbackForm(forms.Form):
    resolved = forms.TypedChoiceField(
        label="问题是否已解决",
        choices=[("yes", "已解决"), ("no", "未解决")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label="满意度", choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="回访记录", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label="评价", choices=RatingLevel.choices, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="评价意见（差评请写明原因）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ServiceRatingForm(RatingForm):
    unit = forms.TypedChoiceField(label="被评价单位", coerce=int)
    service_name = forms.CharField(label="服务事项", max_length=200)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        self.order_fields(["unit", "service_name", "level", "comment"])


class HardCaseForm(forms.Form):
    window_name = forms.CharField(label="窗口", max_length=120)
    matter = forms.CharField(label="办理事项", max_length=200)
    enterprise_name = forms.CharField(label="企业（群众）", max_length=200, required=False)
    enterprise_uscc = forms.CharField(
        label="统一社会信用代码（可选）", max_length=18, required=False
    )
    kind = forms.ChoiceField(label="分类", choices=HardCaseKind.choices)
    issue = forms.CharField(
        label="共性问题", max_length=120, help_text="用一句话概括，便于与其他窗口的同类问题合并统计"
    )
    description = forms.CharField(label="办不成的原因", widget=forms.Textarea(attrs={"rows": 3}))


class QrForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=QrKind.choices)
    label = forms.CharField(label="名称（可选）", max_length=120, required=False)
    enterprise_uscc = forms.CharField(
        label="统一社会信用代码（企业专属码）", max_length=18, required=False
    )
    enterprise_name = forms.CharField(
        label="企业名称（企业专属码）", max_length=200, required=False
    )
    unit = forms.TypedChoiceField(
        label="所属部门（窗口码、部门码）", coerce=int, required=False, empty_value=None
    )
    window_name = forms.CharField(label="窗口名称（窗口码）", max_length=120, required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—")] + [(u.pk, u.name) for u in units]
