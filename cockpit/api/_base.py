"""Building blocks of the response models: the base model, field types and the parse entry point.

Every response goes through `parse_response`, which turns any problem with the
body into a `ResponseFormatError` naming the endpoint and the dotted field path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    ValidationError,
)

from cockpit.api.errors import ResponseFormatError, clean_server_text

ModelT = TypeVar("ModelT", bound=BaseModel)

# Epoch milliseconds as digits only. 16 digits reach past the year 9999, which datetime cannot hold.
_EPOCH_MS_TEXT = re.compile(r"[0-9]{1,16}")


class ApiModel(BaseModel):
    """Base of every response model.

    Unknown fields are ignored so that the platform can add fields. Fields are
    read by their platform name (alias) or by their Python name. Numbers that
    are not finite are rejected.
    """

    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        validate_by_alias=True,
        validate_by_name=True,
        allow_inf_nan=False,
    )


def _reject_bool(value: object) -> object:
    # bool is a subclass of int, and pydantic's lax mode would read True as 1.
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    return value


def _int_to_str(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _from_epoch_ms(milliseconds: float) -> datetime:
    try:
        return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"the epoch milliseconds {milliseconds!r} are out of range") from None


def _coerce_timestamp(value: object) -> object:
    """Turn epoch milliseconds (a number or a string of digits) into a datetime.

    ISO-8601 strings are left to pydantic's datetime parsing.
    """
    if isinstance(value, bool):
        raise ValueError("expected a timestamp, got a boolean")
    if isinstance(value, int | float):
        return _from_epoch_ms(value)
    if isinstance(value, str):
        stripped = value.strip()
        if _EPOCH_MS_TEXT.fullmatch(stripped):
            return _from_epoch_ms(int(stripped))
        return stripped
    return value


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


Integer = Annotated[int, BeforeValidator(_reject_bool)]
"""An integer. Booleans are rejected, and numeric strings and whole floats are accepted."""

Number = Annotated[float, BeforeValidator(_reject_bool)]
"""A finite float. Booleans are rejected, and integers and numeric strings are accepted."""

Flag = Annotated[bool, Strict()]
"""A JSON boolean. Strings and numbers are rejected."""

Identifier = Annotated[str, BeforeValidator(_int_to_str)]
"""An id as a string. Integer ids are turned into strings."""

Timestamp = Annotated[datetime, BeforeValidator(_coerce_timestamp), AfterValidator(_to_utc)]
"""A timezone-aware datetime read from ISO-8601 text, epoch milliseconds, or digits of them.

Text without a timezone is taken as UTC, and every value is converted to UTC.
"""


def unwrap_list(data: object, *keys: str) -> object:
    """Return the list inside a response that is either a bare list or an object holding it.

    The first of ``keys`` present in the object wins, and a null there counts as an
    empty list. Anything else is returned unchanged for the model to reject.
    """
    if isinstance(data, Mapping):
        for key in keys:
            if key in data:
                value = data[key]
                return [] if value is None else value
        names = " or ".join(repr(key) for key in keys)
        raise ValueError(f"expected a list, or an object with a {names} list")
    return data


def wrap_bare_list(data: object, key: str) -> object:
    """Return ``{key: data}`` when a paged response came as a bare list, else ``data``."""
    if isinstance(data, list):
        return {key: data}
    return data


BODY = "(body)"
"""The field name used when the whole response body is invalid."""


def field_path(location: tuple[int | str, ...]) -> str:
    """Return the dotted path of a pydantic error location, such as ``trades[3].timestamp``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return clean_server_text(path) if path else BODY


def format_error(
    error: ValidationError, endpoint: str, source: str = "response"
) -> ResponseFormatError:
    """Turn a pydantic ValidationError into a ResponseFormatError for ``endpoint``.

    The error names the first problem's field and reason. Input values are
    never quoted, because they may hold secrets such as an RTMP key.
    """
    problems = error.errors(include_url=False, include_input=False, include_context=False)
    first = problems[0]
    reason = clean_server_text(first["msg"])
    if len(problems) > 1:
        reason += f" (and {len(problems) - 1} more problems)"
    return ResponseFormatError(endpoint, field_path(tuple(first["loc"])), reason, source)


def decode_json(body: bytes | str, endpoint: str) -> object:
    """Decode a JSON response body, raising ResponseFormatError when it is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        # json raises ValueError subclasses for bad syntax and bad UTF-8, and
        # RecursionError for nesting deeper than the interpreter's limit.
        raise ResponseFormatError(endpoint, BODY, "the body is not valid JSON") from None


def parse_response(model: type[ModelT], body: object, endpoint: str) -> ModelT:
    """Validate a response body against ``model``.

    ``body`` is the raw bytes of the response, or JSON already decoded.
    Every problem is raised as ResponseFormatError naming ``endpoint`` and the field.
    """
    data = decode_json(body, endpoint) if isinstance(body, bytes) else body
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise format_error(error, endpoint) from None
    except RecursionError:
        raise ResponseFormatError(endpoint, BODY, "the body is nested too deeply") from None
