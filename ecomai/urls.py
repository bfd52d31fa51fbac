from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from apps.core.api_docs import ApiDocsView, ApiRedocView

api_v1 = [
    path("", include("apps.accounts.api.urls")),
    path("", include("apps.jobs.api.urls")),
    path("", include("apps.catalog.api.urls")),
    path("", include("apps.support.api.urls")),
    path("", include("apps.reviews.api.urls")),
    path("", include("apps.marketing.api.urls")),
    path("", include("apps.training.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", ApiRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("", include("apps.dashboard.urls")),
    path("", include("apps.jobs.urls")),
    path("", include("apps.catalog.urls")),
    path("", include("apps.support.urls")),
    path("", include("apps.reviews.urls")),
    path("", include("apps.marketing.urls")),
    path("", include("apps.training.urls")),
]

handler400 = "apps.core.views.bad_request"
handler403 = "apps.core.views.permission_denied"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"
