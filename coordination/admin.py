"""The Django admin is for system administration (organisations, partnerships, people), not case data."""

from django.contrib import admin

from .models import ClosureDay, Membership, Organisation, Partnership, TimescaleRule


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name"]


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "local_authority", "icb", "police"]
    filter_horizontal = ["relevant_agencies"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__username", "user__last_name", "organisation__name"]


@admin.register(TimescaleRule)
class TimescaleRuleAdmin(admin.ModelAdmin):
    """National rules are corrected here by system administrators; partnerships keep their own in the portal."""

    list_display = ["code", "process_kind", "milestone", "amount", "unit", "direction", "force", "verification"]
    list_filter = ["process_kind", "force", "verification", "partnership"]
    search_fields = ["code", "milestone", "source"]


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "partnership"]
    list_filter = ["partnership"]
