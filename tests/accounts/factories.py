"""Factories for people in each role."""

import datetime

import factory
from allauth.account.models import EmailAddress

from accounts.models import Language, PatientProfile, ProviderLicense, ProviderProfile, Role, User

PASSWORD = "correct-Horse-battery-7"


class UserFactory(factory.django.DjangoModelFactory):
    """A patient with a verified email address and a known password."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Faker("name")
    role = Role.PATIENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(
                user=self, email=self.email, verified=extracted is not False, primary=True
            )


class PatientProfileFactory(factory.django.DjangoModelFactory):
    """A patient with their details and, unless intake=False, a complete health history."""

    class Meta:
        model = PatientProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.PATIENT)
    legal_first_name = "Jordan"
    legal_last_name = "Rivera"
    date_of_birth = datetime.date(1990, 5, 17)
    phone = "+15125550123"
    current_state = "TX"
    time_zone = "America/Chicago"

    @factory.post_generation
    def intake(self, create, extracted, **kwargs):
        # Booking needs a complete intake; tests of the intake itself ask for intake=False.
        if create and extracted is not False:
            from tests.visits.intake.factories import complete_intake

            complete_intake(self.user)


class ProviderProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.CLINICIAN)
    kind = ProviderProfile.Kind.PHYSICIAN
    credentials = "MD"
    time_zone = "America/Chicago"

    @factory.post_generation
    def states(self, create, extracted, **kwargs):
        if create:
            for state in extracted or ["TX"]:
                ProviderLicense.objects.create(provider=self, state=state)

    @factory.post_generation
    def language_codes(self, create, extracted, **kwargs):
        if create:
            self.languages.set(Language.objects.filter(code__in=extracted or ["en"]))
