"""Forms with Chinese labels; validation that needs the database stays in the service."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms

from qinqing.core.accounts.access import visible_units
from qinqing.core.orgs.models import Unit
from qinqing.policies.models import Delivery, FitAnswer, Policy


class LibrarySearchForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=100)
    delivery = forms.ChoiceField(
        label="兑现方式", required=False, choices=[("", "全部"), *Delivery.choices]
    )
    tag = forms.CharField(label="标签", required=False, max_length=50)


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = [
            "code", "title", "document", "article", "document_number", "issuer_unit",
            "issuer_name", "owner_unit", "delivery", "beneficiaries", "conditions_text",
            "materials", "procedure", "contact", "starts_on", "ends_on", "amount_text",
            "industry_tags", "size_tags", "region_tags", "is_public", "review_limit_workdays",
        ]  # fmt: skip
        widgets = {
            "starts_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "ends_on": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
            "beneficiaries": forms.Textarea(attrs={"rows": 2}),
            "conditions_text": forms.Textarea(attrs={"rows": 4}),
            "materials": forms.Textarea(attrs={"rows": 4}),
            "procedure": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "industry_tags": "用空格分隔，如：制造业 科技服务",
            "size_tags": "用空格分隔，如：中型 小型 微型",
            "region_tags": "用空格分隔，如：示例市 示例县",
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = visible_units(user) if user is not None else Unit.objects.none()
        self.fields["owner_unit"].queryset = units.filter(active=True)
        self.fields["issuer_unit"].queryset = units.filter(active=True)
        self.fields["issuer_unit"].required = False
        if self.instance.pk:
            self.fields["code"].disabled = True


class RuleForm(forms.Form):
    yaml_text = forms.CharField(
        label="规则文本（YAML）",
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "code"}),
        max_length=200_000,
    )


class RunForm(forms.Form):
    year = forms.IntegerField(label="政策年度", min_value=2000, max_value=2100)


class FeedbackForm(forms.Form):
    answer = forms.ChoiceField(
        label="这条推送是否符合我的情况", choices=FitAnswer.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(label="补充说明（可不填）", required=False, max_length=500)


MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
ACCOUNT_DIGITS = re.compile(r"\d[\d ]{6,40}\d")
# an application asks for at least this much (元); smaller sums are typing slips
MIN_APPLICATION_AMOUNT = Decimal("100")


class ApplicationForm(forms.Form):
    contact_name = forms.CharField(label="联系人", max_length=50)
    contact_phone = forms.CharField(
        label="联系电话", max_length=30, help_text="手机号码，或带区号的固定电话，如 0710-3456789。"
    )
    bank_account = forms.CharField(
        label="收款账户（开户行及账号）",
        max_length=100,
        help_text="例如：中国工商银行示例市分行 6222 0210 0112 3456 789。",
    )
    requested_amount = forms.DecimalField(
        label="申请金额（元）",
        min_value=MIN_APPLICATION_AMOUNT,
        max_digits=14,
        decimal_places=2,
        error_messages={"min_value": "申请金额不能少于 100 元，请核对金额单位（元）。"},
    )

    def clean_contact_phone(self) -> str:
        raw = (self.cleaned_data.get("contact_phone") or "").strip()
        compact = raw.replace(" ", "")
        if raw and not (MOBILE.match(compact.replace("-", "")) or LANDLINE.match(compact)):
            raise forms.ValidationError(
                f"“{raw}”不是有效的电话号码：请填写 11 位手机号码，或带区号的固定电话（如 0710-3456789）。"
            )
        return compact

    def clean_bank_account(self) -> str:
        raw = " ".join((self.cleaned_data.get("bank_account") or "").split())
        if not raw:
            return raw
        number = ACCOUNT_DIGITS.search(raw)
        digits = re.sub(r"\D", "", number.group(0)) if number else ""
        bank = raw[: number.start()].strip() if number else raw
        if not (8 <= len(digits) <= 30) or len(bank) < 4:
            raise forms.ValidationError(
                "请填写开户银行名称和银行账号（8 至 30 位数字），"
                "例如：中国工商银行示例市分行 6222 0210 0112 3456 789。"
            )
        return raw

    statement = forms.CharField(
        label="申报说明", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, materials=(), required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.material_fields = []
        for index, name in enumerate(materials):
            key = f"material_{index}"
            self.fields[key] = forms.FileField(label=name, required=required)
            self.material_fields.append((key, name))
        if not required:
            for name in ("contact_name", "contact_phone", "bank_account", "requested_amount"):
                self.fields[name].required = False

    def files_by_material(self) -> dict:
        return {name: self.cleaned_data.get(key) for key, name in self.material_fields}


class ReviewForm(forms.Form):
    action = forms.ChoiceField(
        label="审核结论",
        choices=[("approve", "审核通过"), ("return", "退回补正"), ("reject", "不予兑现")],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label="核定金额（元）", required=False, max_digits=14, decimal_places=2
    )
    comment = forms.CharField(
        label="审核意见", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class PaymentForm(forms.Form):
    paid_on = forms.DateField(
        label="拨付日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    payment_ref = forms.CharField(label="拨付凭证号", required=False, max_length=100)


class BudgetForm(forms.Form):
    policy = forms.ModelChoiceField(label="政策", queryset=Policy.objects.none())
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    total = forms.DecimalField(label="资金总额（元）", min_value=0, max_digits=14, decimal_places=2)

    def __init__(self, *args, policies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if policies is not None:
            self.fields["policy"].queryset = policies


class ArrivalForm(forms.Form):
    policy = forms.ModelChoiceField(label="政策", queryset=Policy.objects.none())
    year = forms.IntegerField(label="资金年度", min_value=2000, max_value=2100)
    amount = forms.DecimalField(label="到达金额（元）", max_digits=14, decimal_places=2)
    source = forms.CharField(label="上级来源", max_length=200)
    document_number = forms.CharField(label="文号", required=False, max_length=100)
    arrived_on = forms.DateField(
        label="到达本级日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )

    def __init__(self, *args, policies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if policies is not None:
            self.fields["policy"].queryset = policies


class DisbursementForm(forms.Form):
    disbursed_on = forms.DateField(
        label="下达或拨付日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    note = forms.CharField(label="资金去向", max_length=300)


class CancelForm(forms.Form):
    reason = forms.CharField(label="作废原因", max_length=300)
