from django.apps import AppConfig


class VisitsConfig(AppConfig):
    """The clinical domain: dashboards now; schedules, visits, intake and records next."""

    name = "visits"
    verbose_name = "Visits"
