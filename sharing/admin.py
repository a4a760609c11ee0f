"""Information sharing in the Django admin: for system administrators to find a request by reference and see
where it stands. Read only, and metadata only: what was asked, why, and the reasons for a decision stay behind
the need-to-know checks of the request pages, and every change goes through a service so it is audited."""

from django.contrib import admin

from .models import Disclosure, Document, DocumentVersion, SharingDecision, SharingRequest, StatusChange


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SharingRequest)
class SharingRequestAdmin(ReadOnlyAdmin):
    list_display = ["reference", "requesting_organisation", "providing_organisation", "status", "submitted_at",
                    "updated_at"]  # fmt: skip
    list_filter = ["status", "urgency", "classification"]
    search_fields = ["reference", "case__reference"]
    list_select_related = ["requesting_organisation", "providing_organisation"]
    fields = ["reference", "case", "number", "requesting_organisation", "requested_by", "providing_organisation",
              "addressee", "status", "classification", "urgency", "requested_by_date", "created_at", "submitted_at",
              "updated_at", "version"]  # fmt: skip


@admin.register(SharingDecision)
class SharingDecisionAdmin(ReadOnlyAdmin):
    list_display = ["request", "outcome", "ground", "decided_by", "decided_at"]
    list_filter = ["outcome", "ground"]
    search_fields = ["request__reference"]
    list_select_related = ["request", "decided_by"]
    fields = ["request", "outcome", "ground", "decided_by", "legal_advice_sought", "retain_until", "review_date",
              "decided_at"]  # fmt: skip


@admin.register(Disclosure)
class DisclosureAdmin(ReadOnlyAdmin):
    list_display = ["request", "disclosed_on", "method", "disclosed_by", "acknowledged_at"]
    list_filter = ["method"]
    search_fields = ["request__reference"]
    list_select_related = ["request", "disclosed_by"]
    fields = ["request", "decision", "disclosed_on", "method", "disclosed_by", "recorded_at", "acknowledged_at",
              "acknowledged_by"]  # fmt: skip


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["request", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["to_status"]
    search_fields = ["request__reference"]
    list_select_related = ["request", "changed_by"]
    fields = ["request", "from_status", "to_status", "changed_by", "changed_at"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    # No title: a title may name a person. The reference of the case or request is enough to find it.
    list_display = ["pk", "case", "request", "owner", "classification", "created_at"]
    list_filter = ["classification"]
    search_fields = ["case__reference", "request__reference"]
    list_select_related = ["case", "request", "owner"]
    fields = ["case", "process", "request", "owner", "classification", "created_by", "created_at"]


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ReadOnlyAdmin):
    list_display = ["document_id", "number", "content_type", "size", "sha256", "uploaded_at"]
    search_fields = ["sha256", "document__case__reference", "document__request__reference"]
    fields = ["document_id", "number", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
