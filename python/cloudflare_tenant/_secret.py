"""A ``str`` whose repr never shows its value."""

from __future__ import annotations

__all__ = ["Secret"]


class Secret(str):
    """A secret string, such as the ``api_key`` of a user created with ``users.create``.

    It is a ``str`` in every respect (pass it to :meth:`Credentials.user_service_key`, store it,
    ``str(secret)`` or an f-string gives the value) except its ``repr``, which is masked, so a
    result dict, a log line with ``%r`` or a traceback does not show it.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('***')"

    def expose(self) -> str:
        """The value as a plain ``str``."""
        return str.__str__(self)
