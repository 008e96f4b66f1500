"""A small ``multipart/form-data`` reader for the thumbnail upload, built on the email parser.

Starlette's own form parsing needs the python-multipart package, which the
project does not depend on; one file field is all the simulator reads.
"""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass

from cockpit.sim.errors import bad_request


@dataclass(frozen=True)
class FormPart:
    """One field of a multipart form."""

    name: str
    filename: str | None
    content_type: str
    data: bytes


def parse_form(content_type: str, body: bytes) -> dict[str, FormPart]:
    """Split a multipart/form-data body into its fields by name.

    Raises SimError(400) if the content type is not multipart/form-data or the body cannot be read.
    """
    if (
        not content_type.lower().startswith("multipart/form-data")
        or "boundary=" not in content_type
    ):
        raise bad_request(
            f"The content type {content_type!r} is not multipart/form-data with a boundary; "
            "upload the image as a multipart form."
        )
    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + body)
    if not message.is_multipart():
        raise bad_request("The multipart body could not be read; check the boundary.")

    parts: dict[str, FormPart] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        filename = part.get_filename()
        parts[name] = FormPart(
            name=name,
            filename=filename,
            content_type=part.get_content_type(),
            data=payload if isinstance(payload, bytes) else b"",
        )
    return parts
