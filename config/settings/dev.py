from . import env
from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost"]  # noqa: F405
# The demo accounts would otherwise need an authenticator app on first sign-in;
# set SHINKA_MFA_REQUIRED=1 to try the real flow. Production always requires it.
SHINKA_MFA_REQUIRED = env.boolean("SHINKA_MFA_REQUIRED", False)
