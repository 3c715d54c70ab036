from django import forms

from qinqing.core.orgs.models import UnitKind


class UnitForm(forms.Form):
    name = forms.CharField(label="单位名称", max_length=100)
    kind = forms.ChoiceField(label="单位类别", choices=UnitKind.choices)
    parent = forms.IntegerField(label="上级单位", widget=forms.Select)
    code = forms.CharField(label="代码", max_length=32, required=False)
    coordinating = forms.BooleanField(label="承担营商环境统筹职能", required=False)
    aliases = forms.CharField(label="别名（用、分隔）", required=False)


class AliasForm(forms.Form):
    alias = forms.CharField(label="别名", max_length=100)


class ResolveForm(forms.Form):
    name = forms.CharField(label="单位名称或简称", max_length=100)


class ImportForm(forms.Form):
    file = forms.FileField(label="机构库文件（.xlsx）")
