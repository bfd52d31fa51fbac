"""Page-number pagination that refuses what it cannot honour, as the schema documents it.

DRF's default quietly serves the default page size for ``?page_size=abc`` and clips one over the
maximum; here both answer 400, so a client learns its mistake. An empty value means "not given"
(as for every query parameter the schema marks ``allowEmptyValue``); a page past the last is 404.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


def _whole_number(raw: str, *, name: str, maximum: int | None = None) -> int:
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if not raw.isdecimal() or int(raw) < 1 or (maximum is not None and int(raw) > maximum):
        limit = f" up to {maximum}" if maximum is not None else ""
        raise serializers.ValidationError({name: [f"A whole number from 1{limit}."]})
    return int(raw)


class StandardPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500
    last_page_strings = ()

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "")
        if not raw:
            return int(self.page_size or 0)
        return _whole_number(raw, name=self.page_size_query_param, maximum=self.max_page_size)

    def get_page_number(self, request: Request, paginator: Any) -> int:
        raw = request.query_params.get(self.page_query_param, "")
        return _whole_number(raw, name=self.page_query_param) if raw else 1

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            parameter["allowEmptyValue"] = True
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
