"""Documents: what may be uploaded (judged by content, not name), who may upload where, versions that keep the
old ones, and downloads that are access-checked, audited and always attachments."""

import io
import os
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination.models import AuditEntry
from sharing import documents
from sharing import services as sharing_services
from sharing.models import Document, DocumentVersion
from tests import factories
from tests.factories import add_process

ROOT = Path(__file__).resolve().parent.parent

# --- Real, minimal files -------------------------------------------------------------------------------

PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"  # the binary comment PDF writers add, so transfers treat the file as binary
    b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
    b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 200 200]>> endobj\n"
    b"trailer <</Root 1 0 R>>\n%%EOF\n"
)
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{content_type}"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="{part}"/></Relationships>'
)
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_MACROS = "application/vnd.ms-word.document.macroEnabled.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
EXCEL_MACROS = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
WORD_BODY = (
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Chronology</w:t></w:r></w:p></w:body></w:document>"
)
EXCEL_BODY = '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>'


def ooxml(part: str, content_type: str, body: str, *, macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(part=part, content_type=content_type))
        archive.writestr("_rels/.rels", RELS.format(part=part))
        archive.writestr(part, body)
        if macros:
            archive.writestr(part.split("/")[0] + "/vbaProject.bin", b"\xd0\xcf\x11\xe0macros")
    return buffer.getvalue()


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # one grey pixel
    pixels = zlib.compress(b"\x00\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"\x40\x00\x00\x00PE\x00\x00"
DOCX = ooxml("word/document.xml", WORD_MAIN, WORD_BODY)
XLSX = ooxml("xl/workbook.xml", EXCEL_MAIN, EXCEL_BODY)
DOCM = ooxml("word/document.xml", WORD_MACROS, WORD_BODY, macros=True)
XLSM = ooxml("xl/workbook.xml", EXCEL_MACROS, EXCEL_BODY, macros=True)
CSV = "\ufeffdate,event\n2026-01-05,Home visit by the social worker – no concerns\n".encode()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    # The browser's claimed type is deliberately wrong: only the content counts.
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def add(actor, case, *, name="chronology.pdf", content=PDF, title="Chronology", **place) -> Document:
    return documents.document_add(
        actor=actor, case=case, title=title, classification="OFFICIAL-SENSITIVE", descriptor="personal",
        handling_instructions="Not to be shared beyond the review panel", upload=upload(name, content), **place,
    )  # fmt: skip


def decided_request(sw):
    """A request from the IOPC to the council that the council has decided to share in full."""
    council = sw.world.agency_user
    request = factories.submitted_request(sw)
    sharing_services.request_acknowledge(actor=council, request=request)
    sharing_services.request_consider(actor=council, request=request)
    sharing_services.request_decide(actor=council, request=request, version=None, outcome="share_in_full")
    return request


def download_url(document: Document, number: int = 1) -> str:
    return reverse("document-download", args=[document.pk, number])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- What may be uploaded ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("report.pdf", PDF, "application/pdf"),
        ("notes.docx", DOCX, documents.DOCX),
        ("figures.xlsx", XLSX, documents.XLSX),
        ("chronology.csv", CSV, "text/csv"),
        ("plain.csv", b"BMI,age\n21.5,4\n", "text/csv"),  # starts like a bitmap ("BM"), is text
        ("scan.png", png(), "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("photo.JPEG", JPEG, "image/jpeg"),
        ("diagram.gif", GIF, "image/gif"),
    ],
)
def test_accepted_types_are_recognised_by_their_content(name, content, content_type):
    assert documents.check_upload(upload(name, content)).content_type == content_type


def test_an_accepted_file_is_stored_with_the_type_its_content_shows(world):
    document = add(world.manager, world.case, name="figures.xlsx", content=XLSX)
    version = document.versions.get()
    assert (version.content_type, version.original_name, version.size) == (documents.XLSX, "figures.xlsx", len(XLSX))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("invoice.pdf", EXE, "This file ends .pdf but is not a PDF: it looks like a Windows program (EXE)."),
        ("letter.docx", PDF, "This file ends .docx but is not a Word document (DOCX): it looks like a PDF."),
        ("figures.xlsx", DOCX, "ends .xlsx but is not an Excel workbook (XLSX): it looks like a Word document"),
        ("letter.docx", DOCM, "macro-enabled Word document (DOCM): files with macros are not accepted"),
        ("figures.xlsx", XLSM, "macro-enabled Excel workbook (XLSM): files with macros are not accepted"),
        ("letter.docx", b"PK\x03\x04not really a zip", "it looks like a ZIP archive"),
        ("scan.png", b"just some text", "is not a PNG image: it looks like plain text"),
        ("data.csv", PDF, "ends .csv but is not UTF-8 text: it looks like a PDF"),
        ("data.csv", PDF.replace(b"\xe2\xe3\xcf\xd3", b"text"), "ends .csv but is not UTF-8 text: it looks like a PDF"),
        ("data.csv", b"{\\rtf1\\ansi Hello}", "it looks like a Rich Text Format document (RTF)"),
        ("data.csv", b"name,score\nZo\xeb,3\n", "ends .csv but is not UTF-8 text: part of it is in another encoding"),
        ("data.csv", b"a,b\n1,\x002\n", "ends .csv but is not UTF-8 text"),
        ("setup.exe", EXE, "Files ending .exe cannot be uploaded. Upload a PDF, Word (DOCX), Excel (XLSX), CSV"),
        ("README", b"text", "Files without an extension such as .pdf cannot be uploaded"),
        ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "Files ending .svg cannot be uploaded"),
        ("empty.pdf", b"", "This file is empty"),
    ],
)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused(name, content, message):
    with pytest.raises(ValidationError) as refused:
        documents.check_upload(upload(name, content))
    assert message in refused.value.message_dict["file"][0]


def test_the_service_refuses_what_the_form_would(world, document_root):
    with pytest.raises(ValidationError, match="macros are not accepted"):
        add(world.manager, world.case, name="letter.docx", content=DOCM)
    assert not Document.objects.exists() and not any(document_root.rglob("*.*"))


def test_the_size_message_gives_both_sizes(settings):
    settings.DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
    big = SimpleUploadedFile("big.pdf", b"")
    big.size = int(25.3 * 1024 * 1024)  # the size as the upload handler counted it; no need to hold 25 MB
    with pytest.raises(ValidationError) as refused:
        documents.check_upload(big)
    assert refused.value.message_dict["file"] == ["This file is 25.3 MB; the limit is 20 MB."]
    just_over = SimpleUploadedFile("big.pdf", b"")
    just_over.size = 20 * 1024 * 1024 + 1
    with pytest.raises(ValidationError, match="This file is 20.1 MB; the limit is 20 MB."):
        documents.check_upload(just_over)


def test_an_oversize_file_is_refused_on_the_page_and_what_was_typed_is_kept(client, sign_in, world, settings):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    sign_in(client, world.manager)
    big = upload("chronology.pdf", PDF + b"%" * (1024 * 1024 + 500 * 1024))
    response = client.post(reverse("document-upload", args=[world.case.reference]), {
        "title": "Multi-agency chronology", "classification": "OFFICIAL", "descriptor": "PERSONAL",
        "handling_instructions": "Panel members only", "file": big,
    })  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    assert "This file is 1.5 MB; the limit is 1 MB." in page
    assert 'value="Multi-agency chronology"' in page
    assert 'value="PERSONAL"' in page and 'value="Panel members only"' in page
    assert re.search(r'value="OFFICIAL"[^>]*checked', page)
    assert not re.search(r'value="OFFICIAL-SENSITIVE"[^>]*checked', page)
    assert "Choose the file again" in page
    assert not Document.objects.exists()


def test_an_exe_renamed_pdf_is_refused_on_the_page(client, sign_in, world):
    sign_in(client, world.manager)
    response = client.post(reverse("document-upload", args=[world.case.reference]), {
        "title": "Invoice", "classification": "OFFICIAL", "file": upload("invoice.pdf", EXE),
    })  # fmt: skip
    assert response.status_code == 200
    assert "it looks like a Windows program (EXE)" in response.content.decode()
    assert 'value="Invoice"' in response.content.decode()
    assert not Document.objects.exists()


# --- Storing and versions --------------------------------------------------------------------------------


def test_the_file_is_stored_under_document_root_by_its_hash_not_its_name(world, document_root, settings):
    document = add(world.manager, world.case, name="Child Q chronology.pdf")
    version = document.versions.get()
    path = Path(version.file.path)
    assert path.is_relative_to(document_root) and path.read_bytes() == PDF
    assert "chronology" not in str(path).lower() and "Child" not in str(path)
    assert version.sha256 in path.name
    assert not path.is_relative_to(settings.STATIC_ROOT)
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT or ROOT / "media").resolve())
    assert version.sha256 == __import__("hashlib").sha256(PDF).hexdigest()


def test_an_upload_that_fails_after_storing_leaves_no_file_behind(world, document_root, monkeypatch):
    def trail_unavailable(**kwargs):
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(documents.audit, "record", trail_unavailable)
    with pytest.raises(RuntimeError):
        add(world.manager, world.case)
    assert not Document.objects.exists() and not DocumentVersion.objects.exists()
    assert not [path for path in document_root.rglob("*") if path.is_file()]


def test_uploading_is_audited_with_the_hash_and_size(world):
    document = add(world.manager, world.case)
    version = document.versions.get()
    entry = AuditEntry.objects.get(action="create", object_type="sharing.documentversion")
    assert entry.changes["sha256"] == version.sha256 and entry.changes["size"] == len(PDF)
    assert "Chronology" not in entry.object_label  # references only: a title may name someone


def test_a_new_version_keeps_the_old_one_downloadable_with_its_own_hash(client, sign_in, world):
    document = add(world.manager, world.case)
    sign_in(client, world.manager)
    revised = PDF.replace(b"200 200", b"300 300")
    response = client.post(reverse("document-version-upload", args=[document.pk]),
                           {"file": upload("chronology v2.pdf", revised)})  # fmt: skip
    assert response.status_code == 302
    first, second = document.versions.order_by("number")
    assert (first.number, second.number) == (1, 2) and first.sha256 != second.sha256
    assert first.file.name != second.file.name and Path(first.file.path).exists()
    assert body(client.get(download_url(document, 1))) == PDF
    assert body(client.get(download_url(document, 2))) == revised
    page = client.get(reverse("document-detail", args=[document.pk])).content.decode()
    assert first.sha256 in page and second.sha256 in page


def test_only_the_holding_organisation_adds_versions(client, sign_in, sharing_world):
    sw = sharing_world
    document = add(sw.world.manager, sw.world.case, **{})  # held by the council
    with pytest.raises(PermissionDenied):
        documents.version_add(actor=sw.investigator, document=document, upload=upload("x.pdf", PDF))
    sign_in(client, sw.investigator)
    # The IOPC does not hold this case-level document, so it does not even see it.
    assert client.get(reverse("document-version-upload", args=[document.pk])).status_code == 404


def test_a_version_of_a_document_on_a_closed_request_is_refused(sharing_world):
    sw = sharing_world
    request = factories.submitted_request(sw)
    document = add(sw.investigator, sw.world.case, request=request)
    sharing_services.request_withdraw(actor=sw.investigator, request=request, reason="Asked the wrong agency.")
    with pytest.raises(ValidationError, match="withdrawn: documents can no longer be added"):
        documents.version_add(actor=sw.investigator, document=document, upload=upload("x.pdf", PDF))
    with pytest.raises(ValidationError, match="withdrawn"):
        add(sw.investigator, sw.world.case, request=request)


# --- Downloading -------------------------------------------------------------------------------------


def test_a_download_is_an_audited_attachment_that_is_never_sniffed_or_cached(client, sign_in, world):
    document = add(world.manager, world.case, name="Chronology – Child Q.pdf")
    sign_in(client, world.manager)
    response = client.get(download_url(document))
    assert response.status_code == 200 and body(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "inline" not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="download")
    version = document.versions.get()
    assert entry.actor == world.manager and entry.object_id == str(version.pk)
    assert entry.changes == {"document": document.pk, "version": 1, "sha256": version.sha256}


def test_an_outsider_gets_404_on_every_document_url(client, sign_in, world):
    document = add(world.manager, world.case)
    sign_in(client, world.outsider)
    urls = [
        reverse("case-documents", args=[world.case.reference]),
        reverse("document-upload", args=[world.case.reference]),
        reverse("document-detail", args=[document.pk]),
        reverse("document-version-upload", args=[document.pk]),
        download_url(document),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Chronology" not in response.content and world.case.reference.encode() not in response.content
    assert client.post(reverse("document-version-upload", args=[document.pk]),
                       {"file": upload("x.pdf", PDF)}).status_code == 404  # fmt: skip
    assert not AuditEntry.objects.filter(action="download").exists()


def test_a_providers_version_reaches_the_requester_only_once_disclosed(client, sign_in, sharing_world):
    sw = sharing_world
    council = sw.world.agency_user
    request = decided_request(sw)
    document = add(council, sw.world.case, request=request, name="records.pdf")
    assert document.owner == sw.world.council
    sign_in(client, sw.investigator)
    assert client.get(download_url(document)).status_code == 404
    assert client.get(reverse("document-detail", args=[document.pk])).status_code == 404
    assert documents.visible_documents(sw.investigator, request=request) == []

    sharing_services.disclosure_record(actor=council, request=request, disclosed_on=timezone.localdate(),
                                       method="portal", recipient_name="IOPC lead investigator",
                                       versions=document.versions.all())  # fmt: skip
    response = client.get(download_url(document))
    assert response.status_code == 200 and body(response) == PDF
    # A later version stays with the council until it too is disclosed.
    documents.version_add(actor=council, document=document, upload=upload("records v2.pdf", PDF + b"\n% v2\n"))
    assert client.get(download_url(document, 2)).status_code == 404
    [seen] = documents.visible_documents(sw.investigator, request=request)
    assert seen.latest_visible_version.number == 1 and [v.number for v in seen.visible_versions] == [1]


def test_the_requesters_attachment_travels_with_the_request_to_the_provider(client, sign_in, sharing_world):
    sw = sharing_world
    request = factories.draft_request(sw)
    sign_in(client, sw.investigator)
    url = reverse("document-upload", args=[sw.world.case.reference]) + f"?request={request.reference}"
    assert f'value="{request.reference}"' in client.get(url).content.decode()
    response = client.post(url, {"title": "Terms of reference", "classification": "OFFICIAL",
                                 "request": request.reference, "file": upload("tor.docx", DOCX)})  # fmt: skip
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.request, document.owner, document.process) == (request, sw.iopc, None)
    # A draft is the requester's own; once submitted, the provider sees what came with it.
    assert not documents.visible_documents(sw.world.agency_user, request=request)
    sharing_services.request_submit(actor=sw.investigator, request=request, version=request.version)
    assert [d.pk for d in documents.visible_documents(sw.world.agency_user, request=request)] == [document.pk]


def test_the_provider_uploads_to_a_request_without_seeing_the_rest_of_the_case(client, sign_in, sharing_world):
    sw = sharing_world
    request = factories.submitted_request(sw)
    sign_in(client, sw.world.agency_user)
    assert client.get(reverse("case-documents", args=[sw.world.case.reference])).status_code == 404
    url = reverse("document-upload", args=[sw.world.case.reference]) + f"?request={request.reference}"
    response = client.post(url, {"title": "Social care chronology", "classification": "OFFICIAL-SENSITIVE",
                                 "request": request.reference, "file": upload("chronology.csv", CSV)})  # fmt: skip
    assert response.status_code == 302
    assert Document.objects.get().owner == sw.world.council


def test_an_upload_link_to_a_place_not_on_the_case_or_not_visible_is_404(client, sign_in, sharing_world):
    sw = sharing_world
    other_case = factories.open_case(manager=sw.world.manager, partnership=sw.world.partnership, pseudonym="Child R")
    lcspr = add_process(sw.world, "lcspr")
    request = factories.submitted_request(sw)
    sign_in(client, sw.world.manager)
    base = reverse("document-upload", args=[other_case.reference])
    assert client.get(f"{base}?process={lcspr.pk}").status_code == 404
    assert client.get(f"{base}?request={request.reference}").status_code == 404
    assert client.get(f"{base}?process=nonsense").status_code == 404
    on_its_case = reverse("document-upload", args=[sw.world.case.reference])
    assert client.get(f"{on_its_case}?process={lcspr.pk}").status_code == 200
    response = client.post(f"{on_its_case}?process={lcspr.pk}", {"title": "Panel minutes", "process": lcspr.pk,
                                                               "classification": "OFFICIAL",
                                                               "file": upload("minutes.docx", DOCX)})  # fmt: skip
    assert response.status_code == 302 and Document.objects.get().process == lcspr


def test_a_document_on_a_process_is_seen_by_those_who_see_the_process_in_full(sharing_world):
    sw = sharing_world
    lcspr = add_process(sw.world, "lcspr")
    document = add(sw.world.manager, sw.world.case, process=lcspr)
    assert [d.pk for d in documents.visible_documents(sw.world.manager, process=lcspr)] == [document.pk]
    assert documents.visible_documents(sw.world.outsider, case=sw.world.case) == []


# --- Lists and pages --------------------------------------------------------------------------------------


def test_the_marking_shows_on_the_list_and_the_document_page(client, sign_in, world):
    document = add(world.manager, world.case)
    sign_in(client, world.manager)
    marking = "OFFICIAL-SENSITIVE PERSONAL · Not to be shared beyond the review panel"
    assert document.marking == marking
    for url in (reverse("case-documents", args=[world.case.reference]), reverse("document-detail", args=[document.pk])):
        page = client.get(url).content.decode()
        assert 'class="marking-tag' in page and marking in page, url


def test_the_list_page_costs_the_same_queries_for_one_document_as_for_ten(client, sign_in, world):
    sign_in(client, world.manager)
    lcspr = add_process(world, "lcspr")
    add(world.manager, world.case)
    url = reverse("case-documents", args=[world.case.reference])
    client.get(url)  # warm up: session, caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for number in range(9):
        place = {"process": lcspr} if number % 2 else {}
        document = add(world.manager, world.case, title=f"Document {number}", **place)
        documents.version_add(actor=world.manager, document=document, upload=upload("v2.pdf", PDF + b"\n"))
    with CaptureQueriesContext(connection) as ten:
        page = client.get(url)
    assert page.content.decode().count('class="marking-tag') == 10
    assert len(ten) == len(one), "\n".join(q["sql"] for q in ten.captured_queries)


def test_visible_documents_costs_a_constant_number_of_queries(world, django_assert_max_num_queries):
    for number in range(10):
        add(world.manager, world.case, title=f"Document {number}")
    with CaptureQueriesContext(connection) as counted:
        found = documents.visible_documents(world.manager, case=world.case)
        for document in found:
            [v.uploaded_by.username for v in document.visible_versions]
    assert len(found) == 10
    with django_assert_max_num_queries(len(counted)):
        documents.visible_documents(world.manager, case=world.case)


# --- Storage configuration --------------------------------------------------------------------------------


def test_document_storage_s3_selects_the_s3_backend_without_importing_boto3(tmp_path):
    """No S3 server runs here: this checks only that the setting picks the backend, as the image would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCUMENT_", "AWS_"))}
    env.update(DOCUMENT_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="parallel-documents", VAR_DIR=str(tmp_path),
               AWS_S3_REGION_NAME="eu-west-2", DJANGO_SETTINGS_MODULE="coordination.settings")  # fmt: skip
    script = (
        "import sys; from django.conf import settings; d = settings.STORAGES['documents'];"
        "print(d['BACKEND'], d['OPTIONS']['bucket_name'], d['OPTIONS']['default_acl'], 'boto3' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["storages.backends.s3.S3Storage", "parallel-documents", "private", "False"]
