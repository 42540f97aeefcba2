"""How allauth fits Housecall: emails through the task worker, on the clinic's own address."""

import datetime
import zoneinfo
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.core.internal import ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from accounts.crypto import seal, unseal_or_plain
from accounts.models import Role, User
from accounts.tasks import queue_email

UTC = zoneinfo.ZoneInfo("UTC")


def site_url(path: str) -> str:
    """An absolute link on the clinic's address from settings, whatever Host a request named."""
    return settings.SITE_URL + path


def greeting_name(user: User | None) -> str:
    """The name an email greets this person by, or "" when Housecall does not know it yet."""
    if user is None or user.pk is None:
        return ""
    if user.display_name:
        return user.display_name
    profile = user.patient_profile_or_none
    if profile is not None:
        return profile.preferred_name or profile.legal_first_name
    return ""


def _zone_of(user: User | None) -> zoneinfo.ZoneInfo:
    """The person's own time zone (patient or clinician profile), else UTC."""
    for name in ("patient_profile", "provider_profile"):
        profile = getattr(user, name, None) if user is not None else None
        if profile is not None:
            return profile.zone
    return UTC


def _recipient(context: dict, email: str) -> User | None:
    """Who an email is for: the user allauth names, else the account that owns the address."""
    user = context.get("user")
    if isinstance(user, User):
        return user
    owner = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
    if owner is not None:
        return owner.user
    return User.objects.filter(email__iexact=email).first()


def _login_of(credentials: dict) -> str:
    """The address a sign-in attempt names, as allauth compares it."""
    return (credentials.get("email") or credentials.get("username") or "").lower()


# Wrong passwords for one account, from anywhere, that make us warn its owner.
GUESSING_WARN_AFTER = 5
GUESSING_WINDOW = datetime.timedelta(minutes=15)


class AccountAdapter(DefaultAccountAdapter):
    """Housecall's account rules: sign-up makes patients; mail goes out in the background."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render the email now, in the clinic's name, and leave the sending to the worker."""
        request = allauth_context.request
        user = _recipient(context, email)
        ctx = {
            "request": request,
            "email": email,
            "current_site": SimpleNamespace(
                name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc
            ),
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "sign_in_url": site_url(reverse("account_login")),
            "forgot_password_url": site_url(reverse("account_reset_password")),
            "security_url": site_url(reverse("account_security")),
        }
        ctx.update(context)
        ctx["greeting_name"] = greeting_name(user)
        if "signup_url" in ctx:
            # allauth builds this one from the request (unknown-account email).
            ctx["signup_url"] = site_url(reverse("account_signup"))
        if "timestamp" in ctx:
            ctx["local_timestamp"] = timezone.localtime(ctx["timestamp"], _zone_of(user))
        message = self.render_mail(template_prefix, email, ctx)
        html = next(
            (
                content
                for content, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            "",
        )
        queue_email(subject=message.subject, body=message.body, to=list(message.to), html=html)

    def format_email_subject(self, subject: str) -> str:
        return f"{settings.SITE_NAME}: {subject}"

    def send_notification_mail(self, template_prefix, user, context=None, email=None) -> None:
        """Security notices know whom they are for, so they can greet them by name."""
        super().send_notification_mail(
            template_prefix, user, {"user": user, **(context or {})}, email
        )

    def send_account_already_exists_mail(self, email: str) -> None:
        """Tell the owner someone tried to sign up again, with links on the clinic's address.

        A new sign-up hashes its password, which is most of its time; this path hashes one
        too, so how long the answer takes never tells whether the address has an account.
        """
        make_password(get_random_string(32))
        self.send_mail(
            "account/email/account_already_exists",
            email,
            {
                "signup_url": site_url(reverse("account_signup")),
                "password_reset_url": site_url(reverse("account_reset_password")),
            },
        )

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation) -> str:
        return site_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        # Reversed with placeholders, as allauth does: the key is "<uidb36>-<token>".
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return site_url(path.replace("UID-KEY", quote(key)))

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        """Limit failed sign-ins per address, and per account from that address.

        The account's own count is kept per address, so a guesser elsewhere can slow only
        themselves and never lock the owner out; the owner is told when it happens.
        """
        login = _login_of(credentials)
        # allauth's own limiter, so a correct password rolls the attempt back as allauth does.
        self._login_failed_rl_usage = ratelimit.consume(
            request,
            app="allauth.account",
            action="login_failed",
            key=f"{login}|{self.get_client_ip(request)}",
        )
        if not self._login_failed_rl_usage:
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request: HttpRequest, **credentials) -> None:
        """Count wrong passwords for the account from anywhere; warn the owner once an hour."""
        login = _login_of(credentials)
        user = User.objects.filter(email__iexact=login, is_active=True).first() if login else None
        if user is None:
            return
        key = f"housecall:sign-in-failures:{user.pk}"
        cache.add(key, 0, timeout=int(GUESSING_WINDOW.total_seconds()))
        failures = cache.incr(key)
        warned = f"housecall:sign-in-guessing-warned:{user.pk}"
        if failures >= GUESSING_WARN_AFTER and cache.add(warned, True, timeout=3600):
            self.send_notification_mail(
                "account/email/sign_in_guessing",
                user,
                {
                    "failures": failures,
                    "window_minutes": int(GUESSING_WINDOW.total_seconds() // 60),
                },
            )

    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        """Everyone who signs up is a patient; clinicians and staff are added by the clinic."""
        user.role = Role.PATIENT
        return super().save_user(request, user, form, commit=commit)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return reverse("dashboard")


class MFAAdapter(DefaultMFAAdapter):
    """Clinicians and staff keep their authenticator; its secrets are sealed in the database."""

    def encrypt(self, text: str) -> str:
        """TOTP keys and recovery-code seeds are stored sealed (accounts.crypto), never plain."""
        return seal(text)

    def decrypt(self, encrypted_text: str) -> str:
        """Open a sealed secret; one stored before sealing began is read as it is."""
        return unseal_or_plain(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Clinicians and staff may not remove the authenticator their role requires."""
        if authenticator.type == Authenticator.Type.TOTP and authenticator.user.must_use_mfa:
            return False
        return super().can_delete_authenticator(authenticator)

    def _get_site_name(self) -> str:
        return settings.SITE_NAME
