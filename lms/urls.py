from django.urls import path

from assessments import views as assessment_views
from lms.certificates import views as certificates
from lms.leaders import views as leaders
from lms.learner import calendar_views
from lms.learner import views as learner
from lms.privacy import views as privacy
from lms.records import views as records
from lms.reporting import attestation_views, dashboards, reminder_views, surveys, year_end_views
from lms.sessions import views as sessions

app_name = "lms"

SKILL_CHECK_FLOW = {
    "url_namespace": "lms",
    "back_url_name": "lms:skills",
    "start_url_name": "lms:skill_check_start",
}

urlpatterns = [
    path("", learner.mypage, name="mypage"),
    path("people/<id:user_id>/", learner.person_progress, name="person_progress"),
    path("people/<id:user_id>/skills/", learner.person_skills, name="person_skills"),
    path("people/<id:user_id>/export/", privacy.person_export, name="person_export"),
    path("people/<id:user_id>/anonymise/", privacy.person_anonymise_view, name="person_anonymise"),
    path(
        "people/<id:user_id>/transcript/",
        certificates.person_transcript,
        name="person_transcript",
    ),
    path(
        "people/<id:user_id>/transcript/download/",
        certificates.transcript_download,
        name="transcript_download",
    ),
    path(
        "people/<id:user_id>/certificates/<id:page_id>/<id:cycle>/",
        certificates.certificate_download,
        name="certificate_download",
    ),
    path(
        "people/<id:user_id>/completions/record/",
        records.completion_record_view,
        name="completion_record",
    ),
    path(
        "people/<id:user_id>/completions/<id:completion_id>/evidence/",
        records.evidence_download,
        name="completion_evidence",
    ),
    path("sessions/", sessions.session_list, name="sessions"),
    path("sessions/manage/", sessions.session_manage, name="session_manage"),
    path("sessions/new/", sessions.session_edit, name="session_create"),
    path("sessions/<id:session_id>/", sessions.session_detail, name="session_detail"),
    path("sessions/<id:session_id>/edit/", sessions.session_edit, name="session_edit"),
    path(
        "sessions/<id:session_id>/register/",
        sessions.session_register_view,
        name="session_register",
    ),
    path("sessions/<id:session_id>/cancel/", sessions.session_cancel_view, name="session_cancel"),
    path(
        "sessions/<id:session_id>/attendance/",
        sessions.session_attendance,
        name="session_attendance",
    ),
    path("transcript/", certificates.transcript, name="transcript"),
    path("certificates/verify/", certificates.certificate_verify_view, name="certificate_verify"),
    path(
        "certificates/verify/<str:number>/",
        certificates.certificate_verify_view,
        name="certificate_verify_number",
    ),
    path("profile/", learner.profile, name="profile"),
    path("skills/", learner.skills, name="skills"),
    path("calendar/", calendar_views.calendar, name="calendar"),
    path("calendar/new/", calendar_views.calendar_create, name="calendar_create"),
    path("calendar/stop/", calendar_views.calendar_revoke, name="calendar_revoke"),
    path("calendar/feed/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("skills/volunteer/", leaders.volunteer, name="volunteer"),
    path("session/extend/", privacy.session_extend_view, name="session_extend"),
    path("dashboards/hr/", dashboards.hr_dashboard, name="hr_dashboard"),
    path("dashboards/hr/year-end/", year_end_views.year_end_index, name="year_end_index"),
    path("dashboards/hr/year-end/<year:fiscal_year>/", year_end_views.year_end, name="year_end"),
    path(
        "dashboards/hr/year-end/<year:fiscal_year>/close/",
        year_end_views.year_end_close,
        name="year_end_close",
    ),
    path(
        "dashboards/hr/year-end/<year:fiscal_year>/rollover/",
        year_end_views.year_end_rollover,
        name="year_end_rollover",
    ),
    path(
        "dashboards/departments/<id:department_id>/",
        dashboards.department_dashboard,
        name="department_dashboard",
    ),
    path("dashboards/hr/remind/", reminder_views.town_remind, name="town_remind"),
    path("dashboards/hr/attestations/", attestation_views.attestation_index, name="attestations"),
    path(
        "dashboards/hr/attestations/<id:module_id>/",
        attestation_views.attestation_list,
        name="attestation_list",
    ),
    path(
        "dashboards/hr/attestations/<id:module_id>/download/",
        attestation_views.attestation_download,
        name="attestation_download",
    ),
    path(
        "dashboards/departments/<id:department_id>/remind/",
        reminder_views.department_remind,
        name="department_remind",
    ),
    path("people/<id:user_id>/remind/", reminder_views.person_remind, name="person_remind"),
    path(
        "dashboards/departments/<id:department_id>/endorse/<id:user_id>/",
        leaders.endorse,
        name="endorse",
    ),
    path("surveys/", surveys.survey_index, name="survey_index"),
    path("surveys/<id:course_id>/", surveys.survey_result, name="survey_result"),
    path("dashboards/it-policy/", dashboards.it_dashboard, name="it_dashboard"),
    path("dashboards/it-policy/criteria/", leaders.leader_criteria, name="leader_criteria"),
    path("reports/request/", dashboards.report_request_view, name="report_request"),
    path("reports/<id:run_id>/", dashboards.report_detail, name="report_detail"),
    path("reports/<id:run_id>/rebuild/", dashboards.report_rebuild_view, name="report_rebuild"),
    path(
        "reports/<id:run_id>/download/<str:file_format>/",
        dashboards.report_download,
        name="report_download",
    ),
    # Standalone skill checks (スキル診断); module quizzes are mounted by courses.
    path(
        "skills/checks/<id:quiz_id>/start/",
        assessment_views.QuizStartView.as_view(**SKILL_CHECK_FLOW),
        name="skill_check_start",
    ),
    path(
        "skills/attempts/<uuid:token>/",
        assessment_views.AttemptTakeView.as_view(**SKILL_CHECK_FLOW),
        name="attempt_take",
    ),
    path(
        "skills/attempts/<uuid:token>/answers/",
        assessment_views.AttemptAutosaveView.as_view(**SKILL_CHECK_FLOW),
        name="attempt_autosave",
    ),
    path(
        "skills/attempts/<uuid:token>/submit/",
        assessment_views.AttemptSubmitView.as_view(**SKILL_CHECK_FLOW),
        name="attempt_submit",
    ),
    path(
        "skills/attempts/<uuid:token>/result/",
        assessment_views.AttemptResultView.as_view(**SKILL_CHECK_FLOW),
        name="attempt_result",
    ),
]
