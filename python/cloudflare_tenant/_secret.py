"""A secret value that never shows itself."""

from __future__ import annotations

import hmac

__all__ = ["Secret"]


class Secret:
    """A secret, such as the ``api_key`` of a user created with ``users.create`` or a new
    token's ``value``.

    It never shows its value by accident: ``repr``, ``str``, f-strings, ``%`` and ``format``
    (so ``print``, logging and tracebacks) give ``***``, and ``json.dumps`` refuses it.
    :meth:`expose` gives the value, to store it or to sign with it; credentials, params and
    specs take a ``Secret`` as they take a ``str``
    (``Credentials.user_service_key(user["api_key"])``). Two secrets are equal when their
    values are (compared in constant time).
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"a Secret holds a str; got {type(value).__name__}")
        self._value = value

    def expose(self) -> str:
        """The value, as a plain ``str``."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return format("***", spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)
