"""Seal the MFA secrets stored before sealing began (TOTP keys, recovery-code seeds)."""

from django.db import migrations

SECRET_FIELDS = ("secret", "seed")


def seal_existing(apps, schema_editor):
    from accounts.crypto import SEALED_PREFIX, seal

    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.all():
        data = dict(authenticator.data or {})
        changed = False
        for field in SECRET_FIELDS:
            value = data.get(field)
            if isinstance(value, str) and not value.startswith(SEALED_PREFIX):
                data[field] = seal(value)
                changed = True
        if changed:
            Authenticator.objects.filter(pk=authenticator.pk).update(data=data)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_time_zone"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(seal_existing, migrations.RunPython.noop)]
