from django.urls import path

from apps.imports.views import import_page_urls

from . import views, widget_views

app_name = "support"

prefix = "s/<int:store_id>/support"

urlpatterns = [
    path(f"{prefix}/", views.inbox_page, name="home"),
    path(f"{prefix}/conversations/<int:conversation_id>/", views.conversation_page, name="conversation"),
    *[
        path(
            f"{prefix}/conversations/<int:conversation_id>/{action}/",
            views.conversation_action,
            {"action": action},
            name=f"conversation-{action}",
        )
        for action in ("reply", "note", "assign", "resolve")
    ],
    path(f"{prefix}/knowledge/", views.knowledge_page, name="knowledge"),
    path(f"{prefix}/knowledge/documents/<int:document_id>/", views.document_page, name="document"),
    path(f"{prefix}/knowledge/faq/<int:faq_id>/delete/", views.faq_delete_action, name="faq-delete"),
    path(f"{prefix}/orders/", views.orders_page, name="orders"),
    *import_page_urls(prefix=f"{prefix}/orders", target="support.orders"),
    path(f"{prefix}/widget/", views.widget_page, name="widget"),
    path("support/w/<str:widget_key>/", widget_views.widget_frame, name="widget-frame"),
    path("support/w/<str:widget_key>/sources/<int:chunk_id>/", widget_views.source_page, name="source"),
]
