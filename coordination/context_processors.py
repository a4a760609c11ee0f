from . import audit, break_glass, extensions, reminders
from .api import keys


def notifications(request):
    """The unread count shown in the header on every page, and whether to offer the audit trail."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": reminders.unread_count(user),
        "may_read_audit": audit.may_read_trail(user),
        "may_break_glass": break_glass.may_break_glass(user),
        "may_manage_integrations": keys.administered_organisations(user).exists(),
        "app_nav_links": extensions.nav_links(),
    }
