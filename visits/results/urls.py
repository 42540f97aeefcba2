"""The results pages: the lab inbox, reports, critical alerts and the patient's own results.

Each area keeps its routes in its own block; every view declares its rule (accounts.policy).
"""

from django.urls import path

from visits.results.views import inbox, patient, reports

app_name = "results"

urlpatterns = [
    # Lab messages in: upload, import and the reconciliation list (staff).
    path("results/inbox/", inbox.inbox, name="inbox"),
    path("results/inbox/upload/", inbox.inbox_upload, name="inbox_upload"),
    path("results/inbox/<int:pk>/", inbox.inbox_detail, name="inbox_detail"),
    path("results/inbox/<int:pk>/attach/", inbox.inbox_attach, name="inbox_attach"),
    path("results/inbox/<int:pk>/reject/", inbox.inbox_reject, name="inbox_reject"),
    # Reports for clinicians: holds, releases, manual entry, critical alerts.
    path("results/reports/<int:pk>/", reports.report_detail, name="report_detail"),
    path("results/reports/<int:pk>/hold/", reports.report_hold_view, name="report_hold"),
    path("results/reports/<int:pk>/release/", reports.report_release_view, name="report_release"),
    path("results/critical/", reports.critical_alerts, name="critical_alerts"),
    path("results/critical/<int:pk>/", reports.critical_alert_detail, name="critical_alert_detail"),
    path(
        "results/critical/<int:pk>/acknowledge/",
        reports.critical_alert_acknowledge_view,
        name="critical_alert_acknowledge",
    ),
    path("results/orders/<int:order_id>/enter/", reports.result_entry, name="result_entry"),
    path(
        "results/visits/<uuid:visit_id>/enter/",
        reports.visit_result_entry,
        name="visit_result_entry",
    ),
    # The patient's own results, summaries, medications and record.
    path("me/results/", patient.my_results, name="my_results"),
    path("me/results/<int:pk>/", patient.my_report, name="my_report"),
    path("me/results/tests/<str:loinc_code>/", patient.my_test_history, name="my_test_history"),
    path("me/visits/<uuid:visit_id>/summary/", patient.my_visit_summary, name="my_visit_summary"),
    path("me/record/", patient.my_record, name="my_record"),
]
