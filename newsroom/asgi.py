"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

from newsroom.startup import load_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
load_settings()

application = get_asgi_application()
