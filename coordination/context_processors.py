from . import reminders


def notifications(request):
    """The unread count shown in the header on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": reminders.unread_count(user)}
