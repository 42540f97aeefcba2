from django.apps import AppConfig
from django.db.models.signals import post_migrate


class VisitsConfig(AppConfig):
    """The clinical domain: schedules and visits, intake, questionnaires, records, audit."""

    name = "visits"
    verbose_name = "Visits"

    def ready(self) -> None:
        from visits.questionnaires.loading import load_after_migrate

        post_migrate.connect(
            load_after_migrate, sender=self, dispatch_uid="visits_load_questionnaires"
        )
