"""The synchronous client: the shared client with the blocking driver, over the standard
library's ``urllib`` by default, or an ``httpx.Client``."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Dict, Iterable, List, Mapping, Optional, Type, Union

from ._base import ClientBase, CredentialsLike, credentials_from
from ._drivers import OnProgress, OnReport, drive, drive_threads
from ._exceptions import ValidationError
from ._pagination import PageIterator
from ._resources import TenantResources
from ._retry import PaceLike, RetryLike
from ._secret import Secret
from ._transport import DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT, Transport, sync_transport
from .types import OnboardingReport, OnboardingSpec

__all__ = ["TenantClient", "CredentialsLike"]


class TenantClient(TenantResources, ClientBase):
    """A client for the Tenant API.

    Credentials: one of ``api_token``; ``api_email`` + ``api_key``; ``user_service_key``; or
    ``credentials`` (a :class:`Credentials` or the same as a dict). Without any, every call needs
    its own ``credentials=``.

    ``transport``: ``None`` (the standard library's ``urllib``, no dependency), an
    ``httpx.Client`` (yours: the client does not close it), or any object with
    ``send(request) -> HTTPResponse``. Redirects are never followed (:class:`RedirectError`).
    ``timeout`` is the deadline of each attempt (connect, headers and whole body; ``None``:
    none) and ``max_body_bytes`` the largest body read; both apply to urllib and httpx, not to
    a transport object of yours.

    Retries are the core's decisions (``retry=``: a :class:`RetryPolicy`, ``True`` for the
    default of 2, ``False`` for none; or just ``max_retries=``). ``pace=True`` keeps each
    credential under Cloudflare's budget (1,200 requests per 5 minutes), ``pace=(limit,
    window_seconds)`` under another; off by default. The client may be shared by threads.

    Every operation is a method named by its dotted name: ``client.accounts.create(...)``,
    ``client.accounts.members.list(account_id)``. Each takes ``credentials=`` to act as someone
    else for one call; :meth:`with_credentials` gives a client that does so for every call.
    """

    def __init__(
        self,
        *,
        api_token: Optional[Union[str, Secret]] = None,
        api_email: Optional[str] = None,
        api_key: Optional[Union[str, Secret]] = None,
        user_service_key: Optional[Union[str, Secret]] = None,
        credentials: Optional[CredentialsLike] = None,
        transport: Any = None,
        base_url: Optional[str] = None,
        timeout: Optional[float] = DEFAULT_TIMEOUT,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        user_agent: Optional[str] = None,
        max_pages: Optional[int] = None,
        retry: RetryLike = None,
        max_retries: Optional[int] = None,
        pace: PaceLike = False,
    ) -> None:
        self._configure(
            credentials_from(credentials, api_token, api_email, api_key, user_service_key),
            base_url,
            user_agent,
            max_pages,
            retry,
            max_retries,
            pace,
        )
        self._transport: Transport
        self._transport, self._owns_transport = sync_transport(transport, timeout, max_body_bytes)
        self._init_resources()

    def with_credentials(self, credentials: CredentialsLike) -> TenantClient:
        """The same client (same transport, settings and pacers) acting as ``credentials``,
        e.g. ``client.with_credentials(Credentials.user_service_key(user["api_key"]))``. Closing
        it does not close the shared transport."""
        return self._view(credentials)

    def _call(
        self, operation: str, params: Optional[Mapping[str, Any]], credentials: Any
    ) -> Any:
        return drive(self._exchange(operation, params, credentials), self._transport)["result"]

    def _list(
        self, operation: str, params: Dict[str, Any], credentials: Any
    ) -> PageIterator[Any]:
        return PageIterator(self, operation, params, credentials)

    def onboard(
        self,
        spec: Optional[OnboardingSpec] = None,
        /,
        *,
        credentials: Optional[CredentialsLike] = None,
        **fields: Any,
    ) -> OnboardingReport:
        """Onboards one customer with the core's flow: finds the account by name or creates it
        (with KYC fields, on ``unit_id``), invites ``members`` (roles by name or id, or
        policies), and creates ``service_user`` and accepts its invitation as that user. A
        create whose outcome is unknown (a 502, a lost answer) is looked up, never blindly
        resent, so running it again continues from what exists.

        ``spec`` is a dict (:class:`~cloudflare_tenant.types.OnboardingSpec`), or give its
        fields as keywords. A bad spec raises :class:`ValidationError` before any request.
        Returns the report: ``{account, members, service_user, api_key, invitation,
        complete}``; failures are in the report (``status: "failed"`` with ``error``), not
        raised. The client's retry policy and pacing apply.
        """
        flow = self._onboarding(spec, fields, credentials)
        drive(flow, self._transport)
        return flow.machine.report()

    def onboard_many(
        self,
        specs: Iterable[OnboardingSpec],
        *,
        concurrency: int = 8,
        on_progress: Optional[OnProgress] = None,
        credentials: Optional[CredentialsLike] = None,
        on_report: Optional[OnReport] = None,
        threads: int = 1,
    ) -> List[OnboardingReport]:
        """Onboards many customers with the core's bulk flow: each spec as :meth:`onboard`
        does it, up to ``concurrency`` onboardings under way at once, the ids resolved by name
        (roles, permission groups, token permission groups) shared with every onboarding
        started after their lookup, every request paced by the client's pacers (``pace=``: one
        budget per credential), and each account create keyed. Returns one report per spec, in
        order.

        ``on_progress(progress)`` is told where the run is after each answer
        (:class:`~cloudflare_tenant.types.Progress`: ``done``, ``failed``, ``remaining``,
        ``requests``, ``current_wait``); what it raises stops the run. A bad spec raises
        :class:`ValidationError` naming it (``specs[3].members[0].email``) before any request.

        ``on_report(index, report)`` is told each spec's report as soon as its onboarding is
        over, to keep it (as the next run's ``checkpoint``) before the run ends. When the run
        is stopped (an exception, Ctrl-C), the onboardings under way end with what they did
        and their reports are told too, before the exception goes on; those never started are
        not.

        This blocking client sends one request at a time, unless ``threads`` says how many may
        be in flight at once (at most one per onboarding under way), each sent from a thread
        of its own: the transport must allow that (the package's do). The client's pacers
        still hold every send to the budget. Stopped, the run lets the sends in flight finish
        and keeps their answers (a second Ctrl-C does not wait).
        """
        if isinstance(threads, bool) or not isinstance(threads, int):
            raise TypeError("threads must be an int")
        if threads < 1:
            reason = "must be at least 1"
            raise ValidationError(
                f"onboarding: invalid `threads`: {reason}",
                field="threads",
                reason=reason,
                operation="onboarding",
            )
        run = self._bulk(specs, credentials, concurrency, on_progress, on_report)
        reports: List[OnboardingReport] = (
            drive(run, self._transport)
            if threads == 1
            else drive_threads(run, self._transport, threads)
        )
        return reports

    def close(self) -> None:
        """Closes the transport if the client created it (never one you passed in)."""
        if self._owns_transport:
            self._transport.close()

    def __enter__(self) -> TenantClient:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()
