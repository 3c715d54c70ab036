"""Input of 包联服务 pages, with Chinese labels and messages."""

from __future__ import annotations

from django import forms

from qinqing.appeals.choices import AppealType
from qinqing.engagement.models import (
    ApprovalItem,
    Cadence,
    CadreLevel,
    GridLevel,
    ListKind,
    MeetingKind,
    NeedType,
    Project,
    Topic,
    VisitMode,
    VisitRating,
)

DATE = forms.DateInput(attrs={"type": "date"})


class VisitForm(forms.Form):
    visited_on = forms.DateField(label="走访日期", widget=DATE)
    mode = forms.ChoiceField(label="走访方式", choices=VisitMode.choices, widget=forms.RadioSelect)
    people_met = forms.CharField(label="接待人员", max_length=200, required=False,
                                 help_text="如：张总（总经理）、李会计")  # fmt: skip
    topics = forms.MultipleChoiceField(label="走访内容", choices=Topic.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)  # fmt: skip
    need_types = forms.MultipleChoiceField(label="企业需求类型", choices=NeedType.choices,
                                           required=False, widget=forms.CheckboxSelectMultiple)  # fmt: skip
    summary = forms.CharField(label="走访情况", widget=forms.Textarea(attrs={"rows": 5}),
                              max_length=5000)  # fmt: skip
    attachments = forms.FileField(label="照片或附件", required=False,
                                  widget=forms.ClearableFileInput(attrs={"accept": "image/*,.pdf,.docx"}))  # fmt: skip


class IssueForm(forms.Form):
    need_type = forms.ChoiceField(label="需求类型", choices=NeedType.choices)
    appeal_type = forms.ChoiceField(label="诉求类型", choices=AppealType.choices,
                                    initial=AppealType.HELP)  # fmt: skip
    title = forms.CharField(label="标题", max_length=200)
    content = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 5}),
                              max_length=5000)  # fmt: skip
    contact_name = forms.CharField(label="企业联系人", max_length=50)
    contact_phone = forms.CharField(label="联系电话", max_length=30)


class RatingForm(forms.Form):
    rating = forms.ChoiceField(label="您对这次走访的评价", choices=VisitRating.choices,
                               widget=forms.RadioSelect)  # fmt: skip
    comment = forms.CharField(label="意见建议", max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip


class PairingForm(forms.Form):
    cadre = forms.ModelChoiceField(label="包联干部", queryset=None)
    uscc = forms.CharField(label="企业统一社会信用代码", max_length=18)
    grid_level = forms.ChoiceField(label="网格层级", choices=GridLevel.choices,
                                   initial=GridLevel.TERRITORIAL)  # fmt: skip
    cadence_months = forms.TypedChoiceField(label="走访频次", choices=Cadence.choices, coerce=int,
                                            initial=Cadence.MONTHLY)  # fmt: skip
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, cadres=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].queryset = cadres


class CadreForm(forms.Form):
    username = forms.CharField(label="用户账号", max_length=150)
    level = forms.ChoiceField(label="干部层级", choices=CadreLevel.choices)
    title = forms.CharField(label="职务", max_length=60, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label="包联关系表（.xlsx）")


class EndPairingForm(forms.Form):
    ends_on = forms.DateField(label="结束日期", widget=DATE)


class ProjectForm(forms.Form):
    name = forms.CharField(label="项目名称", max_length=200)
    stage = forms.ChoiceField(label="项目阶段", choices=Project.Stage.choices)
    investment = forms.DecimalField(label="计划总投资（万元）", max_digits=14, decimal_places=2,
                                    min_value=0)  # fmt: skip
    leader = forms.CharField(label="包抓领导账号", max_length=150)
    lead_unit = forms.ModelChoiceField(label="牵头单位", queryset=None)
    members = forms.CharField(label="专班成员账号", required=False,
                              help_text="多个账号用逗号或空格分隔")  # fmt: skip
    uscc = forms.CharField(label="项目业主统一社会信用代码", max_length=18, required=False)
    description = forms.CharField(label="项目简介", widget=forms.Textarea(attrs={"rows": 3}),
                                  required=False)  # fmt: skip

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].queryset = units


class ApprovalForm(forms.Form):
    name = forms.CharField(label="审批事项", max_length=200)
    status = forms.ChoiceField(label="办理状态", choices=ApprovalItem.Status.choices)
    proxy_agent = forms.CharField(label="代办员", max_length=50, required=False)


class ApprovalStatusForm(forms.Form):
    status = forms.ChoiceField(label="办理状态", choices=ApprovalItem.Status.choices)
    proxy_agent = forms.CharField(label="代办员", max_length=50, required=False)


class BlockerForm(forms.Form):
    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 3}))
    owner_unit = forms.ModelChoiceField(label="责任单位", queryset=None)
    owner_name = forms.CharField(label="责任人", max_length=50, required=False)
    limit_workdays = forms.IntegerField(label="办理时限（工作日）", min_value=1, max_value=120,
                                        initial=10)  # fmt: skip

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = units


class ResolveForm(forms.Form):
    resolution = forms.CharField(label="解决情况", widget=forms.Textarea(attrs={"rows": 3}))


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label="会议类型", choices=MeetingKind.choices)
    title = forms.CharField(label="会议名称", max_length=200)
    held_on = forms.DateField(label="会议日期", widget=DATE)
    place = forms.CharField(label="地点", max_length=200, required=False)
    host_unit = forms.ModelChoiceField(label="主办单位", queryset=None)
    usccs = forms.CharField(label="邀请企业（统一社会信用代码）", required=False,
                            widget=forms.Textarea(attrs={"rows": 2}),
                            help_text="每行一个，或用逗号分隔")  # fmt: skip
    units = forms.ModelMultipleChoiceField(label="邀请单位", queryset=None, required=False)
    draft_title = forms.CharField(label="征求意见稿名称", max_length=200, required=False)
    draft_text = forms.CharField(label="征求意见稿正文", required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}))  # fmt: skip
    draft_file = forms.FileField(label="征求意见稿文件", required=False)
    replies_due_on = forms.DateField(label="意见反馈截止", widget=DATE, required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host_unit"].queryset = units
        self.fields["units"].queryset = units


class MinutesForm(forms.Form):
    minutes = forms.CharField(label="会议纪要", widget=forms.Textarea(attrs={"rows": 8}))


class MeetingIssueForm(IssueForm):
    uscc = forms.CharField(label="反映问题的企业（统一社会信用代码）", max_length=18)


class ReplyForm(forms.Form):
    text = forms.CharField(label="意见建议", widget=forms.Textarea(attrs={"rows": 5}),
                           max_length=5000)  # fmt: skip


class ListForm(forms.Form):
    name = forms.CharField(label="名录名称", max_length=100)
    kind = forms.ChoiceField(label="类别", choices=ListKind.choices)
    description = forms.CharField(label="说明", max_length=300, required=False)


class MemberForm(forms.Form):
    uscc = forms.CharField(label="统一社会信用代码", max_length=18)
    joined_on = forms.DateField(label="列入日期", widget=DATE, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)
