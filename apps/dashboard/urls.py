"""The dashboard's own pages, and the account pages under the same "dashboard" namespace."""

from django.urls import path

from apps.accounts import views as account_views

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("s/<int:store_id>/", views.store_overview, name="store"),
    path("s/<int:store_id>/members/", account_views.store_members, name="members"),
    path(
        "s/<int:store_id>/invitations/<int:invitation_id>/revoke/",
        account_views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("invitations/<str:token>/", account_views.invitation_page, name="invitation"),
    path("s/<int:store_id>/audit/", account_views.store_audit_log, name="audit"),
    path("tokens/", account_views.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke/", account_views.token_revoke, name="token-revoke"),
]
