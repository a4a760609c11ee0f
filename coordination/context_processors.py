from . import audit, extensions, reminders


def notifications(request):
    """The unread count shown in the header on every page, whether to offer the audit trail, and the apps' links
    this user is shown (coordination/extensions.py)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": reminders.unread_count(user),
        "may_read_audit": audit.may_read_trail(user),
        "app_nav_links": [link for link in extensions.nav_links() if link.visible(user)],
    }
