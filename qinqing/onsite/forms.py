"""Input forms of on-site checks, lists and reports (Chinese labels and errors)."""

from __future__ import annotations

from django import forms

from qinqing.core.enterprises.models import Enterprise
from qinqing.core.enterprises.uscc import is_valid_uscc
from qinqing.onsite import queries, rules
from qinqing.onsite.models import (
    Discretion,
    EnforcementMatter,
    MatterKind,
    Measure,
    OnsiteSettings,
    Severity,
)

DATE = forms.DateInput(attrs={"type": "date"})


def _enterprise(value: str) -> Enterprise:
    code = (value or "").strip().upper()
    if not is_valid_uscc(code):
        raise forms.ValidationError(
            f"“{value}”不是有效的统一社会信用代码（18 位，末位为校验码），请核对。"
        )
    enterprise = Enterprise.objects.filter(uscc=code).first()
    if enterprise is None:
        raise forms.ValidationError(f"企业库中没有统一社会信用代码为 {code} 的企业，请核对。")
    return enterprise


class ItemChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {obj.name}"


class InspectorChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.certificate_number}）"


class RegistrationForm(forms.Form):
    enterprise = forms.CharField(label="企业统一社会信用代码", max_length=18)
    category = forms.ChoiceField(
        label="检查类别",
        choices=[("", "请选择")] + [(k, v) for k, v in rules.CATEGORY_LABELS.items()],
    )
    planned_on = forms.DateField(label="检查日期", widget=DATE)
    reason = forms.CharField(label="检查事由", widget=forms.Textarea(attrs={"rows": 2}))
    legal_basis = forms.CharField(label="检查依据", widget=forms.Textarea(attrs={"rows": 2}))
    items = ItemChoice(
        label="检查事项", queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )
    inspectors = InspectorChoice(
        label="检查人员", queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )
    exemption_reason = forms.CharField(
        label="宁静日入企理由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="仅安全生产检查、投诉举报核查、突发事件处置在宁静日或休息日入企时填写",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = queries.registrable_items_for_user(user)
        self.fields["inspectors"].queryset = queries.registrable_inspectors_for_user(user)

    def clean_enterprise(self):
        return _enterprise(self.cleaned_data.get("enterprise", ""))


class AfterwardsForm(RegistrationForm):
    late_reason = forms.CharField(label="事后补录原因", widget=forms.Textarea(attrs={"rows": 2}))
    result = forms.CharField(
        label="检查结果", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "请选择")] + [
            (k, rules.CATEGORY_LABELS[k]) for k in ("complaint", "emergency")
        ]
        self.fields["planned_on"].label = "入企日期"
        del self.fields["exemption_reason"]


class NoteForm(forms.Form):
    note = forms.CharField(label="意见", required=False, max_length=300)


class ResultForm(forms.Form):
    result = forms.CharField(label="检查结果", widget=forms.Textarea(attrs={"rows": 3}))


class ReportForm(forms.Form):
    visited_on = forms.DateField(label="入企日期", widget=DATE)
    visitor_unit = forms.CharField(label="来访单位", max_length=200)
    description = forms.CharField(label="情况说明", widget=forms.Textarea(attrs={"rows": 4}))
    conduct = forms.BooleanField(
        label="涉及吃拿卡要、态度粗暴等工作作风问题（将同时移送纪检监察机关）", required=False
    )
    contact_name = forms.CharField(label="联系人", max_length=50)
    contact_phone = forms.CharField(label="联系电话", max_length=30)


class ListForm(forms.Form):
    field = forms.CharField(label="执法领域", max_length=100)
    title = forms.CharField(label="清单名称", max_length=200)


class EntryForm(forms.Form):
    code = forms.CharField(label="编号", max_length=40)
    behaviour = forms.CharField(label="违法行为", max_length=300)
    legal_basis = forms.CharField(label="法律依据", widget=forms.Textarea(attrs={"rows": 2}))
    conditions = forms.CharField(label="适用条件", widget=forms.Textarea(attrs={"rows": 2}))
    discretion = forms.ChoiceField(label="处理方式", choices=Discretion.choices)


class PublishForm(forms.Form):
    effective_on = forms.DateField(label="施行日期", widget=DATE)
    source = forms.CharField(label="发布文件", max_length=200)


class CaseForm(forms.Form):
    entry = forms.ModelChoiceField(label="适用清单事项", queryset=None)
    enterprise = forms.CharField(label="企业统一社会信用代码", max_length=18)
    measure = forms.ChoiceField(label="柔性措施", choices=Measure.choices)
    handled_on = forms.DateField(label="处理日期", widget=DATE)
    observation_until = forms.DateField(label="观察期截止", required=False, widget=DATE)
    summary = forms.CharField(label="案情及处理", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = queries.usable_entries_for_user(user)
        self.fields["entry"].label_from_instance = lambda e: (
            f"{e.version.leniency_list.field} {e.code} {e.behaviour}（{e.get_discretion_display()}）"
        )

    def clean_enterprise(self):
        return _enterprise(self.cleaned_data.get("enterprise", ""))


class SettingsForm(forms.ModelForm):
    class Meta:
        model = OnsiteSettings
        fields = [
            "approval_required",
            "annual_cap",
            "annual_cap_a",
            "recognition_months",
            "minor_publication_months",
            "publication_months",
            "source",
        ]


class MatterForm(forms.Form):
    code = forms.CharField(label="事项编码", max_length=40, help_text="创建后不能修改")
    name = forms.CharField(label="事项名称", max_length=200)
    kind = forms.ChoiceField(label="事项类别", choices=MatterKind.choices)
    legal_basis = forms.CharField(label="实施依据", widget=forms.Textarea(attrs={"rows": 3}))
    inspection_items = ItemChoice(
        label="对应检查事项", queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )
    active = forms.BooleanField(label="有效", required=False, initial=True)

    def __init__(self, *args, user=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspection_items"].queryset = queries.own_items_for_user(user)
        if editing:
            del self.fields["code"]
        else:
            del self.fields["active"]


class StandardForm(forms.Form):
    severity = forms.ChoiceField(label="违法程度", choices=Severity.choices)
    circumstance = forms.CharField(label="违法情节", widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.CharField(label="裁量结果", widget=forms.Textarea(attrs={"rows": 2}))
    source = forms.CharField(label="依据", max_length=200, required=False)


class SingleItemChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.unit.name}：{obj.code} {obj.name}"


class RecognitionForm(forms.Form):
    item = SingleItemChoice(label="已由其他部门检查的事项", queryset=None, empty_label="请选择")
    counts_for = SingleItemChoice(
        label="本单位视同已检查的事项", queryset=None, empty_label="请选择"
    )
    source = forms.CharField(label="互认依据", max_length=200)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = queries.recognisable_items()
        self.fields["counts_for"].queryset = queries.own_items_for_user(user).select_related("unit")


class PenaltyForm(forms.Form):
    enterprise = forms.CharField(label="企业统一社会信用代码", max_length=18)
    decision_number = forms.CharField(label="决定书文号", max_length=100)
    summary = forms.CharField(label="违法行为及处罚内容", widget=forms.Textarea(attrs={"rows": 3}))
    minor = forms.BooleanField(
        label="仅通报批评或较低数额罚款（公示期较短，届满后不再公开）", required=False
    )
    published_on = forms.DateField(label="公示日期", widget=DATE)
    matter = forms.ModelChoiceField(
        label="对应执法事项", queryset=None, required=False, empty_label="（不关联）"
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        unit = queries.own_unit(user)
        self.fields["matter"].queryset = (
            queries.visible_matters_for_user(user).filter(unit=unit)
            if unit is not None
            else EnforcementMatter.objects.none()
        )

    def clean_enterprise(self):
        return _enterprise(self.cleaned_data.get("enterprise", ""))
