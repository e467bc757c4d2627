"""URL configuration: website, API under /api/v1/, schema and docs, admin, health."""
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import health, views, web
from core.forms import AdminLoginForm, LoginForm

api_v1 = [
    path("", include("core.api.urls")),
    path("", include("marketplace.api.urls")),
    path("", include("protection.api.urls")),
    path("", include("credit.api.urls")),
]

admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/register/", views.register, name="register"),
    path("notifications/", web.notification_list, name="notifications"),
    path("notifications/read-all/", web.notification_read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/read/", web.notification_read, name="notification-read"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", include("core.urls")),
    path("", include("protection.urls")),
    path("", include("credit.urls")),
    path("", include("marketplace.urls")),
]

if settings.DEBUG:
    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]

handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
