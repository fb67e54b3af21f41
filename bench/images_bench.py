"""Benchmark: a 24-megapixel JPEG through the picture library's upload path.

Run: .venv/bin/python bench/images_bench.py [--megapixels 24] [--repeat 3]

It draws a photo-like 6000×4000 JPEG in memory (with EXIF orientation and GPS, as a
camera writes), then times `Image.objects.from_upload()`, the code path of the admin's
upload form: intake (checks, EXIF stripping, the stored master) and every rendition.
Peak memory is the process's resident-set high-water mark over that call (reset
just before it, Linux), and Python's own allocations (tracemalloc). Aim: under 2 s and
under 400 MB. A temporary database and media folder are used and removed.
"""

import argparse
import gc
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from PIL import Image as PILImage

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def photo_like_jpeg(megapixels):
    """A JPEG about the size a camera writes: gradients, edges and sensor-like noise."""
    from PIL import Image, ImageDraw

    width = int((megapixels * 1_000_000 * 3 / 2) ** 0.5)
    height = width * 2 // 3
    base = Image.linear_gradient("L").resize((width, height))
    picture = Image.merge("RGB", (base, base.rotate(180), base.transpose(0)))
    draw = ImageDraw.Draw(picture)
    step = max(width // 40, 1)
    for x in range(0, width, step):
        draw.ellipse(
            [x, x * height // width, x + 3 * step, x * height // width + 2 * step],
            outline=(255, 255, 255),
            width=8,
        )
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    picture = Image.blend(picture, noise, 0.15)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to display upright
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue(), (width, height)


def use_stock_easy_thumbnails():
    """Make renditions as easy-thumbnails does by default, for comparison."""
    from easy_thumbnails.source_generators import pil_image

    from images import processing

    class Stock:
        generator = staticmethod(pil_image)  # decodes the master for each rendition
        processors = None  # THUMBNAIL_PROCESSORS: colorspace, scale_and_crop, ...

    processing._Renderer = Stock
    print("renditions: easy-thumbnails' stock source generator and processors")


def reset_peak_rss():
    """Reset the kernel's resident-set high-water mark; False where not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def current_rss_mb():
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def peak_rss_mb():
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megapixels", type=float, default=24)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--stock",
        action="store_true",
        help="compare: easy-thumbnails' own source generator and processors",
    )
    parser.add_argument("--draw", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.draw:
        sys.stdout.buffer.write(photo_like_jpeg(args.draw)[0])
        return

    workdir = tempfile.mkdtemp(prefix="images-bench-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        SECRET_KEY="bench-only-not-a-secret",  # noqa: S106 (throwaway database)
        DEBUG="0",
        DATABASE_URL=f"sqlite:///{workdir}/bench.sqlite3",
        MEDIA_ROOT=f"{workdir}/media",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.stock:
        use_stock_easy_thumbnails()
    # Drawn in a child process, so this one's memory figures are the upload's own.
    drawn = subprocess.run(
        [sys.executable, __file__, "--draw", str(args.megapixels)],
        check=True,
        capture_output=True,
    )
    data = drawn.stdout
    with PILImage.open(io.BytesIO(data)) as header:
        width, height = header.size
    print(
        f"source: {width}×{height} JPEG, {len(data) / 1e6:.1f} MB, "
        f"{width * height / 1e6:.1f} megapixels, EXIF orientation 6 + GPS"
    )
    try:
        for run in range(1, args.repeat + 1):
            measure(run, data)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def measure(run, data):
    from django.core.files.storage import default_storage
    from django.core.files.uploadedfile import SimpleUploadedFile

    from images.models import Image, rendition_names
    from images.processing import prepare_upload

    def upload():
        return SimpleUploadedFile("IMG_0001.JPG", data, content_type="image/jpeg")

    gc.collect()

    wall, cpu = time.perf_counter(), time.process_time()
    prepare_upload(upload())
    intake_wall, intake_cpu = time.perf_counter() - wall, time.process_time() - cpu

    can_reset = reset_peak_rss()
    rss_before = current_rss_mb()
    tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    image = Image.objects.from_upload(upload(), alt_text=f"Benchmark {run}")
    total_wall, total_cpu = time.perf_counter() - wall, time.process_time() - cpu
    python_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    names = rendition_names(image.renditions)
    kept_kb = sum(default_storage.size(name) for name in names) / 1024
    rss = (
        f"{peak_rss_mb():.0f} MB (process was {rss_before:.0f} MB before)"
        if can_reset
        else "n/a (cannot reset VmHWM here)"
    )
    print(
        f"run {run}: upload path {total_wall:.2f} s wall / {total_cpu:.2f} s CPU "
        f"= intake {intake_wall:.2f} s ({intake_cpu:.2f} CPU) "
        f"+ {len(names)} renditions "
        f"{total_wall - intake_wall:.2f} s ({total_cpu - intake_cpu:.2f} CPU); "
        f"master {image.width}×{image.height}, renditions {kept_kb:.0f} KB; "
        f"peak RSS {rss}; "
        f"Python allocations peak {python_peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
