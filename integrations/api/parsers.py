"""Request bodies, checked once here rather than field by field: what no field could store is a 400 naming where
it is, never a 500 from the database or the JSON decoder.

- JSON: valid UTF-8, valid JSON, nested at most MAX_DEPTH levels, and no string (a key or a value) holding a
  character coordination/characters.py refuses.
- Multipart (document uploads): the same for every field (Django itself drops unprintable characters from a
  file name), and a Content-Length over the largest upload refused with 413 before anything is read.

A JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE is refused by Django as it is read (RequestDataTooBig), and answered
413 by problems.py."""

import codecs

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

from coordination.characters import refused_in_text

from .problems import too_large

# Deeper than any body the API takes (a request's lists are two levels), shallow enough for any walk over it.
MAX_DEPTH = 32
TOO_DEEP = f"The JSON is nested too deeply: the API takes at most {MAX_DEPTH} levels."


def _place(path: tuple) -> str:
    return ".".join(str(part) for part in path)[:200]


def body_problem(data) -> str | None:
    """Why a parsed body is refused, naming the field, or None. Walks without recursion, so no body is too deep
    for the walk itself."""
    pending = [(data, ())]
    while pending:
        value, path = pending.pop()
        if len(path) >= MAX_DEPTH:
            return TOO_DEEP
        if isinstance(value, str):
            wrong = refused_in_text(value)
            if wrong:
                return f"`{_place(path)}` holds {wrong}, which Parallel cannot store. Take it out and send again."
        elif isinstance(value, dict):
            for key, item in value.items():
                wrong = refused_in_text(key)
                if wrong:
                    where = f" in `{_place(path)}`" if path else ""
                    return f"A field name{where} holds {wrong}. Send only the fields the operation names."
                pending.append((item, (*path, key)))
        elif isinstance(value, list):
            pending.extend((item, (*path, index)) for index, item in enumerate(value))
    return None


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read()
        try:
            text = codecs.decode(raw, encoding)
        except UnicodeDecodeError as error:
            raise ParseError(
                f"The body is not valid {encoding}: byte 0x{raw[error.start]:02x} at position {error.start}. "
                "Send JSON encoded as UTF-8."
            ) from None
        try:
            # Strict, as DRF's own parser is: NaN and Infinity are not JSON.
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        except ValueError as error:
            raise ParseError(f"The body is not valid JSON: {error}.") from None
        problem = body_problem(data)
        if problem:
            raise ParseError(problem)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # The document itself, and room for its details: anything larger cannot be a valid upload.
        if length > settings.DOCUMENT_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise too_large()
        parsed = super().parse(stream, media_type, parser_context)
        fields = {name: values[0] if len(values) == 1 else values for name, values in parsed.data.lists()}
        problem = body_problem({**fields, **dict.fromkeys(parsed.files, "")})
        if problem:
            raise ParseError(problem)
        return parsed
