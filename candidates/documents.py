"""What an uploaded document may be: checked by its content, never by its name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import BinaryIO

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

# First bytes of each accepted format, and the content type we store.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


class DocumentRejected(ValueError):
    """The file cannot be accepted; `code` tells the form which message to show."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class FileFacts:
    content_type: str
    size: int
    sha256: str


def sniff_content_type(head: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def inspect_upload(stream: BinaryIO, size: int) -> FileFacts:
    """Type, size and digest of an upload, or DocumentRejected ('empty', 'too_large', 'type')."""
    if size <= 0:
        raise DocumentRejected("empty")
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentRejected("too_large")
    stream.seek(0)
    content_type = sniff_content_type(stream.read(16))
    if content_type is None:
        raise DocumentRejected("type")
    stream.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(64 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    return FileFacts(content_type=content_type, size=size, sha256=digest.hexdigest())
