"""Re2PatternCompiler: the PatternCompiler port on google-re2 (linear-time matching)."""

from __future__ import annotations

from typing import Any

import re2

from image_repo.domain.errors import InvalidPatternError

# RE2 refuses to build a program bigger than this; it bounds memory per compiled pattern.
_MAX_PROGRAM_BYTES = 8 << 20


class Re2Matcher:
    def __init__(self, compiled: Any) -> None:
        self._compiled = compiled

    def search(self, text: str) -> bool:
        return self._compiled.search(text) is not None


class Re2PatternCompiler:
    """RE2 has no backtracking, so every match runs in time linear in the name's length.

    Patterns RE2 cannot express (backreferences, lookaround) are refused with RE2's reason
    rather than handed to Python's `re`, which could hang a worker on a hostile pattern.
    """

    def __init__(self) -> None:
        self._options = re2.Options()
        self._options.log_errors = False
        self._options.max_mem = _MAX_PROGRAM_BYTES

    def compile(self, pattern: str) -> Re2Matcher:
        try:
            return Re2Matcher(re2.compile(pattern, self._options))
        except re2.error as error:
            reason = error.args[0] if error.args else str(error)
            if isinstance(reason, bytes):
                reason = reason.decode("utf-8", "replace")
            raise InvalidPatternError(
                f"RE2 refused the pattern ({reason}); RE2 syntax has no backreferences"
                " or lookaround"
            ) from error
