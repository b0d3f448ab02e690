from . import env
from .base import *  # noqa: F403

SECRET_KEY = env.required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.listing("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    env.required("DJANGO_ALLOWED_HOSTS")
env.required("DATABASE_URL")
WAGTAILADMIN_BASE_URL = env.required("WAGTAILADMIN_BASE_URL")
EMAIL_BACKEND = env.text("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
SHINKA_DEMO_ALLOWED = False
SHINKA_MFA_REQUIRED = True

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.boolean("DJANGO_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.integer("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.boolean("DJANGO_SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Wagtail's live preview shows the page in a same-origin frame, so not DENY.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = [
    *SILENCED_SYSTEM_CHECKS,  # noqa: F405 - base: auth.W004 (staff numbers unique per town)
    "security.W019",  # X_FRAME_OPTIONS is SAMEORIGIN on purpose (Wagtail preview), see above
    "security.W021",  # HSTS preload is the domain owner's decision (DJANGO_SECURE_HSTS_PRELOAD)
]
CSRF_TRUSTED_ORIGINS = env.listing("DJANGO_CSRF_TRUSTED_ORIGINS")

# allauth keeps rate limits in the cache, so every web process must share one.
# Use a Redis database of its own: clearing the cache must not drop queued tasks.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.required("REDIS_CACHE_URL"),
    }
}
