"""Every URL in the URL configuration, with arguments built from real objects of the demo clinic.

Shared by the audit walk and the fuzz test: one place says how each route's arguments are made.
"""

import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch
from django.utils import timezone

from accounts.models import PatientProfile, ProviderProfile, Role, User
from tests.accounts.fixtures import enrol_totp
from visits.audit import AuditEvent
from visits.intake.models import IntakeStep
from visits.questionnaires.models import Questionnaire, QuestionnaireResponse, SafetyAlert
from visits.records.models import LabOrder, NoteDiagnosis, Prescription
from visits.scheduling.models import Visit


@dataclass
class Route:
    """One URL pattern: its full route, its name, and the view behind it."""

    route: str
    name: str | None
    pattern: URLPattern

    @property
    def parameters(self) -> list[str]:
        return list(self.pattern.pattern.regex.groupindex)

    @property
    def model_admin(self) -> Any:
        return getattr(self.pattern.callback, "model_admin", None)


def routes(patterns: list | None = None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    """Every URL pattern, depth first, with its namespaced name."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        else:
            name = f"{namespace}{entry.name}" if entry.name else None
            yield Route(prefix + str(entry.pattern), name, entry)


@dataclass
class Clinic:
    """The demo clinic, and one person in each role the walk signs in as."""

    patient: User
    other_patient: User
    treating: User
    not_treating: User
    staff: User
    admin: User

    @property
    def roles(self) -> dict[str, User]:
        return {
            "patient": self.patient,
            "another patient": self.other_patient,
            "clinician treating": self.treating,
            "clinician not treating": self.not_treating,
            "staff": self.staff,
            "admin": self.admin,
        }

    def urls(self, route: Route) -> list[str]:
        """The route's URL, once for each intake step and each questionnaire where it takes one."""
        if "step" in route.parameters:
            return [u for step in IntakeStep if (u := self.url(route, step=step.value))]
        if route.name in {"questionnaire_answer", "visit_questionnaire"}:
            slugs = Questionnaire.objects.values_list("slug", flat=True).distinct()
            return [u for slug in sorted(slugs) if (u := self.url(route, slug=slug))]
        url = self.url(route)
        return [url] if url else []

    def url(self, route: Route, **given: Any) -> str | None:
        """The route's URL for the patient's own records, or None when it takes no GET arguments
        we can make (the admin's catch-all, a redirect by content type)."""
        if route.name is None or route.name in {"admin:view_on_site"}:
            return None
        kwargs = {}
        for parameter in route.parameters:
            value = given.get(parameter, self.argument(route, parameter))
            if value is None:
                return None
            kwargs[parameter] = value
        try:
            url = reverse(route.name, kwargs=kwargs)
        except NoReverseMatch:
            return None
        if route.name == "admin:autocomplete":  # the one autocomplete our admin has
            url += "?app_label=accounts&model_name=providerprofile&field_name=user&term="
        return url

    def argument(self, route: Route, parameter: str) -> Any:
        provider = self.treating.provider_profile
        visit = self.visit
        values = {
            "provider_id": provider.pk,
            "visit_id": visit.pk,
            "patient_id": self.patient.pk,
            "weekday": visit.start.astimezone(provider.zone).weekday(),
            "block_id": _pk(provider.weekly_hours.first()),
            "exception_id": _pk(provider.schedule_exceptions.first()),
            "response_id": _pk(QuestionnaireResponse.objects.filter(patient=self.patient).first()),
            "alert_id": _pk(SafetyAlert.objects.filter(patient=self.patient).first()),
            "diagnosis_id": _pk(NoteDiagnosis.objects.filter(note__patient=self.patient).first()),
            "order_id": _pk(LabOrder.objects.filter(patient=self.patient).first()),
            "prescription_id": _pk(Prescription.objects.filter(patient=self.patient).first()),
            "step": IntakeStep.DEMOGRAPHICS.value,
            "app_label": "accounts",
            "id": self.patient.pk,  # the admin's password page for an account
        }
        if parameter == "slug":
            return visit.visit_type.slug if route.name and "booking" in route.name else "phq-9"
        if parameter == "pk":
            return _pk(self.object_for(route))
        if parameter == "object_id":
            model_admin = route.model_admin
            return _pk(self.object_of(model_admin.model)) if model_admin else None
        if parameter in values:
            return values[parameter]
        return None if route.route.startswith("admin/") else "x"

    def object_for(self, route: Route) -> Model | None:
        """The patient's own object a route names by `pk`, by the route's name; None (so the
        route counts as uncovered) for a route this table does not know yet."""
        from visits.results.models import CriticalResultAlert, InboundResult, LabReport

        mine: dict[str, Any] = {
            "results:report_detail": LabReport.objects.filter(patient=self.patient),
            "results:my_report": LabReport.objects.filter(
                patient=self.patient, released_at__isnull=False
            ),
            "results:critical_alert_detail": CriticalResultAlert.objects.filter(
                patient=self.patient
            ),
            "results:report_hold": LabReport.objects.filter(patient=self.patient),
            "results:report_release": LabReport.objects.filter(patient=self.patient),
            "results:critical_alert_acknowledge": CriticalResultAlert.objects.filter(
                patient=self.patient
            ),
            "results:inbox_detail": InboundResult.objects.all(),
            "results:inbox_attach": InboundResult.objects.all(),
            "results:inbox_reject": InboundResult.objects.all(),
        }
        found = mine.get(route.name or "")
        return None if found is None else found.order_by("pk").first()

    @property
    def visit(self) -> Visit:
        return (
            Visit.objects.filter(patient=self.patient, provider__user=self.treating)
            .active()
            .order_by("start")
            .first()
            or Visit.objects.filter(patient=self.patient, provider__user=self.treating).first()
            or Visit.objects.filter(patient=self.patient).active().order_by("start").first()
        )

    def object_of(self, model: type[Model]) -> Model | None:
        """The patient's own object of this model where there is one, else any."""
        mine = {
            User: User.objects.filter(pk=self.patient.pk),
            PatientProfile: PatientProfile.objects.filter(user=self.patient),
            EmailAddress: EmailAddress.objects.filter(user=self.patient),
            AuditEvent: AuditEvent.objects.filter(patient=self.patient),
        }
        if model in mine:
            return mine[model].first()
        field_names = {field.name for field in model._meta.get_fields()}
        if "patient" in field_names:
            return model._default_manager.filter(patient=self.patient).first()
        return model._default_manager.first()


def _pk(obj: Model | None) -> Any:
    return None if obj is None else obj.pk


def demo_clinic(settings) -> Clinic:
    """Seed the demo clinic (it runs only with DEBUG) and pick one person in each role."""
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    alert = SafetyAlert.objects.select_related("patient").order_by("pk").first()
    assert alert is not None, "the demo clinic has a safety alert"
    patient = alert.patient
    now = timezone.now()
    treating = (
        Visit.objects.active()
        .filter(patient=patient, start__gt=now - datetime.timedelta(days=1))
        .order_by("start")
        .first()
        .provider.user
    )
    not_treating = ProviderProfile.objects.exclude(visits__patient=patient).first().user
    other_patient = User.objects.filter(role=Role.PATIENT, patient_profile__isnull=False).exclude(
        pk=patient.pk
    )[0]
    staff = User.objects.filter(role=Role.STAFF, is_staff=False).first()
    admin = User.objects.filter(is_superuser=True).first()
    for user in (treating, not_treating, staff, admin):
        if not user.authenticator_set.exists():
            enrol_totp(user)
    results_for(patient, treating)
    return Clinic(patient, other_patient, treating, not_treating, staff, admin)


def results_for(patient: User, clinician: User) -> None:
    """A released report with a critical value (and its alert) and a held report, ordered by
    `clinician` at their latest visit with `patient`, so every results page has a row to show."""
    from decimal import Decimal

    from visits.records.models import Prescription
    from visits.results.models import LabReport, Observation, ResultStatus
    from visits.results.release import report_recorded

    visit = Visit.objects.filter(patient=patient, provider__user=clinician).order_by("-start")[0]
    now = timezone.now()
    Prescription.objects.create(
        visit=visit,
        patient=patient,
        prescriber=clinician,
        medication="Sertraline",
        strength="50 mg",
        form=Prescription.Form.TABLET,
        directions="Take 1 tablet by mouth once a day",
        quantity=30,
        quantity_unit="tablets",
        refills=2,
    )
    for name, held in (("Basic metabolic panel", False), ("Thyroid stimulating hormone", True)):
        order = LabOrder.objects.create(
            visit=visit,
            patient=patient,
            ordering_clinician=clinician,
            test_name=name,
            loinc_code="51990-0" if not held else "3016-3",
        )
        report = LabReport.objects.create(
            order=order,
            patient=patient,
            ordering_clinician=clinician,
            name=name,
            source=LabReport.Source.MANUAL,
            status=ResultStatus.FINAL,
            collected_at=now - datetime.timedelta(days=1),
            held_at=now if held else None,
            held_by=clinician if held else None,
            hold_reason="To discuss with the patient first" if held else "",
            release_by=now + datetime.timedelta(days=3) if held else None,
        )
        Observation.objects.create(
            report=report,
            patient=patient,
            loinc_code="2823-3" if not held else "3016-3",
            name="Potassium" if not held else "TSH",
            value=Decimal("6.8") if not held else Decimal("9.1"),
            unit="mmol/L" if not held else "m[IU]/L",
            reference_low=Decimal("3.5") if not held else Decimal("0.4"),
            reference_high=Decimal("5.1") if not held else Decimal("4.0"),
            critical_low=Decimal("2.8") if not held else None,
            critical_high=Decimal("6.2") if not held else None,
            status=ResultStatus.FINAL,
            observed_at=now - datetime.timedelta(days=1),
        )
        report_recorded(report, now=now)
