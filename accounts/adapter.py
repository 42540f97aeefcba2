"""How allauth fits Housecall: emails through the task worker, role-aware redirects."""

from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest
from django.urls import reverse

from accounts.models import Role
from accounts.tasks import send_email

SITE_NAME = "Housecall"


class AccountAdapter(DefaultAccountAdapter):
    """Housecall's account rules: sign-up makes patients; mail goes out in the background."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render the email now and leave the sending to the background worker."""
        request = allauth_context.request
        ctx = {
            "request": request,
            "email": email,
            "current_site": SimpleNamespace(
                name=SITE_NAME, domain=request.get_host() if request else ""
            ),
        }
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        html = next(
            (
                content
                for content, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            "",
        )
        send_email.enqueue(
            subject=message.subject, body=message.body, to=list(message.to), html=html
        )

    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        """Everyone who signs up is a patient; clinicians and staff are added by the clinic."""
        user.role = Role.PATIENT
        return super().save_user(request, user, form, commit=commit)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return reverse("dashboard")


class MFAAdapter(DefaultMFAAdapter):
    """Clinicians and staff may not remove the authenticator their role requires."""

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if authenticator.type == Authenticator.Type.TOTP and authenticator.user.must_use_mfa:
            return False
        return super().can_delete_authenticator(authenticator)

    def _get_site_name(self) -> str:
        return SITE_NAME
