"""Forms of 双随机、一公开 and credit: Chinese labels; the services do the domain checks."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from qinqing.core.enterprises.models import CreditTier
from qinqing.core.errors import InvalidInput
from qinqing.inspections import rules
from qinqing.inspections.models import CreditListKind, Frequency, Result


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _ratio(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        max_digits=5,
        decimal_places=4,
        help_text="0 到 1 之间，如 0.05 表示 5%",
    )


class ItemForm(forms.Form):
    unit = forms.ModelChoiceField(label="实施部门", queryset=None, empty_label="请选择")
    code = forms.CharField(label="事项编号", max_length=40, help_text="如 SCJG-001；创建后不能修改")
    name = forms.CharField(label="检查事项", max_length=200)
    legal_basis = forms.CharField(
        label="检查依据", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    industries = forms.CharField(
        label="适用行业",
        max_length=500,
        initial="*",
        help_text="国民经济行业分类代码，多个用“;”分隔，如 C13;F51；* 表示全部行业",
    )
    ratio_a = _ratio("A 类抽查比例")
    ratio_b = _ratio("B 类抽查比例")
    ratio_c = _ratio("C 类抽查比例")
    ratio_d = _ratio("D 类抽查比例")
    frequency = forms.ChoiceField(label="抽查频次", choices=Frequency.choices)
    active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, units, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if editing:
            del self.fields["code"]
        else:
            del self.fields["active"]

    def ratios(self) -> dict[str, Decimal]:
        return {t: self.cleaned_data[f"ratio_{t.lower()}"] for t in "ABCD"}


class InspectorForm(forms.Form):
    unit = forms.ModelChoiceField(label="所在部门", queryset=None, empty_label="请选择")
    name = forms.CharField(label="姓名", max_length=50)
    certificate_number = forms.CharField(
        label="执法证号", max_length=40, help_text="抽取结果中用作人员编号；创建后不能修改"
    )
    fields_text = forms.CharField(
        label="执法领域", max_length=200, required=False, help_text="如 食品安全;特种设备"
    )
    conflicts = forms.CharField(
        label="回避企业（统一社会信用代码）",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="本人申报需回避的企业，多个用“;”或换行分隔；不公开",
    )
    active = forms.BooleanField(label="在岗", required=False, initial=True)
    username = forms.CharField(
        label="登录账号（用户名）",
        max_length=150,
        required=False,
        help_text="检查人员本人在本系统的账号，须属于其所在部门；扫企业码入企时以本人身份登记。留空则不关联",
    )
    mobile = forms.CharField(
        label="手机号",
        max_length=20,
        required=False,
        help_text="加密保存，仅用于工作联系",
    )

    def __init__(self, *args, units, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if editing:
            del self.fields["certificate_number"]
        else:
            del self.fields["active"]


class CampaignForm(forms.Form):
    area = forms.ModelChoiceField(label="所属地区", queryset=None, empty_label=None)
    name = forms.CharField(label="计划名称", max_length=200)
    items = forms.ModelMultipleChoiceField(
        label="检查事项", queryset=None, widget=forms.CheckboxSelectMultiple
    )
    window_start_on = forms.DateField(label="检查开始日期", widget=DateInput())
    window_end_on = forms.DateField(label="检查结束日期", widget=DateInput())
    region_codes = forms.CharField(
        label="抽查地域（行政区划代码）",
        max_length=200,
        required=False,
        help_text="如 420602;420606，或 4206 表示前缀相同的全部区县；留空为企业库全部企业",
    )
    monthly_quiet = forms.CharField(
        label="全域宁静日（每月）",
        max_length=100,
        required=False,
        help_text="如 1-20 表示每月上、中旬不入企检查；填“无”表示不设；新建计划留空时采用本地区登记的宁静日制度",
    )
    cap_a = forms.IntegerField(label="A 类企业年度检查上限", min_value=0, max_value=20, initial=1)
    cap_b = forms.IntegerField(label="B 类企业年度检查上限", min_value=0, max_value=20, initial=2)
    cap_c = forms.IntegerField(label="C 类企业年度检查上限", min_value=0, max_value=20, initial=3)
    cap_d = forms.IntegerField(label="D 类企业年度检查上限", min_value=0, max_value=20, initial=4)
    max_visits_per_inspector = forms.IntegerField(
        label="每名人员本次最多检查户数", min_value=1, required=False
    )
    publish_within_workdays = forms.IntegerField(
        label="结果公示时限（工作日）", min_value=1, max_value=60, initial=20
    )

    def __init__(self, *args, areas, items, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["items"].queryset = items
        self.fields["items"].label_from_instance = lambda i: f"{i.code} {i.name}（{i.unit.name}）"
        if editing:
            del self.fields["area"]

    def clean_monthly_quiet(self):
        text = self.cleaned_data.get("monthly_quiet", "")
        if text.strip() in ("无", "不设", "0"):
            return []
        try:
            return rules.parse_monthly_quiet(text) if text.strip() else None
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from None

    def campaign_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("area", None)
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=200)


class ResultForm(forms.Form):
    result = forms.ChoiceField(label="检查结果", choices=[("", "请选择"), *Result.choices])
    checked_on = forms.DateField(label="检查日期", widget=DateInput())
    note = forms.CharField(
        label="内部备注（不公开）", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class QuietPeriodForm(forms.Form):
    uscc = forms.CharField(label="企业统一社会信用代码", max_length=18)
    start_on = forms.DateField(label="开始日期", widget=DateInput())
    end_on = forms.DateField(label="结束日期", widget=DateInput())
    reason = forms.CharField(
        label="事由", max_length=200, help_text="如 安静生产期、重大订单生产期"
    )

    def clean_uscc(self):
        return self.cleaned_data["uscc"].strip().upper()


class LocalQuietDaysForm(forms.Form):
    name = forms.CharField(
        label="宁静日制度名称", max_length=100, initial="企业生产经营上、中旬宁静日"
    )
    first_day = forms.IntegerField(label="每月开始日", min_value=1, max_value=31, initial=1)
    last_day = forms.IntegerField(label="每月结束日", min_value=1, max_value=31, initial=20)
    source = forms.CharField(label="依据", max_length=200, required=False)


class TierForm(forms.Form):
    tier = forms.ChoiceField(label="新的信用风险分类", choices=CreditTier.choices)
    reason = forms.CharField(label="调整原因", max_length=300)
    source = forms.CharField(label="依据", max_length=200, required=False)
    effective_on = forms.DateField(label="生效日期", widget=DateInput())


class ListEntryForm(forms.Form):
    kind = forms.ChoiceField(label="名单", choices=CreditListKind.choices)
    reason = forms.CharField(label="列入原因", max_length=300)
    source = forms.CharField(label="认定部门及文书", max_length=200)
    listed_on = forms.DateField(label="列入日期", widget=DateInput())
    ends_on = forms.DateField(label="届满日期", widget=DateInput(), required=False)


class RemoveEntryForm(forms.Form):
    reason = forms.CharField(label="移出原因", max_length=300)


class RepairForm(forms.Form):
    list_entry = forms.ModelChoiceField(
        label="申请修复的黑名单记录",
        queryset=None,
        required=False,
        empty_label="（不针对名单记录）",
    )
    statement = forms.CharField(
        label="申请事由",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="已履行的义务、整改情况及所附材料",
    )

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["list_entry"].queryset = entries
        self.fields["list_entry"].label_from_instance = lambda e: (
            f"{e.get_kind_display()}：{e.reason}（{e.listed_on:%Y-%m-%d}）"
        )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="初审意见",
        choices=[("accept", "受理"), ("reject", "不予受理")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="修复决定",
        choices=[("approve", "准予修复"), ("deny", "不予修复")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)
