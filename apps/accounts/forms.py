from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Role


class InvitationCreateForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)
