from django.urls import path

from reminders import views

app_name = "reminders"
urlpatterns = [
    path("sw.js", views.service_worker, name="service_worker"),
    path("reminders/subscribe/", views.subscribe, name="subscribe"),
    path("reminders/unsubscribe/", views.unsubscribe, name="unsubscribe"),
]
