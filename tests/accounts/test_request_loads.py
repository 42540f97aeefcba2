"""The signed-in request's load (its session with its person) gives what the ORM gives."""

import datetime

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from accounts.models import PatientProfile, ProviderProfile, Session, User
from accounts.request_loads import USER_WITH_PROFILES, ModelWithOneToOnes, SessionStore

pytestmark = pytest.mark.django_db


def _values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def _orm_user(pk) -> User:
    return User.objects.select_related("patient_profile", "provider_profile").get(pk=pk)


class TestUserWithProfiles:
    def test_a_patient_has_every_value_the_orm_loads_typed_as_the_orm_types_it(self, patient):
        loaded, expected = USER_WITH_PROFILES.get(patient.pk), _orm_user(patient.pk)
        assert _values(loaded) == _values(expected)
        assert _values(loaded.patient_profile) == _values(expected.patient_profile)
        # Booleans stay booleans and times stay aware on every database, as the ORM gives them.
        assert loaded.is_active is True
        assert loaded.is_staff is False
        assert timezone.is_aware(loaded.date_joined)
        assert isinstance(loaded.patient_profile.date_of_birth, datetime.date)
        assert timezone.is_aware(loaded.patient_profile.updated_at)

    def test_a_clinician_has_their_provider_profile(self, clinician):
        loaded, expected = USER_WITH_PROFILES.get(clinician.pk), _orm_user(clinician.pk)
        assert _values(loaded) == _values(expected)
        assert _values(loaded.provider_profile) == _values(expected.provider_profile)

    def test_profiles_are_read_without_another_query_and_a_missing_one_is_does_not_exist(
        self, clinician, django_assert_num_queries
    ):
        with django_assert_num_queries(1):
            loaded = USER_WITH_PROFILES.get(clinician.pk)
            assert loaded.provider_profile.user is loaded
            with pytest.raises(PatientProfile.DoesNotExist):
                _ = loaded.patient_profile
        assert loaded.patient_profile_or_none is None

    def test_a_user_with_no_profile_has_neither(self, scheduler, django_assert_num_queries):
        with django_assert_num_queries(1):
            loaded = USER_WITH_PROFILES.get(scheduler.pk)
            assert loaded.provider_profile_or_none is None
            assert loaded.patient_profile_or_none is None
        assert _values(loaded) == _values(User.objects.get(pk=scheduler.pk))

    def test_no_such_user_is_none(self, patient):
        assert USER_WITH_PROFILES.get(patient.pk + 1000) is None

    def test_the_loaded_user_saves_like_any_other(self, patient):
        loaded = USER_WITH_PROFILES.get(patient.pk)
        loaded.display_name = "Renamed"
        loaded.save(update_fields=["display_name"])
        assert User.objects.get(pk=patient.pk).display_name == "Renamed"
        assert not loaded._state.adding

    def test_only_reverse_one_to_ones_can_be_joined(self):
        with pytest.raises(TypeError, match="not a reverse one-to-one"):
            ModelWithOneToOnes(ProviderProfile, "languages")


class TestSessionStore:
    def test_reads_what_djangos_own_load_reads(self, patient):
        saved = SessionStore()
        saved[SESSION_KEY] = str(patient.pk)
        saved["housecall_started_at"] = 1234.5
        saved.save()
        ours = SessionStore(saved.session_key)
        assert ours.load() == Session.objects.get(session_key=saved.session_key).get_decoded()
        assert ours[SESSION_KEY] == str(patient.pk)

    def test_a_session_keeps_its_persons_key_and_loads_them_with_their_profile(
        self, patient, django_assert_num_queries
    ):
        saved = SessionStore()
        saved[SESSION_KEY] = str(patient.pk)
        saved.save()
        assert Session.objects.get(session_key=saved.session_key).user_id == patient.pk
        with django_assert_num_queries(1):
            store = SessionStore(saved.session_key)
            store.load()
            loaded = store.loaded_user
            assert loaded.patient_profile.user is loaded
        expected = _orm_user(patient.pk)
        assert _values(loaded) == _values(expected)
        assert _values(loaded.patient_profile) == _values(expected.patient_profile)
        assert timezone.is_aware(loaded.date_joined)

    def test_a_session_nobody_signed_in_to_has_no_person(self):
        saved = SessionStore()
        saved["anything"] = 1
        saved.save()
        assert Session.objects.get(session_key=saved.session_key).user_id is None
        store = SessionStore(saved.session_key)
        assert store.load() == {"anything": 1}
        assert store.loaded_user is None

    def test_deleting_a_person_deletes_their_sessions(self, scheduler_client, scheduler):
        key = scheduler_client.session.session_key
        assert Session.objects.filter(session_key=key, user=scheduler).exists()
        scheduler.delete()
        assert not Session.objects.filter(session_key=key).exists()

    def test_an_expired_session_is_empty_and_gets_a_new_key(self):
        store = SessionStore()
        store["anything"] = 1
        store.save()
        key = store.session_key
        Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() - datetime.timedelta(seconds=1)
        )
        reopened = SessionStore(key)
        assert reopened.load() == {}
        assert reopened.session_key is None
        assert reopened.loaded_user is None

    def test_an_unknown_key_is_empty(self):
        assert SessionStore("x" * 32).load() == {}

    def test_saving_and_deleting_are_djangos_own(self):
        store = SessionStore()
        store["kept"] = "yes"
        store.save()
        assert SessionStore(store.session_key)["kept"] == "yes"
        store.delete()
        assert not Session.objects.filter(session_key=store.session_key).exists()


class TestSignedInRequest:
    def test_costs_one_query_for_the_session_and_its_person(
        self, patient_client, django_assert_num_queries
    ):
        patient_client.get("/me/security/")  # the first request writes the session's start
        with django_assert_num_queries(1) as queries:
            response = patient_client.get("/bench-floor-unused/")  # a 404: only the load runs
        assert response.status_code == 404
        sql = queries.captured_queries[0]["sql"]
        assert "accounts_session" in sql
        assert "accounts_user" in sql

    def test_the_person_is_the_one_the_session_data_names_not_the_column(
        self, patient_client, patient, clinician
    ):
        key = patient_client.session.session_key
        Session.objects.filter(session_key=key).update(user=clinician)
        response = patient_client.get("/me/security/")
        assert response.status_code == 200
        assert response.wsgi_request.user == patient
        assert patient.email in response.text

    def test_a_password_changed_elsewhere_still_ends_the_session(self, patient_client, patient):
        patient.set_password("a-new-passphrase-set-elsewhere")
        patient.save()
        response = patient_client.get("/me/security/")
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert not response.wsgi_request.user.is_authenticated
