from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("courses/<id:course_id>/survey/", views.survey_view, name="survey"),
    path("courses/<id:course_id>/survey/skip/", views.survey_skip_view, name="survey_skip"),
    path(
        "modules/<id:module_id>/complete/",
        views.module_complete_view,
        name="module_complete",
    ),
    path(
        "modules/<id:module_id>/attest/",
        views.module_attest_view,
        name="module_attest",
    ),
    path(
        "modules/<id:module_id>/quizzes/<id:quiz_id>/start/",
        views.ModuleQuizStartView.as_view(),
        name="module_quiz_start",
    ),
    path(
        "modules/<id:module_id>/attempts/<uuid:token>/",
        views.ModuleQuizTakeView.as_view(),
        name="module_quiz_take",
    ),
    path(
        "modules/<id:module_id>/attempts/<uuid:token>/answers/",
        views.ModuleQuizAutosaveView.as_view(),
        name="module_quiz_autosave",
    ),
    path(
        "modules/<id:module_id>/attempts/<uuid:token>/submit/",
        views.ModuleQuizSubmitView.as_view(),
        name="module_quiz_submit",
    ),
    path(
        "modules/<id:module_id>/attempts/<uuid:token>/result/",
        views.ModuleQuizResultView.as_view(),
        name="module_quiz_result",
    ),
]
