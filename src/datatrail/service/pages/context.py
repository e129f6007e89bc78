"""What every page handler needs: the service's config, its store, who may do what, the reports
read lately; and the way a refusal becomes a page instead of a JSON body."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from datatrail.service.access import Access
from datatrail.service.config import ServiceConfig
from datatrail.service.errors import ApiError
from datatrail.service.pages.layout import error_page
from datatrail.service.pages.reports import ReportCache
from datatrail.store import Store

__all__ = ["Pages", "as_page"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Pages:
    config: ServiceConfig
    store: Store
    access: Access
    reports: ReportCache


def as_page(handler: F) -> F:
    """A page handler whose ``ApiError`` (401, 404, 413, 422, 429...) is answered with an error page."""

    def refused(exc: ApiError) -> Any:
        response = error_page(exc.status, exc.message)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    if inspect.iscoroutinefunction(handler):
        @functools.wraps(handler)
        async def waited(*args: Any, **kwargs: Any) -> Any:
            try:
                return await handler(*args, **kwargs)
            except ApiError as exc:
                return refused(exc)

        return cast(F, waited)

    @functools.wraps(handler)
    def wrapped(*args: Any, **kwargs: Any) -> Any:  # sync: FastAPI runs it in its thread pool, off the event loop
        try:
            return handler(*args, **kwargs)
        except ApiError as exc:
            return refused(exc)

    return cast(F, wrapped)
