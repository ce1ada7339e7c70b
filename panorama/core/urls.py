from django.contrib.auth import views as auth_views
from django.urls import path

from panorama.core import tokens_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="core/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/api-tokens/", tokens_views.api_tokens, name="api_tokens"),
    path(
        "settings/api-tokens/<int:pk>/revoke/",
        tokens_views.api_token_revoke,
        name="api_token_revoke",
    ),
    path("healthz", views.healthz, name="healthz"),
]
