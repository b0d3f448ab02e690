from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path(
        "modules/<int:module_id>/complete/",
        views.module_complete_view,
        name="module_complete",
    ),
]
