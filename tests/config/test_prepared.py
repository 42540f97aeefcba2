"""Prepared queries: built and compiled once, run with each request's values, and answering
exactly what the same QuerySet answers when it is built with those values."""

import datetime

import pytest
from django.db.models import BigIntegerField, CharField, Count, Prefetch, UUIDField
from django.utils import timezone

from accounts import policy
from accounts.models import Role, User
from config.prepared import Param, Params, Prepared, Viewer, clock
from tests.accounts.factories import PatientProfileFactory, ProviderProfileFactory, UserFactory
from tests.visits.factories import VisitFactory
from visits.scheduling.models import Visit


def _visits(viewer, patient):
    return (
        policy.VISITS.filter(Visit.objects.all(), viewer)
        .filter(patient=patient)
        .select_related("visit_type", "provider__user", "patient__patient_profile")
        .order_by("start", "pk")
    )


VISITS_OF = Prepared(_visits, viewer=Viewer(), patient=Param("patient", BigIntegerField()))


def _fields(visit: Visit) -> tuple:
    """What a page reads of a visit and the rows loaded with it."""
    return (
        visit.pk,
        visit.start,
        visit.status,
        visit.visit_type.name,
        visit.provider.user.email,
        visit.patient.patient_profile.pk,
    )


@pytest.fixture
def clinic():
    """Two patients with two visits each, one clinician who treats the first only, and staff."""
    ana, ben = (PatientProfileFactory(intake=False).user for _ in range(2))
    treating, other = ProviderProfileFactory(states=["TX"]), ProviderProfileFactory(states=["TX"])
    soon = timezone.now() + datetime.timedelta(days=2)
    for days in (0, 7):
        VisitFactory(patient=ana, provider=treating, start=soon + datetime.timedelta(days=days))
        VisitFactory(
            patient=ben, provider=other, start=soon + datetime.timedelta(days=days, hours=3)
        )
    staff = UserFactory(role=Role.STAFF)
    return {"ana": ana, "ben": ben, "clinician": treating.user, "other": other.user, "staff": staff}


@pytest.mark.django_db
class TestAPreparedQueryAnswersAsItsQuerySet:
    @pytest.mark.parametrize("viewer", ["ana", "ben", "clinician", "other", "staff"])
    @pytest.mark.parametrize("patient", ["ana", "ben"])
    def test_each_viewer_reads_what_the_policy_gives_them(self, clinic, viewer, patient):
        who, whose = clinic[viewer], clinic[patient]
        expected = [_fields(visit) for visit in _visits(who, whose)]
        got = [_fields(visit) for visit in VISITS_OF.run(viewer=who, patient=whose)]
        assert got == expected
        # Each patient's own two, the clinician's own patient's, all of them for staff.
        assert len(got) == (
            2
            if viewer in (patient, "staff")
            or (viewer, patient) in {("clinician", "ana"), ("other", "ben")}
            else 0
        )

    def test_a_signed_out_viewer_reads_nothing_and_runs_no_query(
        self, clinic, django_assert_num_queries
    ):
        from django.contrib.auth.models import AnonymousUser

        with django_assert_num_queries(0):
            assert VISITS_OF.run(viewer=AnonymousUser(), patient=clinic["ana"]) == []

    def test_one_query_a_run_and_the_query_is_built_once_a_variant(
        self, clinic, django_assert_num_queries
    ):
        built = []

        def build(viewer, patient):
            built.append(viewer.role)
            return _visits(viewer, patient)

        prepared = Prepared(build, viewer=Viewer(), patient=Param("patient", BigIntegerField()))
        for _ in range(3):
            for person in ("ana", "ben", "clinician"):
                with django_assert_num_queries(1):
                    prepared.run(viewer=clinic[person], patient=clinic["ana"])
        assert built == [Role.PATIENT, Role.CLINICIAN]

    def test_the_values_converters_are_worked_out_once_a_variant(self, clinic, monkeypatch):
        """Later runs convert their rows' times and ids with the converters the first run
        worked out, and still make the same values as the QuerySet."""
        from django.db import connection

        worked_out = []
        get_db_converters = connection.ops.get_db_converters

        def counted(expression):
            worked_out.append(expression)
            return get_db_converters(expression)

        monkeypatch.setattr(connection.ops, "get_db_converters", counted)
        prepared = Prepared(_visits, viewer=Viewer(), patient=Param("patient", BigIntegerField()))
        ana = clinic["ana"]
        first = [_fields(visit) for visit in prepared.run(viewer=ana, patient=ana)]
        once = len(worked_out)
        again = [_fields(visit) for visit in prepared.run(viewer=ana, patient=ana)]
        assert once > 0
        assert len(worked_out) == once
        assert again == first == [_fields(visit) for visit in _visits(ana, ana)]
        assert isinstance(again[0][1], datetime.datetime)
        assert again[0][1].tzinfo is not None

    def test_limit_takes_the_first_rows_each_limit_its_own_variant(self, clinic):
        ana = clinic["ana"]
        first = VISITS_OF.run(viewer=ana, patient=ana, limit=1)
        both = VISITS_OF.run(viewer=ana, patient=ana, limit=5)
        assert [v.pk for v in first] == [both[0].pk]
        assert [v.pk for v in both] == [v.pk for v in _visits(ana, ana)]

    def test_values_and_annotations_come_back_as_the_queryset_makes_them(self, clinic):
        def counts(viewer, status):
            return (
                policy.VISITS.filter(Visit.objects.all(), viewer)
                .filter(status=status)
                .values("patient")
                .annotate(n=Count("pk"))
                .order_by("patient")
            )

        prepared = Prepared(counts, viewer=Viewer(), status=Param("status", CharField()))
        staff = clinic["staff"]
        assert prepared.run(viewer=staff, status="booked") == list(counts(staff, "booked"))
        assert prepared.run(viewer=staff, status="booked") == [
            {"patient": clinic["ana"].pk, "n": 2},
            {"patient": clinic["ben"].pk, "n": 2},
        ]
        assert prepared.run(viewer=staff, status="cancelled") == []

    def test_prefetching_runs_as_the_querysets_does(self, clinic, django_assert_num_queries):
        def patients(viewer):
            return (
                User.objects.filter(role=Role.PATIENT)
                .filter(policy.CLINICAL_PATIENTS.reach(viewer))
                .prefetch_related(Prefetch("visits", queryset=Visit.objects.order_by("start")))
            )

        prepared = Prepared(patients, viewer=Viewer())
        with django_assert_num_queries(2):
            (ana,) = prepared.run(viewer=clinic["clinician"])
            prefetched = [v.pk for v in ana.visits.all()]
        assert ana == clinic["ana"]
        assert prefetched == [v.pk for v in Visit.objects.filter(patient=ana).order_by("start")]


@pytest.mark.django_db
class TestValuesAreTakenAtEachRun:
    def test_a_clock_param_is_read_when_the_query_runs(self, clinic, monkeypatch):
        def upcoming(patient, now):
            return Visit.objects.filter(patient=patient, start__gte=now).order_by("start")

        prepared = Prepared(upcoming, patient=Param("patient", BigIntegerField()), now=clock("now"))
        ana = clinic["ana"]
        assert len(prepared.run(patient=ana)) == 2
        later = timezone.now() + datetime.timedelta(days=5)
        monkeypatch.setattr(timezone, "now", lambda: later)
        assert len(prepared.run(patient=ana)) == 1

    def test_the_treatment_look_back_moves_with_the_clock(self, clinic, monkeypatch):
        clinician, ana = clinic["clinician"], clinic["ana"]
        assert len(VISITS_OF.run(viewer=clinician, patient=ana)) == 2
        prepared = Prepared(
            lambda viewer: User.objects.filter(policy.CLINICAL_PATIENTS.reach(viewer)),
            viewer=Viewer(),
        )
        assert prepared.run(viewer=clinician) == [ana]
        # Two years and a month on, the visits are past the look-back: no longer their patient.
        later = timezone.now() + datetime.timedelta(days=800)
        monkeypatch.setattr(timezone, "now", lambda: later)
        assert prepared.run(viewer=clinician) == []
        assert list(User.objects.filter(policy.CLINICAL_PATIENTS.reach(clinician))) == []


@pytest.mark.django_db
class TestWhatAPreparedQueryRefuses:
    def test_a_time_kept_from_when_it_was_built(self, clinic):
        now = timezone.now()
        prepared = Prepared(
            lambda patient: Visit.objects.filter(patient=patient, start__gte=now),
            patient=Param("patient", BigIntegerField()),
        )
        with pytest.raises(TypeError, match="keeps no times"):
            prepared.run(patient=clinic["ana"])

    def test_a_rule_that_reads_the_clock_for_a_viewer(self, clinic):
        from visits.ondemand.models import QueueEntry

        prepared = Prepared(
            lambda viewer: policy.QUEUE_ENTRIES.filter(QueueEntry.objects.all(), viewer),
            viewer=Viewer(),
        )
        with pytest.raises(TypeError, match="keeps no times"):
            prepared.run(viewer=clinic["clinician"])

    def test_values_it_does_not_take_or_lacks(self, clinic):
        with pytest.raises(TypeError, match="takes no visit"):
            VISITS_OF.run(viewer=clinic["ana"], patient=clinic["ana"], visit=1)
        with pytest.raises(TypeError, match="needs a value for 'patient'"):
            VISITS_OF.run(viewer=clinic["ana"])

    @pytest.mark.parametrize("pk", [2**63, -(2**63) - 1, 10**30])
    def test_an_id_no_column_holds_finds_nothing(self, clinic, pk, django_assert_num_queries):
        staff = clinic["staff"]
        with django_assert_num_queries(0):
            assert VISITS_OF.run(viewer=staff, patient=pk) == []


@pytest.mark.django_db
class TestListsOfValues:
    def by_patients(self):
        return Prepared(
            lambda patients, skipped: (
                Visit.objects.filter(patient__in=patients)
                .exclude(pk__in=skipped)
                .order_by("start")
                .values_list("pk", flat=True)
            ),
            patients=Params("patients", BigIntegerField()),
            skipped=Params("skipped", UUIDField()),
        )

    def test_each_length_answers_as_the_orm_does(self, clinic):
        prepared = self.by_patients()
        ana, ben = clinic["ana"], clinic["ben"]
        first_of_ben = Visit.objects.filter(patient=ben).order_by("start").first()
        for patients in ([ana], [ben], [ana, ben], [ben.pk, ana.pk], []):
            for skipped in ([], [first_of_ben.pk]):
                expected = list(
                    Visit.objects.filter(patient__in=patients)
                    .exclude(pk__in=skipped)
                    .order_by("start")
                    .values_list("pk", flat=True)
                )
                assert prepared.run(patients=patients, skipped=skipped) == expected
        assert len(prepared.run(patients=[ana, ben], skipped=[])) == 4
        assert len(prepared.run(patients=[ana, ben], skipped=[first_of_ben])) == 3

    def test_an_empty_list_matches_nothing_without_a_query(self, clinic, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert self.by_patients().run(patients=[], skipped=[]) == []


@pytest.mark.django_db
class TestInsertedRows:
    """insert_rows writes what bulk_create writes, in one statement."""

    def events(self, clinic, note: str):
        from visits.audit import AuditEvent

        return [
            AuditEvent(
                actor=clinic["clinician"],
                patient=clinic[who],
                action=AuditEvent.Action.VIEW,
                what="visit",
                object_id=f"{note}-{who}",
                count=2,
                page="scheduling:visit_detail",
                ip_address="2001:db8::1" if who == "ana" else None,
            )
            for who in ("ana", "ben")
        ]

    def written(self, note: str) -> list[tuple]:
        from visits.audit import AuditEvent

        fields = [f.attname for f in AuditEvent._meta.concrete_fields if f.attname != "id"]
        rows = AuditEvent.objects.filter(object_id__startswith=f"{note}-").order_by("object_id")
        return [tuple(getattr(row, name) for name in fields if name != "at") for row in rows]

    def test_the_rows_are_the_ones_bulk_create_writes(self, clinic, django_assert_num_queries):
        from config.prepared import insert_rows
        from visits.audit import AuditEvent

        before = timezone.now()
        with django_assert_num_queries(1):
            insert_rows(self.events(clinic, "ours"))
        AuditEvent.objects.bulk_create(self.events(clinic, "django"))
        ours, django = self.written("ours"), self.written("django")
        assert len(ours) == 2
        # Every column but the time and the object ids, which say whose insert it was.
        assert [row[:4] + row[5:] for row in ours] == [row[:4] + row[5:] for row in django]
        stamped = AuditEvent.objects.filter(object_id__startswith="ours-").values_list(
            "at", flat=True
        )
        assert all(before <= at <= timezone.now() for at in stamped)

    def test_a_field_left_to_its_database_default_goes_through_bulk_create(self, clinic):
        from django.db.models.expressions import DatabaseDefault

        from config.prepared import insert_rows
        from visits.audit import AuditEvent

        events = [
            AuditEvent(
                actor=clinic["clinician"],
                patient=clinic[who],
                action=AuditEvent.Action.VIEW,
                what="visit",
                object_id=f"default-{who}",
            )
            for who in ("ana", "ben")
        ]
        # As Django's model sets a field that has only a database default and was not given.
        page = AuditEvent._meta.get_field("page")
        events[0].page = DatabaseDefault(page._db_default_expression, output_field=page)
        insert_rows(events)
        assert list(
            AuditEvent.objects.filter(object_id__startswith="default-").values_list(
                "page", flat=True
            )
        ) == ["", ""]


@pytest.mark.django_db
class TestRuleAllows:
    """Rule.allows runs a prepared query, and answers as the rule's condition does."""

    def test_each_viewer_and_visit(self, clinic, django_assert_num_queries):
        for who in ("ana", "ben", "clinician", "other", "staff"):
            viewer = clinic[who]
            for visit in Visit.objects.all():
                expected = Visit.objects.filter(policy.VISITS.reach(viewer), pk=visit.pk).exists()
                with django_assert_num_queries(1):
                    assert policy.VISITS.allows(viewer, visit) is expected

    def test_a_rule_that_reads_the_clock_answers_through_the_orm(self, clinic):
        from visits.ondemand.models import QueueEntry

        entry = QueueEntry(pk=10**9)
        assert policy.QUEUE_ENTRIES.allows(clinic["clinician"], entry) is False
        assert ("on-demand queue entries", QueueEntry) in policy._READS_THE_CLOCK
        assert policy.QUEUE_ENTRIES.allows(clinic["clinician"], entry) is False
