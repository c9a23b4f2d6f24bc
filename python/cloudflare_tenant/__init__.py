"""A sans-IO client for Cloudflare's account-provisioning (Tenant) API.

The core (in Rust) builds plain HTTP requests, reads plain HTTP responses and runs the exchange
machines (a call, a list, the onboarding flow) that own retries and pacing; it never does I/O.
On top of it:

- :func:`build_request`, :func:`parse_response`, :func:`operations`: the by-name sans-IO
  functions, for any HTTP library;
- :class:`Call`, :class:`Listing`, :class:`Onboarding`, :class:`Bulk` with :class:`Pacers` and
  :class:`RetryPolicy`: the core's machines, sans-IO, for a driver of your own;
- :class:`TenantClient` (standard library ``urllib`` by default, or an ``httpx.Client``) and
  :class:`AsyncTenantClient` (``httpx.AsyncClient``): the same machines with a blocking or an
  async driver: one method per operation, retries decided by the core, optional pacing, and
  ``onboard(spec)``.
"""

from ._async_client import AsyncTenantClient
from ._client import CredentialsLike, TenantClient
from ._core import (
    DEFAULT_BASE_URL,
    USER_AGENT,
    Credentials,
    Request,
    build_request,
    operations,
    parse_response,
)
from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CloudflareError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    OutcomeUnknownError,
    PaginationWarning,
    PermissionDeniedError,
    RateLimitError,
    RedirectError,
    ResponseDecodeError,
    ResponseTooLargeError,
    ServerError,
    UnknownOperationError,
    UnprocessableEntityError,
    ValidationError,
)
from ._core import CORE_VERSION as __version__
from ._core import Bulk, Call, Listing, Onboarding, Pacers, RetryPolicy
from ._pagination import AsyncPageIterator, Page, PageIterator
from ._secret import Secret
from ._transport import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_TIMEOUT,
    AsyncHttpxTransport,
    AsyncTransport,
    HttpxTransport,
    HTTPResponse,
    Transport,
    UrllibTransport,
)

__all__ = [
    "__version__",
    # sans-IO
    "build_request",
    "parse_response",
    "operations",
    "Request",
    "Credentials",
    "CredentialsLike",
    "Call",
    "Bulk",
    "Listing",
    "Onboarding",
    "Pacers",
    "RetryPolicy",
    "DEFAULT_BASE_URL",
    "USER_AGENT",
    # clients
    "TenantClient",
    "AsyncTenantClient",
    "PageIterator",
    "AsyncPageIterator",
    "Page",
    "Secret",
    # transports
    "DEFAULT_TIMEOUT",
    "DEFAULT_MAX_BODY_BYTES",
    "HTTPResponse",
    "Transport",
    "AsyncTransport",
    "UrllibTransport",
    "HttpxTransport",
    "AsyncHttpxTransport",
    # errors
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
