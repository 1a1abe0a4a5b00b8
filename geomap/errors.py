"""Errors raised by geomap.

The tree follows the data model, so callers can catch as broadly or as narrowly as they need::

    GeomapError
    ├── LayerNotFoundError (KeyError)      unknown layer name; suggests close matches
    ├── LayerReadError (ValueError)        a file that cannot be read as a layer
    ├── LayerValidationError (ValueError)  a layer that breaks the schema; carries ``.problems``
    ├── QueryError (ValueError)            a query that cannot be answered as asked
    ├── RenderError (ValueError)           a map or picture that cannot be drawn as asked
    ├── StoryError (ValueError)            a story file that breaks the format; ``.problems``
    └── ExportError (OSError)              a layer that cannot be written

Every message is one line naming the file or layer and the problem; the CLI prints it and exits
non-zero without a traceback.
"""

from __future__ import annotations

__all__ = [
    "ExportError",
    "GeomapError",
    "LayerNotFoundError",
    "LayerReadError",
    "LayerValidationError",
    "QueryError",
    "RenderError",
    "StoryError",
]


class GeomapError(Exception):
    """Base class of every error geomap raises on purpose."""

    exit_code = 2

    def __str__(self) -> str:
        # KeyError quotes its argument; keep every message a plain line.
        return str(self.args[0]) if self.args else self.__class__.__name__


class LayerNotFoundError(GeomapError, KeyError):
    """A layer name that is not in the catalog."""


class LayerReadError(GeomapError, ValueError):
    """A file that cannot be read as a layer (missing, corrupt, wrong format, no CRS...)."""


class LayerValidationError(GeomapError, ValueError):
    """A layer that breaks the schema; ``problems`` lists every problem found."""

    exit_code = 1

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class QueryError(GeomapError, ValueError):
    """A query that cannot be answered as asked (bad distance, no geometry, ...)."""


class RenderError(GeomapError, ValueError):
    """A map, story or picture that cannot be drawn as asked."""


class StoryError(GeomapError, ValueError):
    """A story file that cannot be read or breaks the story format; ``problems`` lists all."""

    exit_code = 1

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [message])


class ExportError(GeomapError, OSError):
    """A layer that cannot be written (exists without overwrite, unknown format, ...)."""
