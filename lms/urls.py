from django.urls import path

from . import views

app_name = "lms"

urlpatterns = [
    path("", views.mypage, name="mypage"),
    path("people/<int:user_id>/", views.person_progress, name="person_progress"),
]
