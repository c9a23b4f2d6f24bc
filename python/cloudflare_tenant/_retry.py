"""The clients' ``retry=`` and ``pace=`` options, read into the core's :class:`RetryPolicy` and
:class:`Pacers`. The rules themselves (what is retried, after how long, how the budget is
counted) are the core's: see the package README."""

from __future__ import annotations

from typing import Optional, Tuple, Union

from ._exceptions import ValidationError
from ._core import Pacers, RetryPolicy

__all__ = ["RetryLike", "PaceLike", "retry_policy", "pacers"]

#: What the clients take as ``retry=``: a :class:`RetryPolicy`, ``True``/``None`` (the core's
#: default: 2 retries), or ``False`` (no retries).
RetryLike = Union[RetryPolicy, bool, None]
#: What the clients take as ``pace=``: ``False`` (off), ``True`` (Cloudflare's budget, 1,200
#: requests per 300 s per credential), or ``(limit, window_seconds)``.
PaceLike = Union[bool, Tuple[int, float], None]


def retry_policy(retry: RetryLike, max_retries: Optional[int]) -> RetryPolicy:
    """The policy a client runs with, from its ``retry=`` and ``max_retries=`` settings."""
    if retry is False:
        if max_retries:
            raise ValidationError(
                "invalid `max_retries`: retry=False disables retries; drop one of the two",
                field="max_retries",
                reason="retry=False disables retries; drop one of the two",
            )
        return RetryPolicy.none()
    if retry is None or retry is True:
        policy = RetryPolicy()
    elif isinstance(retry, RetryPolicy):
        policy = retry
    else:
        raise TypeError(
            f"retry must be a RetryPolicy, True, False or None; got {type(retry).__name__}"
        )
    if max_retries is None:
        return policy
    if isinstance(max_retries, bool) or not isinstance(max_retries, int):
        raise TypeError(f"max_retries must be an int; got {type(max_retries).__name__}")
    return RetryPolicy(
        max_retries,
        policy.initial_backoff,
        policy.max_backoff,
        policy.max_retry_after,
    )


def pacers(pace: PaceLike) -> Pacers:
    """The pacers a client runs with, from its ``pace=`` setting: one budget per identity,
    shared by the client and its ``with_credentials`` views."""
    if pace is None or pace is False:
        return Pacers.off()
    if pace is True:
        return Pacers.cloudflare()
    if isinstance(pace, tuple) and len(pace) == 2:
        return Pacers(*pace)
    raise TypeError(
        f"pace must be True, False or (limit, window_seconds); got {type(pace).__name__}"
    )
