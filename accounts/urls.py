"""The accounts app's addresses, included by the core's URLconf (registered in accounts/apps.py)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from .views import break_glass, two_factor

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]

# The second step of signing in (accounts/security.py sends every signed-in page here until it is done).
urlpatterns += [
    path("accounts/two-factor/", two_factor.two_factor_verify, name="two-factor-verify"),
    path("accounts/two-factor/setup/", two_factor.two_factor_setup, name="two-factor-setup"),
]

# Break-glass access to a case not granted to you: a typed reason, a time limit, audited, managers told.
urlpatterns += [
    path("break-glass/", break_glass.break_glass_open, name="break-glass"),
]
