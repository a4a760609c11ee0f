"""Uploading a document and a new version of one. The forms only shape input; sharing/documents.py judges the file,
and its message lands on the file field while every other answer is re-shown as typed."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from . import documents
from .models import Classification, Document


def _file_field() -> forms.FileField:
    limit = documents.megabytes(settings.DOCUMENT_MAX_BYTES)
    return forms.FileField(
        label="File",
        # The browser's chooser offers only these; the server checks the content all the same.
        widget=forms.FileInput(attrs={"accept": documents.ACCEPT}),
        help_text=f"{documents.ALLOWED_LABEL}, up to {limit}.",
    )


class _ChecksTheFile:
    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            documents.check_upload(upload)
        except ValidationError as error:
            raise ValidationError(error.message_dict["file"]) from None
        return upload


class DocumentUploadForm(_ChecksTheFile, forms.Form):
    title = forms.CharField(max_length=Document._meta.get_field("title").max_length)
    classification = forms.ChoiceField(
        choices=Classification.choices,
        initial=Classification.OFFICIAL_SENSITIVE,
        widget=forms.RadioSelect,
        help_text="OFFICIAL-SENSITIVE for anything about the child, the family or a live investigation.",
    )
    descriptor = forms.CharField(
        max_length=Document._meta.get_field("descriptor").max_length,
        required=False,
        help_text="e.g. PERSONAL. Shown after the classification.",
    )
    handling_instructions = forms.CharField(
        max_length=Document._meta.get_field("handling_instructions").max_length,
        required=False,
        help_text="e.g. Not to be shared beyond the review panel without the council's agreement.",
    )
    file = _file_field()
    # Where the document goes, set by the link that led here; the view checks both against the case.
    process = forms.CharField(required=False, widget=forms.HiddenInput)
    request = forms.CharField(required=False, widget=forms.HiddenInput)


class VersionUploadForm(_ChecksTheFile, forms.Form):
    file = _file_field()
