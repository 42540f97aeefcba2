"""Who treats whom: a clinician treats a patient while they hold a visit with them that was not
cancelled, upcoming or ended within the look-back (settings.TREATMENT_LOOKBACK, 24 months unless
configured). The access policy (accounts/policy.py) gives clinicians clinical data by this rule.

It is SQL written once from the models: every query a clinician makes of clinical data carries
it, and the ORM spent longer building and compiling it each time than the database spends
running it. It is asked of each row (`TreatedBy`: does a visit of this row's patient with this
clinician hold?), which the index visit_patient_provider_end answers with one look-up however
many visits the clinician or the patient has (the list of every patient the clinician treats,
as it was before, cost a read of all the clinician's visits on every query).
`tests/accounts/test_treatment.py` holds it to the rule written with the ORM. This module
imports no models at import time, so the models may import the policy.
"""

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, F
from django.db.models.expressions import Combinable, Expression, RawSQL
from django.utils import timezone

from config.prepared import Param, clock

# A cancelled visit never made anyone a patient's clinician.
CANCELLED_STATUSES = ("cancelled", "late_cancelled")


def _since(clinician) -> object:
    """The look-back's start: for a prepared query's viewer (config.prepared) worked out at each
    run, otherwise now."""
    if isinstance(clinician, Param):
        return TREATED_SINCE
    return connection.ops.adapt_datetimefield_value(timezone.now() - settings.TREATMENT_LOOKBACK)


class TreatedBy(RawSQL):
    """Whether the clinician treats the patient the row's `patient` path names (`"patient"`,
    `"pk"` for the patients themselves, `"note__patient"`): a condition for `filter()` and `Q`.
    It is raw SQL to Django, which then writes it in a WHERE clause as it is (an EXISTS), not
    compared with true."""

    conditional = True

    def __init__(self, patient: str, clinician) -> None:
        super().__init__("", (), output_field=BooleanField())
        self.patient: Any = F(patient)
        self.clinician = clinician

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        resolved = self.copy()
        resolved.patient = self.patient.resolve_expression(
            query, allow_joins, reuse, summarize, for_save
        )
        return resolved

    def get_source_expressions(self) -> list:
        return [self.patient]

    def set_source_expressions(self, expressions: Sequence[Combinable | Expression]) -> None:
        (self.patient,) = expressions

    def as_sql(self, compiler, connection) -> tuple[str, tuple]:
        patient_sql, patient_params = compiler.compile(self.patient)
        # Quoted names from the models and %s parameters only: nothing from a request is in the SQL.
        sql = _treated_by_sql(connection.vendor).replace("{patient}", patient_sql)
        return sql, (
            self.clinician.pk,
            _since(self.clinician),
            *CANCELLED_STATUSES,
            *patient_params,
        )


TREATED_SINCE = clock("treated_since", lambda: settings.TREATMENT_LOOKBACK)


@cache
def _treated_by_sql(vendor: str) -> str:
    """TreatedBy's SQL for this database (`vendor` keys the cache), `{patient}` standing for the
    row's patient column, with table aliases of its own so it never names a table of the query
    it sits in; parameters: the clinician, since, the cancelled statuses, then the patient's."""
    visit = apps.get_model("visits.Visit")._meta
    provider = apps.get_model("accounts.ProviderProfile")._meta
    quote = connection.ops.quote_name

    def column(meta, alias: str, field: str) -> str:
        return f"{alias}.{quote(meta.get_field(field).column)}"

    statuses = ", ".join(["%s"] * len(CANCELLED_STATUSES))
    # Quoted names from the models and %s parameters only.
    return (
        f"EXISTS (SELECT 1 FROM {quote(visit.db_table)} treated_visit "  # noqa: S608
        f"INNER JOIN {quote(provider.db_table)} treated_provider "
        f"ON {column(visit, 'treated_visit', 'provider')} = "
        f"{column(provider, 'treated_provider', provider.pk.name)} "
        f"WHERE {column(provider, 'treated_provider', 'user')} = %s "
        f"AND {column(visit, 'treated_visit', 'end')} >= %s "
        f"AND NOT ({column(visit, 'treated_visit', 'status')} IN ({statuses})) "
        f"AND {column(visit, 'treated_visit', 'patient')} = {{patient}})"
    )
