"""URLs: sign in and out, the home page, the students app's pages and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import views

admin.site.site_header = "Quorum administration"
admin.site.site_title = "Quorum"

urlpatterns = [
    path("", views.home, name="home"),
    # Django's LoginView is marked login_not_required; every other page needs a signed-in user
    # (LoginRequiredMiddleware).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("boards/", include("boards.urls")),
    path("", include("students.urls")),
]
