"""Forms of the problem ledger: Chinese labels and errors; the service checks the rest."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from qinqing.core.errors import InvalidInput
from qinqing.core.files.forms import MultipleFileField
from qinqing.core.orgs.models import AREA_KINDS, Unit
from qinqing.problems.rules import (
    ArrearsKind,
    CampaignKind,
    ConductKind,
    Source,
    parse_repayment_plan,
)
from qinqing.supervision.rules import NoticeLevel


def _units(area: Unit | None):
    if area is None:
        return Unit.objects.none()
    return Unit.objects.filter(path__startswith=area.path, active=True).order_by("path")


class _UnitChoices(forms.Form):
    def _choices(self, name: str) -> forms.ModelChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        return field


class ProblemForm(_UnitChoices):
    title = forms.CharField(label="问题", max_length=300)
    source = forms.ChoiceField(label="来源", choices=Source.choices)
    source_detail = forms.CharField(label="来源说明", max_length=300, required=False,
                                    help_text="如 督查组名称、批示文号、会议纪要")  # fmt: skip
    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 4}),
                                  required=False)  # fmt: skip
    lead_unit = forms.ModelChoiceField(label="牵头单位", queryset=Unit.objects.none())
    responsible_units = forms.ModelMultipleChoiceField(
        label="责任单位", queryset=Unit.objects.none(), required=False
    )
    measures = forms.CharField(label="整改措施", widget=forms.Textarea(attrs={"rows": 3}),
                               required=False)  # fmt: skip
    time_limit = forms.CharField(label="整改时限", max_length=30,
                                 help_text="如 15个工作日、到达本级15日内、48小时")  # fmt: skip
    evidence_note = forms.CharField(label="发现问题的证据", widget=forms.Textarea(attrs={"rows": 3}),
                                    required=False)  # fmt: skip
    evidence_files = MultipleFileField(label="证据文件", required=False)

    def __init__(self, *args, area=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._choices("lead_unit").queryset = _units(area)
        self._choices("responsible_units").queryset = _units(area)


class RectifyForm(forms.Form):
    rectification = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 4}))
    evidence_note = forms.CharField(label="佐证说明", widget=forms.Textarea(attrs={"rows": 2}),
                                    required=False)  # fmt: skip
    evidence_files = MultipleFileField(label="佐证材料", required=False)


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回理由", widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpForm(forms.Form):
    result = forms.ChoiceField(
        label="回头看结果", choices=[("passed", "未反弹"), ("recurred", "问题反弹")],
        widget=forms.RadioSelect,
    )  # fmt: skip
    note = forms.CharField(label="回头看情况", widget=forms.Textarea(attrs={"rows": 3}))


class EscalateForm(forms.Form):
    level = forms.ChoiceField(label="督办层级", choices=NoticeLevel.choices)
    reason = forms.CharField(label="督办事由", widget=forms.Textarea(attrs={"rows": 2}))
    response_workdays = forms.IntegerField(label="反馈时限（工作日）", min_value=1, max_value=30,
                                           initial=5)  # fmt: skip


class ReferForm(forms.Form):
    conduct = forms.ChoiceField(label="问题性质", choices=ConductKind.choices)
    allegation = forms.CharField(label="问题线索", widget=forms.Textarea(attrs={"rows": 3}))
    persons = forms.CharField(label="涉及人员", max_length=300, required=False)


class ReferralFeedbackForm(forms.Form):
    feedback = forms.CharField(label="核查反馈", widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.CharField(label="处理结果", widget=forms.Textarea(attrs={"rows": 2}),
                              required=False)  # fmt: skip
    conclude = forms.BooleanField(label="办结", required=False)


class CampaignForm(forms.Form):
    kind = forms.ChoiceField(label="整治类型", choices=CampaignKind.choices)
    title = forms.CharField(label="专项名称", max_length=200)
    target_on = forms.DateField(label="清零时限", widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label="工作要求", widget=forms.Textarea(attrs={"rows": 3}),
                                  required=False)  # fmt: skip


class VisitForm(_UnitChoices):
    team = forms.CharField(label="督查组", max_length=100)
    kind = forms.ChoiceField(
        label="方式",
        choices=[(c.value, c.label) for c in (Source.INSPECTION, Source.GUIDANCE, Source.INCOGNITO,
                                              Source.SIMULATED, Source.DIRECTOR_WALK)],
    )  # fmt: skip
    visited_on = forms.DateField(label="督查日期", widget=forms.DateInput(attrs={"type": "date"}))
    summary = forms.CharField(label="督查情况", widget=forms.Textarea(attrs={"rows": 3}),
                              required=False)  # fmt: skip
    finding = forms.CharField(label="发现的问题", max_length=300)
    lead_unit = forms.ModelChoiceField(label="牵头单位", queryset=Unit.objects.none())
    time_limit = forms.CharField(label="整改时限", max_length=30, initial="15个工作日")
    evidence_note = forms.CharField(label="现场证据", widget=forms.Textarea(attrs={"rows": 2}),
                                    required=False)  # fmt: skip

    def __init__(self, *args, area=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._choices("lead_unit").queryset = _units(area)


class ArrearsForm(_UnitChoices):
    kind = forms.ChoiceField(label="类型", choices=ArrearsKind.choices)
    creditor_name = forms.CharField(label="债权企业", max_length=200)
    creditor_uscc = forms.CharField(label="统一社会信用代码", max_length=18)
    debtor_unit = forms.ModelChoiceField(label="欠款单位（机构库）", queryset=Unit.objects.none(),
                                         required=False)  # fmt: skip
    debtor_name = forms.CharField(label="欠款单位名称", max_length=200, required=False,
                                  help_text="国有企业等不在机构库中的单位请填写名称")  # fmt: skip
    debtor_is_soe = forms.BooleanField(label="欠款单位为国有企业", required=False)
    county = forms.ModelChoiceField(label="县（市、区）", queryset=Unit.objects.none())
    principal = forms.CharField(label="欠款金额（元）")
    incurred_on = forms.DateField(label="形成日期", widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label="欠款事由/承诺内容", widget=forms.Textarea(attrs={"rows": 2}),
                                  required=False)  # fmt: skip

    def __init__(self, *args, area=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._choices("debtor_unit").queryset = _units(area)
        self._choices("county").queryset = _units(area).filter(kind__in=AREA_KINDS)


class PaymentForm(forms.Form):
    amount = forms.CharField(label="还款金额（元）")
    paid_on = forms.DateField(label="还款日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="说明", max_length=300, required=False)


class RepaymentPlanForm(forms.Form):
    plan = forms.CharField(
        label="还款计划（每行一个年度和金额）", required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2026 500000\n2027 300000"}),
        help_text="如“2026 500000”，金额单位为元；删去一行即取消该年度的计划。",
    )  # fmt: skip

    def clean_plan(self) -> dict[int, Decimal]:
        try:
            return parse_repayment_plan(self.cleaned_data["plan"])
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from None


class DisputeForm(forms.Form):
    disputed = forms.BooleanField(label="存在争议", required=False)
    note = forms.CharField(
        label="争议情况", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="哪一方对哪部分金额或事实有异议，目前如何协调",
    )  # fmt: skip


class SupervisorReportForm(forms.Form):
    title = forms.CharField(label="反映事项", max_length=200)
    place = forms.CharField(label="地点/单位", max_length=200, required=False)
    content = forms.CharField(label="具体情况", widget=forms.Textarea(attrs={"rows": 4}))


class DutyForm(forms.Form):
    on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    activity = forms.CharField(label="履职内容", max_length=500)


class CaseForm(forms.Form):
    title = forms.CharField(label="标题", max_length=200)
    body = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 6}))


class OpenThemeForm(_UnitChoices):
    lead_unit = forms.ModelChoiceField(label="牵头单位", queryset=Unit.objects.none())
    time_limit = forms.CharField(label="整改时限", max_length=30, initial="30日")

    def __init__(self, *args, area=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._choices("lead_unit").queryset = _units(area)


class SettingsForm(forms.Form):
    follow_up_days = forms.IntegerField(label="回头看间隔（自然日）", min_value=1, max_value=730,
                                        help_text="销号后多少天进行回头看")  # fmt: skip
    deduction_overdue = forms.DecimalField(label="逾期未整改每件扣分", max_digits=5,
                                           decimal_places=2)  # fmt: skip
    deduction_recurrence = forms.DecimalField(label="回头看反弹每件扣分", max_digits=5,
                                              decimal_places=2)  # fmt: skip
    deduction_accountability = forms.DecimalField(
        label="被问责每件扣分", max_digits=5, decimal_places=2,
        help_text="问责是最高一级的处理，分值不能低于前两项",
    )  # fmt: skip
    source = forms.CharField(label="依据", max_length=200, required=False,
                             help_text="如 考评办法的文件名称和文号")  # fmt: skip


class ImportForm(forms.Form):
    file = forms.FileField(label="问题清单（.xlsx）")
