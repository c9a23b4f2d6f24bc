"""The exceptions of ``cloudflare_tenant``.

The native core reports every failure as one JSON view (``kind``: ``invalid``, ``api``,
``decode``, ``unknown_operation``, ``outcome_unknown``, ``transport`` or ``redirect``); :func:`_from_native`
turns that view into the class below that fits it. Which class an HTTP status gets is decided here, nowhere else.

Names follow the official ``cloudflare`` SDK where they overlap (``APIError``,
``BadRequestError``, ``AuthenticationError``, ``PermissionDeniedError``, ``NotFoundError``,
``ConflictError``, ``UnprocessableEntityError``, ``RateLimitError``, ``InternalServerError``,
``APIConnectionError``, ``APITimeoutError``).

No message or repr of these exceptions holds a credential: the core never puts one in an error.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Type, Union

from .types import ApiMessage

__all__ = [
    "CloudflareError",
    "ValidationError",
    "UnknownOperationError",
    "APIError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "ServerError",
    "InternalServerError",
    "ResponseDecodeError",
    "RedirectError",
    "APIConnectionError",
    "APITimeoutError",
    "ResponseTooLargeError",
    "OutcomeUnknownError",
    "PaginationWarning",
]


class CloudflareError(Exception):
    """The base of every error this package raises."""

    #: The dotted name of the operation, when the error belongs to one.
    operation: Optional[str]
    #: The message (also ``str(error)``).
    message: str

    def __init__(self, message: str, *, operation: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self._view: Dict[str, Any] = {"message": message, "operation": operation}

    def to_dict(self) -> Dict[str, Any]:
        """The core's JSON view of this error (``kind``, ``operation``, ``message``, ...)."""
        return dict(self._view)

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self._view))


def _rebuild(cls: Type[CloudflareError], view: Dict[str, Any]) -> CloudflareError:
    error = cls.__new__(cls)
    _NativeInit.init(error, view)
    return error


class ValidationError(CloudflareError, ValueError):
    """The parameters were refused before any request was built. ``field`` names the culprit
    (``account_id``, ``policies[0].access``, ``credentials``)."""

    #: The parameter at fault, as the caller named it.
    field: str
    #: What is wrong with it.
    reason: str

    def __init__(
        self,
        message: str,
        *,
        field: str,
        reason: str,
        operation: Optional[str] = None,
    ) -> None:
        super().__init__(message, operation=operation)
        self.field = field
        self.reason = reason
        self._view = {
            "kind": "invalid",
            "operation": operation,
            "field": field,
            "reason": reason,
            "message": message,
        }


class UnknownOperationError(CloudflareError, ValueError):
    """An operation name that is not one of :func:`cloudflare_tenant.operations`."""

    def __init__(self, message: str, *, operation: Optional[str] = None) -> None:
        super().__init__(message, operation=operation)
        self._view = {"kind": "unknown_operation", "operation": operation, "message": message}


class APIError(CloudflareError):
    """The API answered with an error envelope: a non-2xx status, or ``success: false``.

    Keeps everything the server said: every ``errors[]`` entry (``code``, ``message``,
    ``documentation_url``, ``source.pointer``), ``messages[]``, the ``cf-ray`` header and the
    retry delay it asked for.
    """

    #: The HTTP status.
    status: int
    #: Every ``errors[]`` entry, in order.
    errors: List[ApiMessage]
    #: Every ``messages[]`` entry, in order.
    messages: List[ApiMessage]
    #: The ``cf-ray`` header, which Cloudflare support asks for.
    ray_id: Optional[str]
    #: Seconds the server asked to wait (``Retry-After``, ``retry-after-ms``, body
    #: ``retry_after``), if it did.
    retry_after: Optional[float]

    def __init__(
        self,
        message: str,
        *,
        status: int,
        operation: Optional[str] = None,
        errors: Optional[List[ApiMessage]] = None,
        messages: Optional[List[ApiMessage]] = None,
        ray_id: Optional[str] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(message, operation=operation)
        self.status = status
        self.errors = list(errors or [])
        self.messages = list(messages or [])
        self.ray_id = ray_id
        self.retry_after = retry_after
        self._view = {
            "kind": "api",
            "operation": operation,
            "status": status,
            "errors": self.errors,
            "messages": self.messages,
            "ray_id": ray_id,
            "retry_after": retry_after,
            "message": message,
        }

    @property
    def status_code(self) -> int:
        """The HTTP status (the official SDK's name for it)."""
        return self.status

    @property
    def code(self) -> Optional[int]:
        """The first error code, the one the API leads with."""
        return self.errors[0].get("code") if self.errors else None

    def has_code(self, code: int) -> bool:
        """True when any ``errors[]`` entry carries ``code``."""
        return any(e.get("code") == code for e in self.errors)


class BadRequestError(APIError):
    """HTTP 400, and any other 4xx without a class of its own."""


class AuthenticationError(APIError):
    """HTTP 401: no credentials, or credentials the API does not accept as such."""


class PermissionDeniedError(APIError):
    """HTTP 403: the credentials are known but may not do this (or are unknown tokens)."""


class NotFoundError(APIError):
    """HTTP 404."""


class ConflictError(APIError):
    """HTTP 409, e.g. a service user whose e-mail is taken."""


class UnprocessableEntityError(BadRequestError):
    """HTTP 422."""


class RateLimitError(APIError):
    """HTTP 429. ``retry_after`` says how many seconds to wait, when the API said."""


class ServerError(APIError):
    """HTTP 5xx with an API error envelope. An edge page (HTML 502 and the like) is a
    :class:`ResponseDecodeError` instead: it is not the API talking."""


#: The official SDK's name for :class:`ServerError`.
InternalServerError = ServerError


class ResponseDecodeError(CloudflareError):
    """The body was not the API's envelope (HTML from the edge, a truncated body) or its
    result had the wrong shape. Keeps the status, the ``cf-ray`` header and the start of the
    body (``snippet``)."""

    #: The HTTP status.
    status: int
    #: The ``cf-ray`` header.
    ray_id: Optional[str]
    #: What did not parse.
    reason: str
    #: The first 512 bytes of the body, decoded leniently.
    snippet: str
    #: Seconds the server asked to wait, if it did.
    retry_after: Optional[float]

    def __init__(
        self,
        message: str,
        *,
        status: int,
        reason: str,
        snippet: str = "",
        operation: Optional[str] = None,
        ray_id: Optional[str] = None,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(message, operation=operation)
        self.status = status
        self.reason = reason
        self.snippet = snippet
        self.ray_id = ray_id
        self.retry_after = retry_after
        self._view = {
            "kind": "decode",
            "operation": operation,
            "status": status,
            "ray_id": ray_id,
            "reason": reason,
            "snippet": snippet,
            "retry_after": retry_after,
            "message": message,
        }

    @property
    def status_code(self) -> int:
        """The HTTP status (the official SDK's name for it)."""
        return self.status


class RedirectError(CloudflareError):
    """The answer was a redirect (3xx). The API never redirects, so it came from a proxy or a
    wrong base URL; it is not followed, since that would send the credentials to another host
    (and turn a ``POST`` into a ``GET`` on 301/302/303), and not resent."""

    #: The 3xx status (0 when the redirect was opaque and told nothing).
    status: int
    #: The ``Location`` header, if there was one.
    location: Optional[str]

    def __init__(
        self,
        message: str,
        *,
        status: int,
        location: Optional[str] = None,
        operation: Optional[str] = None,
    ) -> None:
        super().__init__(message, operation=operation)
        self.status = status
        self.location = location
        self._view = {
            "kind": "redirect",
            "operation": operation,
            "status": status,
            "location": location,
            "message": message,
        }

    @property
    def status_code(self) -> int:
        """The HTTP status (the official SDK's name for it)."""
        return self.status


class APIConnectionError(CloudflareError):
    """The request could not be sent or no response came back (DNS, refused connection,
    reset, timeout), and retries did not help. ``sent`` says whether the request may have
    left: a ``POST`` that may have is an :class:`OutcomeUnknownError` instead, since the API
    may have acted on it.

    Transports raise it too (the clients read ``sent`` to decide): a custom transport should
    pass ``sent=False`` only when the request certainly never left."""

    #: The method of the request.
    method: Optional[str]
    #: The URL of the request (it never holds a credential).
    url: Optional[str]
    #: Whether the request may have reached the server (``False``: it certainly did not).
    sent: bool

    def __init__(
        self,
        message: str,
        *,
        operation: Optional[str] = None,
        method: Optional[str] = None,
        url: Optional[str] = None,
        sent: bool = True,
    ) -> None:
        super().__init__(message, operation=operation)
        self.method = method
        self.url = url
        self.sent = sent
        self._view = {
            "kind": "transport",
            "operation": operation,
            "method": method,
            "url": url,
            "sent": sent,
            "message": message,
        }


class APITimeoutError(APIConnectionError):
    """The request timed out: no complete response within the transport's deadline."""


class ResponseTooLargeError(APIConnectionError):
    """The response body was over the transport's ``max_body_bytes``; the rest was not read.
    Counted as no response: a ``GET`` may be retried, a ``POST`` is an
    :class:`OutcomeUnknownError`."""


class OutcomeUnknownError(CloudflareError):
    """A request that is not safe to resend (a ``POST``) got a 408/5xx or no answer: it may or
    may not have been carried out. Look before retrying (the account by name, the member by
    e-mail). The core's ``outcome_unknown`` error. ``client.onboard`` does that looking for
    you. A create that carries an idempotency key (``accounts.create`` always does) is resent
    with its key instead, and raises this only once its retries ran out."""

    def __init__(
        self,
        message: str,
        *,
        operation: Optional[str] = None,
        method: Optional[str] = None,
        status: Optional[int] = None,
        ray_id: Optional[str] = None,
        detail: str = "",
    ) -> None:
        super().__init__(message, operation=operation)
        self.method = method
        self.status = status
        self.ray_id = ray_id
        self.detail = detail
        self._view = {
            "kind": "outcome_unknown",
            "operation": operation,
            "method": method,
            "status": status,
            "ray_id": ray_id,
            "detail": detail,
            "message": message,
        }


class PaginationWarning(UserWarning):
    """A listing stopped early and may be incomplete: the API repeated a page (it ignores
    ``page`` for some credentials) or the page cap was reached."""


_BY_STATUS: Mapping[int, Type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _api_error_class(status: int) -> Type[APIError]:
    cls = _BY_STATUS.get(status)
    if cls is not None:
        return cls
    if 400 <= status < 500:
        return BadRequestError
    if 500 <= status < 600:
        return ServerError
    return APIError


class _NativeInit:
    """Fills an exception from the core's JSON view (also used to unpickle)."""

    @staticmethod
    def init(error: CloudflareError, view: Mapping[str, Any]) -> None:
        message = str(view.get("message") or "")
        operation = view.get("operation")
        if isinstance(error, ValidationError):
            ValidationError.__init__(
                error,
                message,
                field=str(view.get("field") or ""),
                reason=str(view.get("reason") or ""),
                operation=operation,
            )
        elif isinstance(error, APIError):
            APIError.__init__(
                error,
                message,
                status=int(view.get("status") or 0),
                operation=operation,
                errors=view.get("errors"),
                messages=view.get("messages"),
                ray_id=view.get("ray_id"),
                retry_after=view.get("retry_after"),
            )
        elif isinstance(error, ResponseDecodeError):
            ResponseDecodeError.__init__(
                error,
                message,
                status=int(view.get("status") or 0),
                reason=str(view.get("reason") or ""),
                snippet=str(view.get("snippet") or ""),
                operation=operation,
                ray_id=view.get("ray_id"),
                retry_after=view.get("retry_after"),
            )
        elif isinstance(error, RedirectError):
            RedirectError.__init__(
                error,
                message,
                status=int(view.get("status") or 0),
                location=view.get("location"),
                operation=operation,
            )
        elif isinstance(error, APIConnectionError):
            APIConnectionError.__init__(
                error,
                message,
                operation=operation,
                method=view.get("method"),
                url=view.get("url"),
                sent=bool(view.get("sent", True)),
            )
        elif isinstance(error, OutcomeUnknownError):
            OutcomeUnknownError.__init__(
                error,
                message,
                operation=operation,
                method=view.get("method"),
                status=view.get("status"),
                ray_id=view.get("ray_id"),
                detail=str(view.get("detail") or ""),
            )
        elif isinstance(error, UnknownOperationError):
            UnknownOperationError.__init__(error, message, operation=operation)
        else:
            CloudflareError.__init__(error, message, operation=operation)


def _class_for(view: Mapping[str, Any]) -> Type[CloudflareError]:
    kind = view.get("kind")
    if kind == "invalid":
        return ValidationError
    if kind == "api":
        return _api_error_class(int(view.get("status") or 0))
    if kind == "decode":
        return ResponseDecodeError
    if kind == "unknown_operation":
        return UnknownOperationError
    if kind in ("connection", "transport"):
        return APIConnectionError
    if kind == "outcome_unknown":
        return OutcomeUnknownError
    if kind == "redirect":
        return RedirectError
    return CloudflareError


def _from_native(view: Union[str, Dict[str, Any]]) -> CloudflareError:
    """The exception for the core's JSON view of an error (or its JSON text, as the native
    module gives it)."""
    if isinstance(view, str):
        view = json.loads(view)
        assert isinstance(view, dict)
    cls = _class_for(view)
    error = cls.__new__(cls)
    _NativeInit.init(error, view)
    return error
