"""Forms of the assessment pages: Chinese labels, errors that say what to change."""

from __future__ import annotations

from django import forms

from qinqing.assessment import rules
from qinqing.assessment.models import ScoringMethod, SupervisionLevel, TargetKind
from qinqing.assessment.registry import Period
from qinqing.core.errors import InvalidInput

DATE = forms.DateInput(attrs={"type": "date"})


class SchemeForm(forms.Form):
    name = forms.CharField(label="方案名称", max_length=100)
    target_kind = forms.ChoiceField(label="考评对象类别", choices=TargetKind.choices)
    effective_from = forms.DateField(label="生效日期", widget=DATE)
    effective_to = forms.DateField(label="截止日期（可不填）", required=False, widget=DATE)
    bottom_n = forms.IntegerField(label="末位标记名数", min_value=0, max_value=50, initial=3)
    description = forms.CharField(
        label="说明（可不填）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SchemeEditForm(SchemeForm):
    """Editing a draft: the target kind is fixed once the scheme exists."""

    target_kind = None  # type: ignore[assignment]  # the field is removed, as Django allows


class ItemForm(forms.Form):
    indicator_code = forms.CharField(label="指标", max_length=100)
    weight = forms.DecimalField(label="权重", max_digits=5, decimal_places=2)
    method = forms.ChoiceField(label="计分方法", choices=ScoringMethod.choices)
    floor = forms.DecimalField(
        label="下限（线性插值）", required=False, max_digits=14, decimal_places=4
    )
    ceiling = forms.DecimalField(
        label="上限（线性插值）", required=False, max_digits=14, decimal_places=4
    )
    thresholds = forms.CharField(
        label="分档（门槛:得分比例，逗号分隔）",
        required=False,
        help_text="例如“95:100, 90:80, 80:60”：达到 95 得满分，达到 90 得 80%。",
    )

    def clean_thresholds(self):
        try:
            return rules.parse_thresholds(self.cleaned_data.get("thresholds") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class RunForm(forms.Form):
    period_start = forms.DateField(label="期间开始", widget=DATE)
    period_end = forms.DateField(label="期间结束", widget=DATE)
    period_label = forms.CharField(
        label="期间名称（可不填，自动生成）", required=False, max_length=50
    )

    def period(self) -> Period:
        data = self.cleaned_data
        return Period(data["period_start"], data["period_end"], data.get("period_label") or "")

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            raise forms.ValidationError(
                f"期间开始 {start.isoformat()} 晚于期间结束 {end.isoformat()}，请改正。"
            )
        return data


class ExternalImportForm(forms.Form):
    file = forms.FileField(label="排名文件（.xlsx 或 .csv）")
    total_ranked = forms.IntegerField(label="全省参评县（市、区）总数", min_value=1)
    period_label = forms.CharField(
        label="年度/期次（文件中没有该列时填写）", required=False, max_length=50
    )
    source = forms.CharField(label="评价名称", max_length=100, initial="全省营商环境评价")
    replace = forms.BooleanField(label="覆盖已导入的同期结果", required=False)


class ExternalRuleForm(forms.Form):
    bottom_n = forms.IntegerField(label="全省排名后 N 名", min_value=1, max_value=200)
    level = forms.ChoiceField(label="触发督办层级", choices=SupervisionLevel.choices)
    active = forms.BooleanField(label="启用该规则", required=False)


class TriggerHandleForm(forms.Form):
    note = forms.CharField(label="处理说明", max_length=300, required=False)


def first_error(form: forms.Form) -> InvalidInput:
    """Turn a form's errors into one message naming the fields."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            parts.append(f"“{label}”：{error}" if label else str(error))
    return InvalidInput("；".join(parts) or "提交的内容有误，请检查后重新提交。")
