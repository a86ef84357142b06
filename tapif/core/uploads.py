"""Uploads past the size limit are never kept: the handler that stops them.

Without it Django writes a whole request body to a temporary file before any form sees it: a
200 MB upload filled the disk before being refused. Installed first in `FILE_UPLOAD_HANDLERS`,
`SizeLimitUploadHandler` passes a file's chunks on to the memory and temporary-file handlers
until `UPLOAD_MAX_BYTES`, then drops every further chunk and ends that file's temporary file.
The form then receives an `OversizedUpload`: an empty file whose `size` is what was received,
so the upload service refuses it with its usual size message, in the user's language, and the
page says so. The rest of the body is still read (its fields come after the file) but never
stored; the reverse proxy refuses bodies much larger than the limit before they reach Django
(docs/production.md).
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class OversizedUpload(UploadedFile):
    """A file that was larger than the limit: its name and size, none of its bytes."""

    def __init__(self, *, name: str, size: int, content_type: str, charset: str | None) -> None:
        super().__init__(io.BytesIO(), name, content_type, size, charset)

    def open(self, mode=None):
        self.file.seek(0)
        return self


class SizeLimitUploadHandler(FileUploadHandler):
    """Counts each file's bytes and keeps none past `settings.UPLOAD_MAX_BYTES`."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.limit = settings.UPLOAD_MAX_BYTES
        self.received = 0
        self.oversized = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.oversized = True
            return None  # the handlers after this one get nothing more of this file
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.oversized:
            return None  # the memory or temporary-file handler returns the file
        # The temporary-file handler's partial file is dropped with it (closed, deleted).
        for handler in self.request.upload_handlers:
            partial = getattr(handler, "file", None)
            if handler is not self and partial is not None and not partial.closed:
                partial.close()
        return OversizedUpload(
            name=self.file_name,
            size=self.received,
            content_type=self.content_type,
            charset=self.charset,
        )
