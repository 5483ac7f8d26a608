"""TOML reading in one place: the standard tomllib on Python 3.11+, tomli (same API) before.

`loads` raises ValueError (TOMLDecodeError is one) for malformed text; callers choose
whether that is a warning (detection) or an error (configuration).
"""

import sys

if sys.version_info >= (3, 11):
    from tomllib import loads
else:  # pragma: no cover - exercised on Python < 3.11 only
    from tomli import loads

__all__ = ["loads"]
