from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("s/<int:store_id>/", views.store_overview, name="store"),
    path("s/<int:store_id>/members/", views.store_members, name="members"),
    path(
        "s/<int:store_id>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("invitations/<str:token>/", views.invitation_page, name="invitation"),
    path("s/<int:store_id>/audit/", views.store_audit_log, name="audit"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
