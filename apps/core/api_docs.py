"""Swagger UI and Redoc pages within the Content-Security-Policy: no inline script, assets served here."""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI; its start-up script is a second request to this view, not an inline script."""

    template_name = "api/swagger_ui.html"


# Redoc's renderer writes its styles at run time and parses the schema in a worker started from a
# blob: URL; scripts stay 'self' only.
@method_decorator(csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}), name="get")
class ApiRedocView(SpectacularRedocView):
    template_name = "api/redoc.html"
