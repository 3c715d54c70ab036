"""Forms of plan import and review, with Chinese labels and errors."""

from __future__ import annotations

from django import forms

from qinqing.plans.models import TaskOrigin


class _Form(forms.Form):
    """Labels without Django's trailing colon (screen readers and tests read the bare name)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="方案文件",
        help_text="实施方案 .txt（UTF-8 或 GBK）、.docx、带文字层的 .pdf，材料汇编，"
        "或按台账列（序号、重点任务、具体内容、牵头单位、责任单位、完成时限、量化指标）填写的 .xlsx",
        error_messages={"required": "请选择要上传的文件。", "empty": "上传的文件是空的。"},
    )
    area = forms.TypedChoiceField(label="所属地区", coerce=int, required=False)
    title = forms.CharField(
        label="方案标题（可不填）",
        max_length=300,
        required=False,
        help_text="不填则从文件中识别；同一地区同一标题的方案再次导入时作为新版本",
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [(a.pk, a.name) for a in areas]


class PlanDetailsForm(_Form):
    title = forms.CharField(label="方案标题", max_length=300)
    year = forms.IntegerField(label="年度", required=False, min_value=1990, max_value=2100)


class TaskForm(_Form):
    label = forms.CharField(label="序号", max_length=30, required=False)
    title = forms.CharField(
        label="重点任务", widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写任务名称。"},
    )  # fmt: skip
    body = forms.CharField(
        label="具体内容", widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    lead_units = forms.CharField(
        label="牵头单位", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="多个单位用顿号或换行分隔",
    )  # fmt: skip
    responsible_units = forms.CharField(
        label="责任单位", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="多个单位用顿号或换行分隔",
    )  # fmt: skip
    supporting_units = forms.CharField(
        label="配合单位", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    deadline_raw = forms.CharField(
        label="完成时限（原文）", max_length=300, required=False,
        help_text="如“2025年6月底前”“长期坚持”；只改原文时，日期按原文重新识别",
    )  # fmt: skip
    due_on = forms.DateField(
        label="完成日期", required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={"invalid": "请填写有效日期，例如 2025-06-30。"},
    )  # fmt: skip
    ongoing = forms.BooleanField(label="长期坚持", required=False)
    targets = forms.CharField(
        label="量化指标", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一项，保留原文表述",
    )  # fmt: skip


class AddTaskForm(TaskForm):
    """补充任务: a task the parser missed, added on the review page."""

    section = forms.TypedChoiceField(label="所属分组", coerce=int, required=False, empty_value=None)

    field_order = ["label", "section", "title"]

    prefix = "add"  # the review page also holds the plan details form (its "title" field)

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [("", "（不分组）")] + [
            (s.pk, f"{s.label} {s.title}".strip()) for s in sections
        ]
        self.order_fields(self.field_order)


class ConfirmForm(forms.Form):
    accept_unresolved = forms.BooleanField(
        label="仍有未对应的单位名称时仍然确认（这些名称暂不计入任何单位的任务）", required=False
    )


class LedgerFilterForm(_Form):
    q = forms.CharField(label="关键词", required=False)
    unit = forms.TypedChoiceField(label="单位", coerce=int, required=False, empty_value=None)
    unit_role = forms.ChoiceField(
        label="单位角色",
        required=False,
        choices=[("", "牵头或责任"), ("lead", "牵头单位"), ("responsible", "责任单位"),
                 ("supporting", "配合单位")],
    )  # fmt: skip
    plan = forms.TypedChoiceField(label="方案", coerce=int, required=False, empty_value=None)
    section = forms.TypedChoiceField(label="章节", coerce=int, required=False, empty_value=None)
    origin = forms.ChoiceField(
        label="来源", required=False, choices=[("", "全部"), *TaskOrigin.choices]
    )
    due_from = forms.DateField(
        label="完成时限自", required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={"invalid": "请填写有效日期，例如 2025-06-30。"},
    )  # fmt: skip
    due_to = forms.DateField(
        label="完成时限至", required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={"invalid": "请填写有效日期，例如 2025-12-31。"},
    )  # fmt: skip
    status = forms.ChoiceField(label="状态", required=False)
    ongoing = forms.BooleanField(label="只看长期坚持", required=False)
    due_soon = forms.BooleanField(label="只看临期", required=False)

    def __init__(self, *args, units=(), plans=(), sections=(), statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "全部状态"), *statuses]
        self.fields["unit"].choices = [("", "全部单位")] + [(u.pk, u.name) for u in units]
        self.fields["plan"].choices = [("", "全部方案")] + [(p.pk, str(p)) for p in plans]
        self.fields["section"].choices = [("", "全部章节")] + [
            (s.pk, f"{s.plan.title}：{s}") for s in sections
        ]


class LibrarySearchForm(forms.Form):
    q = forms.CharField(label="搜索经验材料", required=False, max_length=100)
