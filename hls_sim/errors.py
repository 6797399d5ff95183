"""Errors a user can meet, each with a one-line message saying what was wrong and what
is allowed. The command line turns them into exit status 2 (bad input)."""

from __future__ import annotations


class ParameterError(ValueError):
    """One invalid parameter: its dotted name, the value given and what is allowed.

    ``param`` is the dotted name at fault when there is one (scenario files use it to
    point at the offending line).
    """

    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.param = param
