"""Forms with Chinese labels. Validation that is a business rule lives in rules/service."""

from __future__ import annotations

from django import forms

from qinqing.core.errors import InvalidInput
from qinqing.core.files.forms import MultipleFileField
from qinqing.core.orgs.models import Unit
from qinqing.supervision.rules import (
    CADENCE_MONTHS,
    LEVEL_RANK,
    NoticeLevel,
    Stage,
    parse_month,
)


def _choices(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def _model_choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


def _month(text: str):
    try:
        return parse_month(text)
    except InvalidInput as exc:
        raise forms.ValidationError(exc.message) from None


class BulkReportForm(forms.Form):
    """One stage and one account of progress for several report slots at once (批量报送)."""

    stage = forms.ChoiceField(label="推进阶段", choices=Stage.choices, widget=forms.RadioSelect)
    narrative = forms.CharField(
        label="工作进展（所选各项共用）",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="需要填写量化指标或上传附件的任务，请逐项填报。",
    )


class ReportForm(forms.Form):
    stage = forms.ChoiceField(label="推进阶段", choices=Stage.choices, widget=forms.RadioSelect)
    narrative = forms.CharField(
        label="工作进展",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="本期做了什么、取得什么成效、存在什么问题、下一步安排。",
    )
    attachments = MultipleFileField(
        label="附件",
        required=False,
        help_text="可多选；支持 PDF、Word、Excel、PPT、图片、OFD，单个不超过 20 MB。",
    )

    def __init__(self, *args, targets=(), ongoing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if ongoing:
            _choices(self, "stage").choices = [c for c in Stage.choices if c[0] != Stage.COMPLETED]
        self.targets = list(targets)
        for target in self.targets:
            goal = (
                f"（目标：{target.value.normalize():f}{target.unit}）"
                if target.value is not None
                else ""
            )
            self.fields[f"target_{target.pk}"] = forms.DecimalField(
                label=f"当前值：{target.text}{goal}",
                required=False,
                max_digits=20,
                decimal_places=4,
            )

    def target_values(self) -> dict:
        return {
            t.pk: self.cleaned_data.get(f"target_{t.pk}")
            for t in self.targets
            if self.cleaned_data.get(f"target_{t.pk}") is not None
        }

    def target_fields(self):
        return [self[f"target_{t.pk}"] for t in self.targets]


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="退回理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="说明需要补充或修改的内容。",
    )


class NoticeForm(forms.Form):
    level = forms.ChoiceField(label="督办层级", choices=NoticeLevel.choices)
    unit = forms.ModelChoiceField(
        label="被督办单位", queryset=Unit.objects.none(), empty_label="请选择单位"
    )
    task = forms.IntegerField(label="督办任务编号", required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label="督办事由", widget=forms.Textarea(attrs={"rows": 3}))
    requirement = forms.CharField(
        label="办理要求", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    response_workdays = forms.IntegerField(
        label="反馈时限（工作日）", min_value=1, max_value=30, initial=5
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        _model_choices(self, "unit").queryset = units


class EscalateForm(forms.Form):
    level = forms.ChoiceField(
        label="升级为",
        choices=NoticeLevel.choices,
        error_messages={"invalid_choice": "升级督办必须提高层级，请选择列表中高于原督办单的层级。"},
    )
    reason = forms.CharField(label="升级事由", widget=forms.Textarea(attrs={"rows": 3}))
    requirement = forms.CharField(
        label="办理要求", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    response_workdays = forms.IntegerField(
        label="反馈时限（工作日）", min_value=1, max_value=30, initial=5
    )

    def __init__(self, *args, current_level: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if current_level is not None:
            # only the levels above the notice's own, the next one chosen by default
            higher = [
                (value, label)
                for value, label in NoticeLevel.choices
                if LEVEL_RANK[value] > LEVEL_RANK[current_level]
            ]
            _choices(self, "level").choices = higher
            if higher and not self.is_bound:
                self.initial.setdefault("level", higher[0][0])


class RespondForm(forms.Form):
    response = forms.CharField(
        label="反馈内容",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="整改措施、完成情况和下一步安排。",
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label="办结意见", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignmentForm(forms.Form):
    origin = forms.ChoiceField(
        label="交办来源",
        choices=[("meeting", "调度会议定事项"), ("instruction", "领导批示")],
    )
    basis = forms.CharField(
        label="交办依据", max_length=200, help_text="如会议纪要名称、批示编号。"
    )
    title = forms.CharField(label="交办事项", widget=forms.Textarea(attrs={"rows": 2}))
    body = forms.CharField(
        label="具体要求", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    lead_units = forms.ModelMultipleChoiceField(label="牵头单位", queryset=Unit.objects.none())
    responsible_units = forms.ModelMultipleChoiceField(
        label="责任单位", queryset=Unit.objects.none(), required=False
    )
    supporting_units = forms.ModelMultipleChoiceField(
        label="配合单位", queryset=Unit.objects.none(), required=False
    )
    due_on = forms.DateField(
        label="完成时限", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ongoing = forms.BooleanField(label="长期坚持", required=False)
    targets = forms.CharField(
        label="量化目标",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="每行一项，如“审批时间压缩至5个工作日以内”。",
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("lead_units", "responsible_units", "supporting_units"):
            _model_choices(self, name).queryset = units
            self.fields[name].widget.attrs["size"] = 6


class CadenceForm(forms.Form):
    plan: forms.ModelChoiceField = forms.ModelChoiceField(  # the area's plans, set per form
        label="适用方案",
        queryset=None,
        required=False,
        empty_label="本地区默认调度（交办事项及未单独设置的方案）",
    )
    label = forms.CharField(label="调度名称", max_length=40, initial="月调度")
    months = forms.TypedChoiceField(
        label="调度周期", choices=sorted(CADENCE_MONTHS.items()), coerce=int, initial=1
    )
    report_lag_workdays = forms.IntegerField(
        label="报送时限（周期结束后第几个工作日）", min_value=0, max_value=30, initial=5
    )
    starts_on = forms.CharField(
        label="起始月份", widget=forms.TextInput(attrs={"type": "month"}), help_text="如 2025-01"
    )

    def __init__(self, *args, plans=None, **kwargs):
        super().__init__(*args, **kwargs)
        _model_choices(self, "plan").queryset = plans

    def clean_starts_on(self):
        return _month(self.cleaned_data["starts_on"])[0]


class BulletinForm(forms.Form):
    period = forms.CharField(
        label="通报月份", widget=forms.TextInput(attrs={"type": "month"}), help_text="如 2025-06"
    )

    def clean_period(self):
        return _month(self.cleaned_data["period"])
