"""Who treats whom: a clinician treats a patient while they hold a visit with them that was not
cancelled, upcoming or ended within the look-back (settings.TREATMENT_LOOKBACK, 24 months unless
configured). The access policy (accounts/policy.py) gives clinicians clinical data by this rule.

It is a subquery in SQL written once from the models: every query a clinician makes of clinical
data carries it, and the ORM spent longer building and compiling it each time than the database
spends running it. `tests/accounts/test_treatment.py` holds it to the rule written with the ORM.
This module imports no models at import time, so the models may import the policy.
"""

from functools import cache

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone

from config.prepared import Param, clock

# A cancelled visit never made anyone a patient's clinician.
CANCELLED_STATUSES = ("cancelled", "late_cancelled")


def treated_patient_ids(clinician) -> RawSQL:
    """The ids of the patients this clinician treats, as a subquery (`patient__in=`). For a
    prepared query's viewer (config.prepared) the look-back is worked out at each run."""
    since: object
    if isinstance(clinician, Param):
        since = TREATED_SINCE
    else:
        since = connection.ops.adapt_datetimefield_value(
            timezone.now() - settings.TREATMENT_LOOKBACK
        )
    # Quoted names from the models and %s parameters only: nothing from a request is in the SQL.
    return RawSQL(  # noqa: S611
        _treated_patient_ids_sql(connection.vendor),
        (clinician.pk, since, *CANCELLED_STATUSES),
    )


TREATED_SINCE = clock("treated_since", lambda: settings.TREATMENT_LOOKBACK)


@cache
def _treated_patient_ids_sql(vendor: str) -> str:
    """The subquery's SQL for this database (`vendor` keys the cache), with table aliases of its
    own so it never names a table of the query it sits in; parameters: the clinician, since and
    the cancelled statuses."""
    visit = apps.get_model("visits.Visit")._meta
    provider = apps.get_model("accounts.ProviderProfile")._meta
    quote = connection.ops.quote_name

    def column(meta, alias: str, field: str) -> str:
        return f"{alias}.{quote(meta.get_field(field).column)}"

    statuses = ", ".join(["%s"] * len(CANCELLED_STATUSES))
    # Quoted names from the models and %s parameters only.
    return (
        f"SELECT {column(visit, 'treated_visit', 'patient')} "  # noqa: S608
        f"FROM {quote(visit.db_table)} treated_visit "
        f"INNER JOIN {quote(provider.db_table)} treated_provider "
        f"ON {column(visit, 'treated_visit', 'provider')} = "
        f"{column(provider, 'treated_provider', provider.pk.name)} "
        f"WHERE {column(provider, 'treated_provider', 'user')} = %s "
        f"AND {column(visit, 'treated_visit', 'end')} >= %s "
        f"AND NOT ({column(visit, 'treated_visit', 'status')} IN ({statuses}))"
    )
