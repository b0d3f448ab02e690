"""Settings shared by every environment. Values that vary come from ``env``."""

from celery.schedules import crontab

from . import env
from .directory import form_action_origins, saml_installed, socialaccount_providers
from .paths import BASE_DIR

SECRET_KEY = env.text("DJANGO_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env.listing("DJANGO_ALLOWED_HOSTS")

INSTALLED_APPS = [
    # Project apps first so their templates and translations win.
    "lms",
    "courses",
    "assessments",
    "content",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "lms.apps.StaffUsersAppConfig",  # wagtail.users, with Japanese name fields
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "lms.apps.OperatorAdminConfig",  # django.contrib.admin, for superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
# SAML 2.0 sign-in (docs/sso.md): allauth's SAML provider needs the `saml` extra (python3-saml,
# xmlsec); its URLs import them, so the app is added only where the extra is installed.
if saml_installed():
    INSTALLED_APPS.insert(
        INSTALLED_APPS.index("allauth.socialaccount.providers.openid_connect") + 1,
        "allauth.socialaccount.providers.saml",
    )

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "content.middleware.SiteLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "lms.privacy.middleware.SessionTimeoutMiddleware",
    "lms.privacy.middleware.RequireMfaMiddleware",
    "lms.privacy.middleware.PersonalDataHeadersMiddleware",
    "content.middleware.AdminAccessMiddleware",
    "content.middleware.AdminSearchLimitMiddleware",
    "content.middleware.AdminPageGuardMiddleware",
]

# Sessions end after 30 minutes idle or 12 hours in all (lms.middleware), and with the browser.
SHINKA_SESSION_IDLE_MINUTES = env.integer("SHINKA_SESSION_IDLE_MINUTES", 30)
SHINKA_SESSION_ABSOLUTE_HOURS = env.integer("SHINKA_SESSION_ABSOLUTE_HOURS", 12)
# How long before the idle sign-out the quiz page warns, with 「ログインを続ける」 (WCAG 2.2.1).
SHINKA_SESSION_WARNING_SECONDS = env.integer("SHINKA_SESSION_WARNING_SECONDS", 300)
SESSION_COOKIE_AGE = SHINKA_SESSION_ABSOLUTE_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Videos may also be played from the town's own video servers (origins such as
# https://video.town.lg.jp, on the closed network); content.blocks checks video URLs.
SHINKA_VIDEO_ORIGINS = [
    origin.rstrip("/").lower() for origin in env.listing("SHINKA_VIDEO_ORIGINS")
]
_MEDIA_SOURCES = " ".join(["'self'", "blob:", *SHINKA_VIDEO_ORIGINS])
# The towns' directories (docs/sso.md): OpenID Connect IdPs and LDAP directories per town,
# from SHINKA_DIRECTORY (JSON) or SHINKA_DIRECTORY_FILE. The sign-in's POST is redirected to
# an IdP, which the form-action directive must allow.
SHINKA_DIRECTORY = env.json_document("SHINKA_DIRECTORY") or {}
_FORM_ACTIONS = " ".join(["'self'", *form_action_origins(SHINKA_DIRECTORY)])
# Wagtail's admin needs inline scripts and styles; nothing is loaded from elsewhere.
SHINKA_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    f"img-src 'self' data: blob:; media-src {_MEDIA_SOURCES}; font-src 'self' data:; "
    "frame-src 'self'; frame-ancestors 'self'; object-src 'none'; base-uri 'self'; "
    f"form-action {_FORM_ACTIONS}"
)

ROOT_URLCONF = "config.urls"
# A form sent with a stale or missing token: a Japanese page with a way home.
CSRF_FAILURE_VIEW = "content.errors.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lms.context_processors.navigation",
                "lms.context_processors.session_timeout",
            ],
        },
    },
]

DATABASES = {"default": env.database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "lms.User"
# One backend: allauth's, with a staff number looked up in the town of the sign-in
# (lms.people.accounts). Django's ModelBackend would look it up across every town.
AUTHENTICATION_BACKENDS = ["lms.people.accounts.StaffAuthenticationBackend"]
# The staff number (USERNAME_FIELD) is unique per town, not across the instance
# (User.organization; the constraint user_staff_number_unique_per_org). Django warns that a
# username which is not unique cannot be used by ModelBackend; we do not use ModelBackend,
# and our backend resolves a staff number within one town (docs/security.md).
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "lms:mypage"

# --- django-allauth: accounts come from HR, so there is no open sign-up.
ACCOUNT_ADAPTER = "lms.people.accounts.StaffAccountAdapter"
ACCOUNT_FORMS = {"login": "lms.people.accounts.StaffLoginForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = "staff_number"
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_SESSION_REMEMBER = False
# Town-hall staff reach the server from a few shared NAT addresses: limit
# failed logins per account (key) and keep the per-address limits high enough
# that a hundred colleagues mistyping once are not all locked out.
ACCOUNT_RATE_LIMITS = {
    "login": "600/m/ip",
    "login_failed": "200/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
}
# Behind the town's reverse proxy, the client address is in X-Forwarded-For.
ALLAUTH_TRUSTED_PROXY_COUNT = env.integer("ALLAUTH_TRUSTED_PROXY_COUNT", 0)
# Two-factor authentication (TOTP + recovery codes). Required for the roles that
# see or change other people's data; staff may opt in (マイページ → 二段階認証).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "しんか Shinka"
SHINKA_MFA_REQUIRED = env.boolean("SHINKA_MFA_REQUIRED", True)
SHINKA_MFA_REQUIRED_ROLES = ["hr", "it_policy", "dx_leader", "admin", "dept_head"]
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = (
    "allauth.account.forms.EmailAwarePasswordResetTokenGenerator"
)
# --- Signing in through the town's own directory (docs/sso.md, lms/people/directory.py;
# SHINKA_DIRECTORY above).
SOCIALACCOUNT_PROVIDERS = socialaccount_providers(SHINKA_DIRECTORY)
# Towns that registered an LDAP / Active Directory bind (needs the `ldap` extra).
if SHINKA_DIRECTORY.get("ldap"):
    AUTHENTICATION_BACKENDS = [
        *AUTHENTICATION_BACKENDS,
        "lms.people.directory_ldap.TownLDAPBackend",
    ]
SOCIALACCOUNT_ADAPTER = "lms.people.directory.StaffSocialAccountAdapter"
# The roster finds the person (the adapter); allauth never matches or links by e-mail itself.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_AUTO_SIGNUP = True  # only where a town turned creation on (is_open_for_signup)
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False  # the sign-in page POSTs (CSRF-protected)
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10

# --- Internationalisation: Japanese first, English second.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
# The project's catalogue first; then Japanese for Wagtail admin strings that
# Wagtail's own catalogue lacks (authors see them daily). `make messages` only
# rewrites the first.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "wagtail"]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
PRIVATE_ROOT = BASE_DIR / "var" / "private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Personal-data reports: never under MEDIA_ROOT, served only by a checked view.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.text("SHINKA_PRIVATE_ROOT") or str(PRIVATE_ROOT),
            "base_url": None,
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Wagtail
WAGTAIL_SITE_NAME = "しんか Shinka"
WAGTAILADMIN_BASE_URL = env.text("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# One login for the whole site: the Wagtail admin sends people to allauth.
WAGTAILADMIN_LOGIN_URL = "account_login"
# Closed municipal networks (LGWAN) reach no outside host.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Password resets go through allauth (its rate limits), not Wagtail's own form.
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Wagtail's database backend, with words inside Japanese text found (content/search_backend.py,
# docs/search.md).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "content.search_backend"}}
# Documents only through Wagtail's serve view, after its checks (sign-in: content.wagtail_hooks;
# collection view restrictions); nothing under /media/documents/ is reachable (config.urls).
# The view streams the file, or with SHINKA_X_ACCEL_REDIRECT_PREFIX hands it to nginx's
# `internal` location (content.files; README, "Files").
WAGTAILDOCS_SERVE_METHOD = "serve_view"
SENDFILE_BACKEND = "content.files"
SHINKA_X_ACCEL_REDIRECT_PREFIX = env.text("SHINKA_X_ACCEL_REDIRECT_PREFIX")
# Closed networks: no oEmbed finder, which would ask youtube.com and others from the server.
WAGTAILEMBEDS_FINDERS = []
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "mp4", "pdf", "pptx", "txt", "webm", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 200 * 1024 * 1024
# Uploads are checked by their first bytes too, not only by their extension.
WAGTAILDOCS_DOCUMENT_FORM_BASE = "content.documents.DocumentForm"
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Refuse "decompression bombs": an image this large is never a learning illustration.
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAIL_I18N_ENABLED = False

# --- E-mail
EMAIL_BACKEND = env.text("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.text("EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.text("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env.text("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env.boolean("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env.text("DEFAULT_FROM_EMAIL", "shinka@localhost")
# A mail server that does not answer must not hold a sending job (and its row lock) for long.
EMAIL_TIMEOUT = env.integer("EMAIL_TIMEOUT", 30)
# The outbox (lms/outbox.py): a mail that fails is tried again this many times, with
# exponential back-off from this many seconds (at most 10 minutes apart), then marked failed;
# a mail still queued this many minutes after its last attempt is published again by the
# sweeper; sent and failed mail is deleted after this many days (bodies name people).
SHINKA_MAIL_RETRIES = env.integer("SHINKA_MAIL_RETRIES", 5)
SHINKA_MAIL_RETRY_BACKOFF = env.integer("SHINKA_MAIL_RETRY_BACKOFF", 60)
SHINKA_MAIL_STUCK_MINUTES = env.integer("SHINKA_MAIL_STUCK_MINUTES", 15)
SHINKA_MAIL_RETENTION_DAYS = env.integer("SHINKA_MAIL_RETENTION_DAYS", 90)
# いますぐ通知 (lms/reporting/reminders.py, docs/reminders.md): a department's or a town's
# people are reminded at most once in this many minutes, whoever sends it.
SHINKA_REMIND_NOW_INTERVAL_MINUTES = env.integer("SHINKA_REMIND_NOW_INTERVAL_MINUTES", 30)

# --- Celery: a broker URL means a real worker; without one, jobs run eagerly
# in the web process (demo and development only).
CELERY_BROKER_URL = env.text("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 25
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers an unacknowledged task (e.g. of a killed worker) only after this;
# keep countdowns shorter, and keep it longer than the longest report build.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 60 * 60,
    # A publish to a dead broker gives up within a second (the page must answer).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must fail fast when the broker is down: the request answers at
# once and the run stays queued for the sweeper.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# A report job that loses its database or storage is retried this many times,
# with exponential back-off starting at this many seconds (capped at 5 minutes),
# before the run is marked failed.
SHINKA_REPORT_RETRIES = env.integer("SHINKA_REPORT_RETRIES", 5)
SHINKA_REPORT_RETRY_BACKOFF = env.integer("SHINKA_REPORT_RETRY_BACKOFF", 5)
CELERY_BEAT_SCHEDULE = {
    "hr-completion-nightly": {
        "task": "lms.schedule_report",
        "schedule": crontab(hour=2, minute=0),
        "args": ["hr_completion"],
    },
    "dx-candidates-monthly": {
        "task": "lms.schedule_report",
        "schedule": crontab(day_of_month=1, hour=3, minute=0),
        "args": ["dx_candidates"],
    },
    "overdue-reminders-weekly": {
        "task": "lms.send_reminders",
        "schedule": crontab(day_of_week="mon", hour=8, minute=0),
    },
    "session-reminders-daily": {
        "task": "lms.send_session_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    # Renewal courses: a notice and a mail once a completion enters its window (daily, so
    # the warning comes the set number of days before the expiry).
    "expiry-warnings-daily": {
        "task": "lms.send_expiry_warnings",
        "schedule": crontab(hour=8, minute=15),
    },
    "sweep-queued-reports": {"task": "lms.sweep_reports", "schedule": crontab(minute="*/10")},
    "sweep-outgoing-mail": {"task": "lms.sweep_outgoing_mail", "schedule": crontab(minute="*/5")},
    "prune-audit-log": {"task": "lms.prune_audit", "schedule": crontab(hour=4, minute=30)},
    # Wagtail's scheduled publishing (公開予定日時) is a command that must run regularly.
    "publish-scheduled-pages": {"task": "lms.publish_scheduled", "schedule": crontab(minute="*/5")},
}

# `seed_demo` creates accounts with published passwords: never in production.
SHINKA_DEMO_ALLOWED = True
# Audit events are kept online this long, then deleted by the daily prune job.
SHINKA_AUDIT_RETENTION_DAYS = env.integer("SHINKA_AUDIT_RETENTION_DAYS", 365)
# How long after the last post a former member of staff stays identifiable.
SHINKA_PERSONAL_DATA_RETENTION_DAYS = env.integer("SHINKA_PERSONAL_DATA_RETENTION_DAYS", 5 * 365)
# Modules whose 最終確認日 is older than this are listed for review.
SHINKA_CONTENT_REVIEW_DAYS = env.integer("SHINKA_CONTENT_REVIEW_DAYS", 365)
# 受講後アンケート: a result (a question's totals, its free texts) with fewer answers than this
# is not shown, so that nobody's answer can be told apart (docs/surveys.md).
SHINKA_SURVEY_MIN_ANSWERS = max(2, env.integer("SHINKA_SURVEY_MIN_ANSWERS", 5))

# 修了証 (certificate PDFs): a TrueType font with Japanese glyphs, embedded (as a subset) in
# every PDF. From Debian's fonts-ipaexfont (installed by .ci/run; README "Certificates");
# never downloaded. ReportLab embeds TrueType outlines only, not the CFF of Noto CJK's OTF.
SHINKA_CERTIFICATE_FONT = env.text(
    "SHINKA_CERTIFICATE_FONT", "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.text("LOG_LEVEL", "INFO")},
    "loggers": {
        # Wagtail logs each page action and django-tasks each background task at INFO.
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}
