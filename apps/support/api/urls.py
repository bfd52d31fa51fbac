from django.urls import path

from apps.imports.api.views import import_api_urls

from . import inbox, knowledge, orders, shopper

prefix = "stores/<int:store_id>/support"
widget = "widget/<str:widget_key>"

urlpatterns = [
    path(f"{prefix}/documents/", knowledge.DocumentListCreateApi.as_view(), name="support-document-list"),
    path(
        f"{prefix}/documents/upload/", knowledge.DocumentUploadApi.as_view(), name="support-document-upload"
    ),
    path(
        f"{prefix}/documents/<int:document_id>/upload/",
        knowledge.DocumentVersionUploadApi.as_view(),
        name="support-document-version-upload",
    ),
    path(
        f"{prefix}/documents/<int:document_id>/",
        knowledge.DocumentDetailApi.as_view(),
        name="support-document-detail",
    ),
    path(
        f"{prefix}/documents/<int:document_id>/versions/",
        knowledge.DocumentVersionListApi.as_view(),
        name="support-document-versions",
    ),
    path(f"{prefix}/faq/", knowledge.FaqListCreateApi.as_view(), name="support-faq-list"),
    path(f"{prefix}/faq/<int:faq_id>/", knowledge.FaqDetailApi.as_view(), name="support-faq-detail"),
    path(f"{prefix}/reindex/", knowledge.ReindexApi.as_view(), name="support-reindex"),
    path(f"{prefix}/search/", knowledge.SearchApi.as_view(), name="support-search"),
    path(f"{prefix}/orders/", orders.OrderListCreateApi.as_view(), name="support-order-list"),
    path(f"{prefix}/orders/<int:order_id>/", orders.OrderDetailApi.as_view(), name="support-order-detail"),
    *import_api_urls(prefix=f"{prefix}/orders", target="support.orders", name="support-orders"),
    path(f"{prefix}/conversations/", inbox.ConversationListApi.as_view(), name="support-conversation-list"),
    path(
        f"{prefix}/conversations/<int:conversation_id>/",
        inbox.ConversationDetailApi.as_view(),
        name="support-conversation-detail",
    ),
    path(
        f"{prefix}/conversations/<int:conversation_id>/assign/",
        inbox.ConversationAssignApi.as_view(),
        name="support-conversation-assign",
    ),
    path(
        f"{prefix}/conversations/<int:conversation_id>/reply/",
        inbox.ConversationReplyApi.as_view(),
        name="support-conversation-reply",
    ),
    path(
        f"{prefix}/conversations/<int:conversation_id>/notes/",
        inbox.ConversationNoteApi.as_view(),
        name="support-conversation-notes",
    ),
    path(
        f"{prefix}/conversations/<int:conversation_id>/resolve/",
        inbox.ConversationResolveApi.as_view(),
        name="support-conversation-resolve",
    ),
    path(f"{prefix}/widget/", inbox.WidgetSettingsApi.as_view(), name="support-widget-settings"),
    path(f"{widget}/conversations/", shopper.ConversationStartApi.as_view(), name="support-shopper-start"),
    path(
        f"{widget}/conversations/<str:token>/messages/",
        shopper.ShopperMessagesApi.as_view(),
        name="support-shopper-messages",
    ),
    path(
        f"{widget}/conversations/<str:token>/messages/<int:message_id>/feedback/",
        shopper.ShopperFeedbackApi.as_view(),
        name="support-shopper-feedback",
    ),
    path(
        f"{widget}/conversations/<str:token>/handoff/",
        shopper.ShopperHandoffApi.as_view(),
        name="support-shopper-handoff",
    ),
]
