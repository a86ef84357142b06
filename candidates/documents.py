"""What an uploaded document may be: checked by its content, never by its name.

A file is accepted only when a real parser reads it as what its first bytes announce:

- a PDF opens with pypdf, is not encrypted, ends with `%%EOF`, and nothing reachable from its
  trailer carries JavaScript (or other scripting: XFA forms, rich media, form submission),
  a launch action or an embedded file. It is a polyglot, and refused, when markup a browser
  would run (`<html`, `<script`…) sits in its first kilobyte or after its last `%%EOF`; other
  bytes after the last `%%EOF` are dropped. The stored file is the PDF's own bytes, up to and
  including its last `%%EOF` line.
- a JPEG or PNG is decoded by Pillow once its header shows it has at most `max_pixels` pixels
  (a decompression bomb is refused before it is decoded), turned upright from its EXIF
  orientation, and re-encoded: the stored file is the re-encoded image, without EXIF (GPS
  included), comments or anything appended after the image.

A refusal raises `DocumentRejected` with a code; the service words it (`REFUSAL_CODES` lists
them all, so a form can place every one of them next to its file field). This module imports
nothing from Django: the limits come from the caller (the settings).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import BinaryIO

#: The default limits; the service passes the settings' `UPLOAD_MAX_BYTES` and
#: `UPLOAD_MAX_IMAGE_PIXELS`.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000

# First bytes of each accepted format, and the content type we store.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)

#: The extension the shown name of a file of each type must end with (the first is added).
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}

#: Every code `inspect_upload` may refuse a file with.
REFUSAL_CODES = frozenset(
    {
        "empty",
        "too_large",
        "type",
        "pdf_broken",
        "pdf_encrypted",
        "pdf_script",
        "pdf_launch",
        "pdf_attachment",
        "polyglot",
        "image_broken",
        "image_too_large",
    }
)

# Markup a browser would run if it ever sniffed the file as HTML, SVG or XML.
_MARKUP = re.compile(
    rb"<\s*(?:html|script|body|head|iframe|object|embed|svg|meta|!doctype|\?php)\b", re.IGNORECASE
)
# How far into a PDF markup is looked for (browsers sniff the first 512 bytes or so).
_PDF_HEAD = 1024
_PDF_END = re.compile(rb"%%EOF[ \t\0]*(?:\r\n|\r|\n)?")
# A PDF with more reachable objects than this is refused rather than walked to the end.
_PDF_MAX_OBJECTS = 200_000

# Names that make a PDF run something, by the refusal they cause. A name is matched whether
# it is a key (`/JS`) or a value (`/S /JavaScript`), after pypdf has decoded `#xx` escapes.
_PDF_ACTIVE_NAMES = {
    "/JS": "pdf_script",
    "/JavaScript": "pdf_script",
    "/XFA": "pdf_script",
    "/RichMedia": "pdf_script",
    "/SubmitForm": "pdf_script",
    "/ImportData": "pdf_script",
    "/Launch": "pdf_launch",
    "/EmbeddedFiles": "pdf_attachment",
    "/EmbeddedFile": "pdf_attachment",
    "/FileAttachment": "pdf_attachment",
    "/GoToE": "pdf_attachment",
}


class DocumentRejected(ValueError):
    """The file cannot be accepted; `code` tells the form which message to show."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CheckedFile:
    """What is stored: the content type read from the bytes, and the bytes themselves."""

    content_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def sniff_content_type(head: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def inspect_upload(
    stream: BinaryIO,
    size: int,
    *,
    max_bytes: int = MAX_DOCUMENT_BYTES,
    max_pixels: int = MAX_IMAGE_PIXELS,
) -> CheckedFile:
    """The file to store for an upload, or DocumentRejected with one of `REFUSAL_CODES`."""
    if size <= 0:
        raise DocumentRejected("empty")
    if size > max_bytes:
        raise DocumentRejected("too_large")
    stream.seek(0)
    data = stream.read(max_bytes + 1)
    stream.seek(0)
    if not data:
        raise DocumentRejected("empty")
    if len(data) > max_bytes:
        raise DocumentRejected("too_large")
    content_type = sniff_content_type(data[:16])
    if content_type is None:
        # Something placed before a PDF (a web page, say) makes it a polyglot.
        raise DocumentRejected("polyglot" if b"%PDF-" in data[:_PDF_HEAD] else "type")
    if content_type == "application/pdf":
        return CheckedFile(content_type, check_pdf(data))
    return CheckedFile(content_type, reencode_image(data, content_type, max_pixels=max_pixels))


# --- PDF ---------------------------------------------------------------------------------------


def check_pdf(data: bytes) -> bytes:
    """The PDF's bytes up to its last `%%EOF` line, once pypdf finds nothing active in it."""
    if _MARKUP.search(data[:_PDF_HEAD]):
        raise DocumentRejected("polyglot")
    ends = list(_PDF_END.finditer(data))
    if not ends:
        raise DocumentRejected("pdf_broken")  # truncated: a PDF ends with %%EOF
    end = ends[-1].end()
    if _MARKUP.search(data[end:]):
        raise DocumentRejected("polyglot")
    data = data[:end]

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise DocumentRejected("pdf_encrypted")
            if len(reader.pages) < 1:
                raise DocumentRejected("pdf_broken")
            refusal = _pdf_active_content(reader.trailer)
        except DocumentRejected:
            raise
        except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, IndexError, OSError):
            raise DocumentRejected("pdf_broken") from None
        except RecursionError:
            raise DocumentRejected("pdf_broken") from None
    if refusal is not None:
        raise DocumentRejected(refusal)
    return data


def _pdf_active_content(root) -> str | None:
    """The refusal code of the first active name reachable from `root`, or None.

    Walks every dictionary and array reachable from the trailer (catalog, names tree, pages,
    annotations, actions, /AA, /OpenAction, outlines, forms), following indirect references
    once each; stream contents are not decoded.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen: set[tuple[int, int]] = set()
    stack = [root]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > _PDF_MAX_OBJECTS:
            raise DocumentRejected("pdf_broken")
        if isinstance(node, DictionaryObject):
            for name, value in node.items():
                if name in _PDF_ACTIVE_NAMES:
                    return _PDF_ACTIVE_NAMES[name]
                if name == "/EF":  # a file specification carrying the file itself
                    return "pdf_attachment"
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
        elif isinstance(node, NameObject) and node in _PDF_ACTIVE_NAMES:
            return _PDF_ACTIVE_NAMES[node]
    return None


# --- Images ------------------------------------------------------------------------------------

_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
_PNG_MODES = {"1", "L", "LA", "I", "I;16", "RGB", "RGBA"}
_JPEG_MODES = {"L", "RGB", "CMYK"}


def reencode_image(data: bytes, content_type: str, *, max_pixels: int = MAX_IMAGE_PIXELS) -> bytes:
    """The image decoded, turned upright and encoded again, with no metadata kept."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    image_format = _PIL_FORMATS[content_type]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            image = Image.open(io.BytesIO(data), formats=[image_format])
            width, height = image.size  # read from the header: nothing decoded yet
            if width * height > max_pixels:
                raise DocumentRejected("image_too_large")
            image.load()
            upright = ImageOps.exif_transpose(image)
        except DocumentRejected:
            raise
        except Image.DecompressionBombError:
            raise DocumentRejected("image_too_large") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise DocumentRejected("image_broken") from None
    if image_format == "JPEG":
        clean = upright if upright.mode in _JPEG_MODES else upright.convert("RGB")
    elif upright.mode in _PNG_MODES or (upright.mode == "P" and "transparency" not in upright.info):
        clean = upright
    else:  # a palette with transparency (kept as alpha), and other modes
        has_alpha = "transparency" in upright.info or "A" in upright.mode
        clean = upright.convert("RGBA" if has_alpha else "RGB")
    clean = clean.copy()
    clean.info = {}  # no EXIF, XMP, ICC, text chunks or comments are carried over
    out = io.BytesIO()
    if image_format == "JPEG":
        clean.save(out, format="JPEG", quality=90)
    else:
        clean.save(out, format="PNG")
    return out.getvalue()


# --- Names -------------------------------------------------------------------------------------

_NAME_MAX = 255


def clean_name(name: str, content_type: str) -> str:
    """The name shown and offered on download: no folders, no invisible or control characters
    (NUL, right-to-left override), at most 255 characters, ending with the type's extension."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in {"C"})
    name = " ".join(name.split()).strip(" .")
    extensions = EXTENSIONS[content_type]
    stem, extension = os.path.splitext(name)
    if extension.lower() not in extensions:
        stem, extension = name, extensions[0]
    stem = stem or "document"
    return stem[: _NAME_MAX - len(extension)] + extension
