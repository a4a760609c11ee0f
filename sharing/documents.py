"""Documents on a case, a process or an information-sharing request: what may be uploaded, who may upload it,
keeping every version, and who may read which (the Government Security Classifications Policy).

An upload is judged by its bytes, not its name. The name's extension says what the uploader claims it is; the
content (recognised by the `filetype` library, and for Office files by the parts inside the zip) must agree, or
the file is refused, saying what it really looks like. CSV has no signature: a .csv is accepted only if it is
UTF-8 text. Files are stored under a name made from their SHA-256 (sharing.models._version_path), outside the
web root, and come back only through the access-checked, audited download.

Who holds a new document (its `owner`, which decides who may see it, see sharing/access.py):
- on a request, the party the uploader acts for; someone in both parties' organisations uploads as the
  provider, whose documents stay with it until disclosed, the cautious reading;
- on a process, the process's owner if the uploader belongs to it;
- otherwise the uploader's first organisation (the one they joined first, as the audit trail counts them).
"""

import codecs
import hashlib
import math
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Prefetch, QuerySet
from django.utils import timezone

from coordination import access as core_access
from coordination import audit
from coordination.models import Case, Membership, Process

from . import access
from .models import Classification, Document, DocumentVersion, SharingRequest

# --- What may be uploaded ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FileKind:
    key: str
    label: str
    content_type: str
    extensions: tuple[str, ...]


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED = (
    FileKind("pdf", "PDF", "application/pdf", ("pdf",)),
    FileKind("docx", "Word (DOCX)", DOCX, ("docx",)),
    FileKind("xlsx", "Excel (XLSX)", XLSX, ("xlsx",)),
    FileKind("csv", "CSV", "text/csv", ("csv",)),
    FileKind("png", "PNG", "image/png", ("png",)),
    FileKind("jpg", "JPEG", "image/jpeg", ("jpg", "jpeg")),
    FileKind("gif", "GIF", "image/gif", ("gif",)),
    FileKind("webp", "WebP", "image/webp", ("webp",)),
)
KIND_BY_EXTENSION = {extension: kind for kind in ALLOWED for extension in kind.extensions}
ALLOWED_LABEL = ", ".join(kind.label for kind in ALLOWED[:-1]) + f" or {ALLOWED[-1].label}"
ACCEPT = ",".join(f".{extension}" for extension in KIND_BY_EXTENSION)
LABEL_BY_CONTENT_TYPE = {kind.content_type: kind.label for kind in ALLOWED}

# How the content of a refused file is described, where filetype's extension alone would say little.
DESCRIPTIONS = {
    "exe": "a Windows program (EXE)",
    "elf": "a Linux program (ELF)",
    "zip": "a ZIP archive",
    "doc": "an old-format Word document (DOC)",
    "xls": "an old-format Excel workbook (XLS)",
    "pptx": "a PowerPoint presentation (PPTX)",
    "docm": "a macro-enabled Word document (DOCM)",
    "xlsm": "a macro-enabled Excel workbook (XLSM)",
    "pdf": "a PDF",
    "docx": "a Word document (DOCX)",
    "xlsx": "an Excel workbook (XLSX)",
    "png": "a PNG image",
    "jpg": "a JPEG image",
    "gif": "a GIF image",
    "webp": "a WebP image",
    "text": "plain text",
    "rtf": "a Rich Text Format document (RTF)",
    "ps": "a PostScript document",
}
MACRO_ENABLED = {"docm": "Word document (.docx)", "xlsm": "Excel workbook (.xlsx)"}
# A zip's part list is small; a [Content_Types].xml bigger than this is not an Office file we will read.
CONTENT_TYPES_LIMIT = 1024 * 1024
SNIFF_BYTES = 8192  # what filetype itself reads
TEXT_DOCUMENT_FORMATS = frozenset({"pdf", "rtf", "ps"})


@dataclass(frozen=True)
class Sniffed:
    key: str  # an ALLOWED key when the content is an allowed kind; otherwise what it is ("exe", "text", ...)
    description: str


def megabytes(size: int, *, round_up: bool = False) -> str:
    value = size / (1024 * 1024)
    # Rounded up, a file just over the limit never reads as the limit itself ("20 MB; the limit is 20 MB").
    value = math.ceil(value * 10) / 10 if round_up else round(value, 1)
    return f"{value:g} MB"


def _describe(key: str) -> str:
    return DESCRIPTIONS.get(key, f"{key.upper()} content")


def _office_kind(upload: UploadedFile) -> str:
    """What a zip really is, read from its part list: filetype only looks at the first few entries' names."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = [name.lower() for name in archive.namelist()]
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > CONTENT_TYPES_LIMIT:
                return "zip"
            with archive.open(info) as part:
                content_types = part.read(CONTENT_TYPES_LIMIT).lower()
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return "zip"
    macros = b"macroenabled" in content_types or any(name.endswith("vbaproject.bin") for name in names)
    if b"wordprocessingml.document.main+xml" in content_types or b"ms-word.document.macroenabled" in content_types:
        return "docm" if macros else "docx"
    if b"spreadsheetml.sheet.main+xml" in content_types or b"ms-excel.sheet.macroenabled" in content_types:
        return "xlsm" if macros else "xlsx"
    if b"presentationml" in content_types:
        return "pptx"
    return "zip"


def _is_utf8_text(upload: UploadedFile) -> bool:
    """Every byte decodes as UTF-8 (a BOM allowed) and none is NUL: read in chunks, never whole."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        for chunk in upload.chunks():
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _looks_like_text(head: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head)  # not final: the head may end mid-character
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


def sniff(upload: UploadedFile, *, claimed: FileKind | None = None) -> Sniffed:
    """What the content is. A file named .csv is read to the end: CSV has no signature, only being text."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    guess = filetype.guess(head)
    # Text first for a CSV: a header row such as "BMI,..." or "ID3,..." starts like a bitmap or an MP3. Only the
    # document formats that may be written all in text (a PDF, RTF or PostScript) still count as what they are.
    text_formats = guess is not None and guess.extension in TEXT_DOCUMENT_FORMATS
    if claimed is not None and claimed.key == "csv" and not text_formats and _is_utf8_text(upload):
        upload.seek(0)
        return Sniffed("csv", "CSV text")
    upload.seek(0)
    if guess is not None:
        key = guess.extension
        if key in ("zip", "docx", "xlsx", "pptx"):
            key = _office_kind(upload)
            upload.seek(0)
        return Sniffed(key, _describe(key))
    if _looks_like_text(head):
        return Sniffed("text", _describe("text"))
    if b"\x00" not in head:  # binary formats all but always hold a NUL early on; legacy-encoded text never does
        return Sniffed("other_text", "text in an encoding other than UTF-8")
    return Sniffed("unknown", "an unrecognised binary file")


def _extension(name: str) -> str:
    return PurePath(name or "").suffix.lower().lstrip(".")


def _refusal(upload: UploadedFile) -> tuple[str | None, FileKind | None]:
    """(why the file is refused, or None; what kind it is when accepted)."""
    limit = settings.DOCUMENT_MAX_BYTES
    if not upload.size:
        return "This file is empty. Choose the file again, or check it saved properly.", None
    if upload.size > limit:
        return f"This file is {megabytes(upload.size, round_up=True)}; the limit is {megabytes(limit)}.", None
    extension = _extension(upload.name)
    claimed = KIND_BY_EXTENSION.get(extension)
    if claimed is None:
        named = f"Files ending .{extension}" if extension else "Files without an extension such as .pdf"
        return f"{named} cannot be uploaded. Upload a {ALLOWED_LABEL} file.", None
    found = sniff(upload, claimed=claimed)
    if found.key == claimed.key:
        return None, claimed
    if found.key in MACRO_ENABLED:
        return (
            f"This file is {found.description}: files with macros are not accepted. Save it as a "
            f"{MACRO_ENABLED[found.key]} without macros, and upload that.",
            None,
        )
    if claimed.key == "csv":
        # Text in the head but not throughout: most often a spreadsheet saved in a Windows encoding.
        other_encoding = found.key in ("text", "other_text")
        looks = "part of it is in another encoding" if other_encoding else f"it looks like {found.description}"
        return f"This file ends .csv but is not UTF-8 text: {looks}. Save it as “CSV UTF-8” and upload that.", None
    return f"This file ends .{extension} but is not {_describe(claimed.key)}: it looks like {found.description}.", None


def check_upload(upload: UploadedFile) -> FileKind:
    """The kind of an acceptable upload; otherwise ValidationError on the form's file field, saying why."""
    problem, kind = _refusal(upload)
    if problem:
        raise ValidationError({"file": problem})
    return kind


# --- Who may upload where ----------------------------------------------------------------------------


def _closed_reason(case: Case, request: SharingRequest | None) -> str:
    if case.status == Case.Status.CLOSED:
        return f"{case.reference} is closed; nothing more can be added to it."
    if request is not None and not request.is_open:
        return f"{request.reference} is {request.get_status_display().lower()}: documents can no longer be added to it."
    return ""


def _check_place(actor, *, case: Case, process: Process | None, request: SharingRequest | None) -> None:
    if process is not None and request is not None:
        raise ValueError("a document hangs on the case, one process or one request, not on two places")
    if process is not None:
        if process.case_id != case.pk or not core_access.may_see_process(actor, process):
            raise PermissionDenied("You can add documents only to a process you can see in full.")
    elif request is not None:
        parties = access.acts_for_requester(actor, request) or access.acts_for_provider(actor, request)
        if request.case_id != case.pk or not parties or not access.may_see_request(actor, request):
            raise PermissionDenied("Only the requesting and providing organisations can add documents to a request.")
    elif not core_access.may_see_case(actor, case):
        raise PermissionDenied("You cannot see that case.")
    reason = _closed_reason(case, request)
    if reason:
        raise ValidationError(reason)


def _holder_id(actor, *, process: Process | None, request: SharingRequest | None) -> int:
    """The organisation the document is held by (the module docstring says why this order)."""
    mine = list(Membership.objects.filter(user=actor).order_by("id").values_list("organisation_id", flat=True))
    preferred = []
    if request is not None:
        preferred = [request.providing_organisation_id, request.requesting_organisation_id]
    elif process is not None:
        preferred = [process.owner_id]
    return next((org for org in preferred if org in mine), mine[0])


def may_add_version(user, document: Document) -> bool:
    """Only the organisation holding a document issues new versions of it, while its case and request are open."""
    return (
        core_access.memberships_of(user).filter(organisation_id=document.owner_id).exists()
        and not _closed_reason(document.case, document.request)
        and access.may_see_document(user, document)
    )


def may_upload_to_case(user, case: Case) -> bool:
    return case.status == Case.Status.OPEN and core_access.may_see_case(user, case)


# --- Writing -----------------------------------------------------------------------------------------


def _storage():
    return DocumentVersion._meta.get_field("file").storage


@contextmanager
def _transaction_removing_files_on_failure() -> Iterator[list[str]]:
    """A transaction whose stored files are deleted again if it rolls back, so no unreferenced bytes are left."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            yield stored
    except BaseException:
        for name in stored:
            _storage().delete(name)
        raise


def _digest(upload: UploadedFile) -> tuple[str, int]:
    sha256, size = hashlib.sha256(), 0
    for chunk in upload.chunks():
        sha256.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return sha256.hexdigest(), size


def _label(document: Document, number: int) -> str:
    # The audit trail's label names references only: a title may name a person.
    place = document.request.reference if document.request_id else document.case.reference
    return f"{place} document {document.pk} v{number}"


def _store_version(*, actor, document: Document, number: int, upload: UploadedFile, kind: FileKind,
                   stored: list[str]) -> DocumentVersion:  # fmt: skip
    sha256, size = _digest(upload)
    version = DocumentVersion(
        document=document,
        number=number,
        original_name=PurePath(upload.name).name[:255],
        content_type=kind.content_type,
        size=size,
        sha256=sha256,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    # The name on disk comes from upload_to (the hash, the document and the number), never from the upload.
    version.file.save(version.original_name, upload, save=False)
    stored.append(version.file.name)
    version.save()
    audit.record(action="create", actor=actor, obj=version, object_label=_label(document, number),
                 changes={"sha256": sha256, "size": size, "content_type": kind.content_type,
                          "classification": document.classification})  # fmt: skip
    return version


def _clean_marking(*, title: str, classification: str, descriptor: str, handling_instructions: str) -> dict:
    values = {
        "title": (title or "").strip(),
        "classification": classification,
        # Descriptors are written in capitals after the classification: OFFICIAL-SENSITIVE PERSONAL.
        "descriptor": (descriptor or "").strip().upper(),
        "handling_instructions": (handling_instructions or "").strip(),
    }
    errors = {}
    if not values["title"]:
        errors["title"] = "Give the document a title."
    if classification not in Classification.values:
        errors["classification"] = "Choose OFFICIAL or OFFICIAL-SENSITIVE."
    for name, value in values.items():
        limit = Document._meta.get_field(name).max_length
        if len(value) > limit and name not in errors:
            errors[name] = f"Keep this to {limit} characters."
    if errors:
        raise ValidationError(errors)
    return values


def document_add(
    *,
    actor,
    case: Case,
    title: str,
    classification: str,
    descriptor: str,
    handling_instructions: str,
    upload: UploadedFile,
    process: Process | None = None,
    request: SharingRequest | None = None,
) -> Document:
    """A new document, with its first version, on the case, one of its processes or one of its requests."""
    kind = check_upload(upload)
    marking = _clean_marking(title=title, classification=classification, descriptor=descriptor,
                             handling_instructions=handling_instructions)  # fmt: skip
    with _transaction_removing_files_on_failure() as stored:
        # Locked, so the case cannot close (nor the request be withdrawn) between the check and the upload.
        case = Case.objects.select_for_update().get(pk=case.pk)
        if request is not None:
            request = SharingRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
        _check_place(actor, case=case, process=process, request=request)
        document = Document.objects.create(
            case=case,
            process=process,
            request=request,
            owner_id=_holder_id(actor, process=process, request=request),
            created_by=actor,
            created_at=timezone.now(),
            **marking,
        )
        _store_version(actor=actor, document=document, number=1, upload=upload, kind=kind, stored=stored)
    return document


def version_add(*, actor, document: Document, upload: UploadedFile) -> DocumentVersion:
    """A new version; the earlier ones, and their files, stay as they were."""
    kind = check_upload(upload)
    with _transaction_removing_files_on_failure() as stored:
        # The lock issues version numbers one at a time.
        locked = Document.objects.select_for_update(of=("self",)).select_related("case", "request", "owner")
        document = locked.get(pk=document.pk)
        if not core_access.memberships_of(actor).filter(organisation_id=document.owner_id).exists():
            raise PermissionDenied(f"Only {document.owner.display_name} can add a version of this document.")
        if not access.may_see_document(actor, document):
            raise PermissionDenied("You cannot see that document.")
        reason = _closed_reason(document.case, document.request)
        if reason:
            raise ValidationError(reason)
        number = (document.versions.aggregate(last=Max("number"))["last"] or 0) + 1
        return _store_version(actor=actor, document=document, number=number, upload=upload, kind=kind, stored=stored)


# --- Reading -----------------------------------------------------------------------------------------


def documents_with_versions(user) -> QuerySet[Document]:
    """Every document the user may see, each with `visible_versions` (newest first) prefetched."""
    versions = access.versions_visible_to(user).select_related("uploaded_by").order_by("-number")
    return (
        access.documents_visible_to(user)
        .select_related("case", "process", "request", "owner", "created_by")
        .prefetch_related(Prefetch("versions", queryset=versions, to_attr="visible_versions"))
    )


def _with_latest(documents: list[Document]) -> list[Document]:
    for document in documents:
        for version in document.visible_versions:
            version.type_label = LABEL_BY_CONTENT_TYPE.get(version.content_type, version.content_type)
        document.latest_visible_version = document.visible_versions[0] if document.visible_versions else None
    return documents


def visible_documents(user, *, case: Case | None = None, process: Process | None = None,
                      request: SharingRequest | None = None) -> list[Document]:  # fmt: skip
    """The documents the user may see at one place (every one on a case, when only the case is given), each with
    `visible_versions` (newest first) and `latest_visible_version`. Two queries, however many documents."""
    if request is not None:
        place = {"request": request}
    elif process is not None:
        place = {"process": process}
    elif case is not None:
        place = {"case": case}
    else:
        raise ValueError("name a case, a process or a request")
    return _with_latest(list(documents_with_versions(user).filter(**place)))


def visible_document(user, pk: int) -> Document | None:
    return next(iter(_with_latest(list(documents_with_versions(user).filter(pk=pk)))), None)


def place_label(document: Document) -> str:
    if document.request_id:
        return f"Request {document.request.reference}"
    if document.process_id:
        return document.process.kind_label
    return "The case"


def version_download(*, actor, document_pk: int, number: int, http_request=None):
    """(the version, its file opened for reading) if the user may download it, else None. Audited."""
    version = (
        access.versions_visible_to(actor)
        .select_related("document__case", "document__request")
        .filter(document_id=document_pk, number=number)
        .first()
    )
    if version is None:
        return None
    handle = version.file.storage.open(version.file.name, "rb")
    audit.record(action="download", actor=actor, obj=version, object_label=_label(version.document, number),
                 changes={"document": document_pk, "version": number, "sha256": version.sha256},
                 request=http_request)  # fmt: skip
    return version, handle
