from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.MeApi.as_view(), name="me"),
    path("stores/", views.StoreListCreateApi.as_view(), name="store-list"),
    path("stores/<int:store_id>/", views.StoreDetailApi.as_view(), name="store-detail"),
    path("stores/<int:store_id>/members/", views.MemberListCreateApi.as_view(), name="member-list"),
    path(
        "stores/<int:store_id>/members/<int:membership_id>/",
        views.MemberDetailApi.as_view(),
        name="member-detail",
    ),
    path(
        "stores/<int:store_id>/invitations/", views.InvitationListCreateApi.as_view(), name="invitation-list"
    ),
    path(
        "stores/<int:store_id>/invitations/<int:invitation_id>/",
        views.InvitationDetailApi.as_view(),
        name="invitation-detail",
    ),
    path("invitations/accept/", views.InvitationAcceptApi.as_view(), name="invitation-accept"),
    path("invitations/decline/", views.InvitationDeclineApi.as_view(), name="invitation-decline"),
    path("stores/<int:store_id>/audit-events/", views.AuditEventListApi.as_view(), name="audit-event-list"),
    path("stores/<int:store_id>/usage/", views.UsageApi.as_view(), name="store-usage"),
    path("tokens/", views.ApiTokenListCreateApi.as_view(), name="token-list"),
    path("tokens/<int:token_id>/", views.ApiTokenDetailApi.as_view(), name="token-detail"),
]
