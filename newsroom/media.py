"""Uploaded pictures served by the app itself when they live on local disk.

One machine without a bucket works with `DEBUG` off: `/media/` answers from
MEDIA_ROOT, files added after start included (WhiteNoise only knows the files it saw at
start-up). With S3 (or any other storage) the route does not exist and pictures come
from the storage's own URLs.

Renditions are named by easy-thumbnails' `source_hashed` namer from the master's name
and the rendition options (size, crop, focal point), and masters get a new random name
when a picture's file is replaced, so a rendition's name changes whenever its content
does: browsers and CDNs may keep them for a year. Masters are kept a day, so a picture
taken down disappears from caches soon.
"""

import mimetypes
import os
import re
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition, require_safe

# Rendition names (easy_thumbnails.namers.source_hashed): <source>_<WxH>_<options>.<ext>
RENDITION_NAME = re.compile(r"^[\w-]{12}_\d+x\d+_[\w-]{8}\.\w+$")
RENDITION_MAX_AGE = 365 * 24 * 3600
MASTER_MAX_AGE = 24 * 3600


def serves_local_media():
    """Whether uploads are on this machine's disk under a path of this site."""
    return isinstance(
        default_storage, FileSystemStorage
    ) and settings.MEDIA_URL.startswith("/")


def _file_path(name):
    try:
        path = default_storage.path(name)
    except SuspiciousFileOperation as exc:
        raise Http404("No such file.") from exc
    if not os.path.isfile(path):
        raise Http404("No such file.")
    return path


def _last_modified(request, path):
    try:
        mtime = os.stat(_file_path(path)).st_mtime
    except Http404:
        return None
    return datetime.fromtimestamp(mtime, tz=UTC)


@require_safe
@condition(last_modified_func=_last_modified)
def serve(request, path):
    file_path = _file_path(path)
    content_type, encoding = mimetypes.guess_type(file_path)
    response = FileResponse(
        open(file_path, "rb"),  # noqa: SIM115 - FileResponse closes it
        content_type=content_type or "application/octet-stream",
    )
    if encoding:
        response.headers["Content-Encoding"] = encoding
    if RENDITION_NAME.match(os.path.basename(path)):
        patch_cache_control(
            response, public=True, max_age=RENDITION_MAX_AGE, immutable=True
        )
    else:
        patch_cache_control(response, public=True, max_age=MASTER_MAX_AGE)
    return response
