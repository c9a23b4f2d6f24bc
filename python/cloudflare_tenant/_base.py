"""What the sync and async clients share: everything but their driver.

A client holds its settings and its :class:`Pacers`, and makes the core's machines: a
:class:`Call` per call, a :class:`Listing` per walk of a list, an :class:`Onboarding` per
onboarding, a :class:`Bulk` per run of many onboardings. Its driver (``_drivers.py``) runs them
with its transport.
"""

from __future__ import annotations

import copy
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, TypeVar, Union

from . import _retry
from ._core import (
    DEFAULT_BASE_URL,
    USER_AGENT,
    Bulk,
    Call,
    Credentials,
    Listing,
    Onboarding,
    Pacers,
    RetryPolicy,
    build_request,
    operations,
)
from ._drivers import BulkExchange, Exchange, OnProgress, OnReport
from ._exceptions import ValidationError
from ._retry import PaceLike, RetryLike
from ._secret import Secret

__all__ = ["ClientBase", "CredentialsLike", "credentials_from"]

#: Credentials as the clients take them: a :class:`Credentials`, or a dict with ``api_token``;
#: ``api_email`` + ``api_key``; or ``user_service_key``.
CredentialsLike = Union[Credentials, Mapping[str, Union[str, Secret]]]

_PAGINATED: Dict[str, bool] = {op["name"]: op["paginated"] for op in operations()}

_C = TypeVar("_C", bound="ClientBase")

# Credentials that only serve to check a client's settings; never sent.
_PROBE = Credentials.api_token("settings-check")


def credentials_from(
    credentials: Optional[CredentialsLike],
    api_token: Optional[Union[str, Secret]],
    api_email: Optional[str],
    api_key: Optional[Union[str, Secret]],
    user_service_key: Optional[Union[str, Secret]],
) -> Optional[Credentials]:
    """The client's credentials, from ``credentials=`` or the ``api_*`` keywords; without any,
    from the environment (:meth:`Credentials.from_environment`: the conventional variables
    ``CLOUDFLARE_API_TOKEN``, else ``CLOUDFLARE_EMAIL`` with ``CLOUDFLARE_API_KEY``, as the core
    reads them). Given credentials always win."""
    given = {
        name: value
        for name, value in (
            ("api_token", api_token),
            ("api_email", api_email),
            ("api_key", api_key),
            ("user_service_key", user_service_key),
        )
        if value is not None
    }
    if credentials is not None:
        if given:
            raise ValidationError(
                "invalid `credentials`: give credentials= or the api_* keywords, not both",
                field="credentials",
                reason="give credentials= or the api_* keywords, not both",
            )
        if isinstance(credentials, Credentials):
            return credentials
        return Credentials.from_dict(credentials)
    if not given:
        return Credentials.from_environment(os.environ)
    return Credentials.from_dict(given)


def _check_max_pages(max_pages: Optional[int]) -> Optional[int]:
    """The page cap: ``None`` (the core's, 1000) or an int from 1."""
    if max_pages is None:
        return None
    if isinstance(max_pages, bool) or not isinstance(max_pages, int):
        raise TypeError(f"max_pages must be an int or None; got {type(max_pages).__name__}")
    if not 1 <= max_pages <= 2**32 - 1:
        reason = "must be an integer from 1 to 2**32 - 1"
        raise ValidationError(f"invalid `max_pages`: {reason}", field="max_pages", reason=reason)
    return max_pages


class ClientBase:
    """Settings, pacers and the machines of the core; the subclasses add a driver."""

    _credentials: Optional[Credentials]
    _base_url: Optional[str]
    _user_agent: str
    _max_pages: Optional[int]
    _owns_transport: bool
    _retry_policy: RetryPolicy
    _pacers: Pacers

    def _configure(
        self,
        credentials: Optional[Credentials],
        base_url: Optional[str],
        user_agent: Optional[str],
        max_pages: Optional[int],
        retry: RetryLike,
        max_retries: Optional[int],
        pace: PaceLike,
    ) -> None:
        self._credentials = credentials
        self._base_url = base_url.rstrip("/") if base_url else None
        self._user_agent = user_agent or USER_AGENT
        self._max_pages = _check_max_pages(max_pages)
        self._retry_policy = _retry.retry_policy(retry, max_retries)
        self._pacers = _retry.pacers(pace)
        # Checks base_url and user_agent now rather than at the first call.
        build_request("user.get", None, _PROBE, self._base_url, self._user_agent)

    @property
    def retry_policy(self) -> RetryPolicy:
        """How persistent the client is (see :class:`RetryPolicy`)."""
        return self._retry_policy

    @property
    def base_url(self) -> str:
        """Where requests go."""
        return self._base_url or DEFAULT_BASE_URL

    def _who(self, credentials: Any) -> Any:
        return credentials if credentials is not None else self._credentials

    def _exchange(
        self, operation: str, params: Optional[Mapping[str, Any]], credentials: Any
    ) -> Exchange[Call]:
        """A call; bad parameters raise here, before anything is sent. Its 16 random bytes
        make the idempotency key of a create (one per call: every resend carries it)."""
        call = Call(
            operation,
            params,
            self._who(credentials),
            self._retry_policy,
            self._base_url,
            self._user_agent,
            os.urandom(16),
        )
        return Exchange(call, self._pacers)

    def _walk(
        self, operation: str, params: Mapping[str, Any], credentials: Any
    ) -> Union[Exchange[Listing], Exchange[Call]]:
        """A walk of a list: every page, or the one answer of a list the API does not page."""
        if not _PAGINATED[operation]:
            return self._exchange(operation, params, credentials)
        listing = Listing(
            operation,
            params,
            self._who(credentials),
            self._retry_policy,
            self._base_url,
            self._user_agent,
            self._max_pages,
        )
        return Exchange(listing, self._pacers)

    def _onboarding(
        self,
        spec: Optional[Mapping[str, Any]],
        fields: Mapping[str, Any],
        credentials: Any,
    ) -> Exchange[Onboarding]:
        if spec is not None and not isinstance(spec, Mapping):
            raise ValidationError(
                "onboarding: invalid `spec`: must be a dict",
                field="spec",
                reason="must be a dict",
                operation="onboarding",
            )
        merged: Dict[str, Any] = dict(spec or {})
        merged.update(fields)
        who = self._who(credentials)
        flow = Onboarding(
            merged, who, self._retry_policy, self._base_url, self._user_agent, os.urandom(16)
        )
        return Exchange(flow, self._pacers)

    def _bulk(
        self,
        specs: Iterable[Mapping[str, Any]],
        credentials: Any,
        concurrency: int,
        on_progress: Optional[OnProgress],
        on_report: Optional[OnReport],
    ) -> BulkExchange:
        """Many onboardings; bad specs (each named: ``specs[3].name``) raise here, before
        anything is sent. 16 random bytes per spec make the account creates' keys."""
        if isinstance(specs, (str, bytes, Mapping)) or not isinstance(specs, Iterable):
            raise ValidationError(
                "onboarding: invalid `specs`: must be a list of specs",
                field="specs",
                reason="must be a list of specs",
                operation="onboarding",
            )
        items: List[Any] = list(specs)
        for i, spec in enumerate(items):
            if not isinstance(spec, Mapping):
                raise ValidationError(
                    f"onboarding: invalid `specs[{i}]`: must be a dict",
                    field=f"specs[{i}]",
                    reason="must be a dict",
                    operation="onboarding",
                )
        who = self._who(credentials)
        bulk = Bulk(
            [dict(spec) for spec in items],
            who,
            self._retry_policy,
            self._base_url,
            self._user_agent,
            concurrency,
            os.urandom(16 * len(items)),
        )
        return BulkExchange(bulk, self._pacers, on_progress, on_report)

    def _view(self: _C, credentials: CredentialsLike) -> _C:
        """The same client (transport, settings, pacers) acting as ``credentials``."""
        view = copy.copy(self)
        view._credentials = credentials_from(credentials, None, None, None, None)
        view._owns_transport = False
        view._init_resources()
        return view

    def _init_resources(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, "
            f"credentials={self._credentials!r})"
        )
