from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """People, roles, profiles and the access policy."""

    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import sessions  # noqa: F401 - connects the session signal receivers
        from config.forms import refuse_oversized_choices

        refuse_oversized_choices()
