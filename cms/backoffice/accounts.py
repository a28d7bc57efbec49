"""Blocking an account from the Wagtail admin (/cms/accounts/<id>/): the account's public name and
addresses, whether a block stands, its blocks' history (who, when, why), and the forms to block it with a
reason or lift the block. Reached from a proposal's author. Moderators, officials and administrators see
it (`can_moderate`); the service decides who may block whom (`can_block_account`: only an administrator
blocks an account with a role), and a refusal is the 403 page, a bad reason an error on the form."""

from allauth.account.models import EmailAddress
from django import forms
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cocreate.accounts.models import User
from cocreate.exceptions import NotAllowed, ServiceError
from cocreate.forms import add_service_error
from proposals import permissions
from proposals.services import REASON_MAX
from proposals.services.account_blocks import account_block, account_unblock

from .views import ModeratorsOnlyMixin, forbidden


class BlockForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason shown to the person"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required. They are told by e-mail; kept with the block."),
    )


class UnblockForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Optional: why the block is lifted. Kept with the block."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_unblock_%s")  # beside the block form's `reason`
        super().__init__(*args, **kwargs)


class AccountView(ModeratorsOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "backoffice/account.html"
    header_icon = "user"
    page_title = gettext_lazy("Account")

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.forms = {}

    def dispatch(self, request, *args, **kwargs):
        # Looked up for moderators only: anyone else gets the mixin's 403 whatever the id.
        if permissions.can_moderate(request.user):
            self.account = get_object_or_404(User, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.account.public_name)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        blocks = list(self.account.blocks.all())
        context.update(
            account=self.account,
            emails=EmailAddress.objects.filter(user=self.account).order_by("-primary", "email"),
            blocks=blocks,
            blocked=any(block.lifted_at is None for block in blocks),
            can_block=permissions.can_block_account(self.request.user, self.account),
            block_form=self.forms.get("block") or BlockForm(),
            unblock_form=self.forms.get("unblock") or UnblockForm(),
        )
        return context

    def post(self, request, pk: int):
        name, form_class = ("unblock", UnblockForm) if "unblock" in request.POST else ("block", BlockForm)
        form = form_class(request.POST)
        if form.is_valid():
            service = account_unblock if name == "unblock" else account_block
            try:
                service(actor=request.user, user=self.account, reason=form.cleaned_data["reason"])
            except NotAllowed as error:
                return forbidden(request, error.message)
            except ServiceError as error:
                add_service_error(form, error)
            else:
                if name == "unblock":
                    messages.success(request, _("The block is lifted; the person is told by e-mail."))
                else:
                    messages.success(request, _("The account is blocked; the person is told by e-mail."))
                return HttpResponseRedirect(reverse("cms_accounts:detail", args=[pk]))
        self.forms[name] = form
        messages.error(request, _("The account was not changed: see the errors below."))
        return self.render_to_response(self.get_context_data())


app_name = "cms_accounts"
urlpatterns = [path("<int:pk>/", AccountView.as_view(), name="detail")]
