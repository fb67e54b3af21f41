import io
import random
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.template import Context, Template, TemplateSyntaxError
from easy_thumbnails.files import Thumbnailer
from PIL import Image as PILImage
from PIL import JpegImagePlugin

from authors.models import Author
from images import processing
from images.demo import demo_image
from images.models import Image, PictureNotStored, rendition_names

pytestmark = pytest.mark.django_db

RED, BLUE = (220, 20, 20), (20, 20, 220)


# --- Helpers ---------------------------------------------------------------------


def picture_bytes(fmt="JPEG", size=(64, 48), colour=RED, mode="RGB", **save):
    buffer = io.BytesIO()
    PILImage.new(mode, size, colour).save(buffer, fmt, **save)
    return buffer.getvalue()


def two_tone(size=(400, 200), fmt="JPEG", **save):
    """Left half red, right half blue."""
    picture = PILImage.new("RGB", size, RED)
    picture.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    buffer = io.BytesIO()
    picture.save(buffer, fmt, quality=95, **save)
    return buffer.getvalue()


def noisy_jpeg(size=(300, 300)):
    buffer = io.BytesIO()
    PILImage.effect_noise(size, 80).convert("RGB").save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def png_claiming(width, height):
    """A tiny PNG whose header claims width×height: a decompression bomb."""
    data = picture_bytes("PNG", size=(1, 1))
    ihdr = struct.pack(">II", width, height) + data[24:29]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return data[:16] + ihdr + crc + data[33:]


def upload(data, name="picture.jpg"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def make_image(data=None, **fields):
    fields.setdefault("alt_text", "A red test card")
    return Image.objects.from_upload(upload(data or two_tone((1000, 600))), **fields)


def media_files(settings):
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def open_stored(name):
    with default_storage.open(name, "rb") as stored:
        picture = PILImage.open(io.BytesIO(stored.read()))
        picture.load()
    return picture


def near(colour, expected, tolerance=40):
    return all(
        abs(a - b) <= tolerance for a, b in zip(colour[:3], expected, strict=True)
    )


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def tags(html, name):
    parser = _Tags()
    parser.feed(html)
    return [attrs for tag, attrs in parser.found if tag == name]


def render(template, **context):
    return Template("{% load pictures %}" + template).render(Context(context))


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
    b"<script>alert(1)</script></svg>"
)
BAD_FILES = {
    "svg": (SVG, "logo.png", "SVG drawings are not accepted"),
    "svg with xml prologue": (
        b'<?xml version="1.0"?>\n' + SVG,
        "logo.svg",
        "SVG drawings are not accepted",
    ),
    "text": (b"not a picture at all", "photo.jpg", "not a picture the site accepts"),
    "pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "photo.jpg", "not a picture the site"),
    "bmp": (picture_bytes("BMP"), "photo.bmp", "not a picture the site accepts"),
    "tiff": (picture_bytes("TIFF"), "photo.jpg", "not a picture the site accepts"),
    "truncated jpeg": (noisy_jpeg()[:4000], "photo.jpg", "damaged or incomplete"),
    "decompression bomb": (
        png_claiming(100_000, 100_000),
        "photo.png",
        "too many pixels",
    ),
}


# --- Intake ----------------------------------------------------------------------


class TestIntake:
    @pytest.mark.parametrize(
        ("fmt", "stored_as"),
        [("JPEG", "JPEG"), ("PNG", "PNG"), ("WEBP", "JPEG"), ("AVIF", "JPEG")],
    )
    def test_accepts_formats_judged_by_content_not_name(self, fmt, stored_as):
        clean = processing.prepare_upload(upload(picture_bytes(fmt), "notes.txt"))
        assert clean.format == stored_as
        assert (clean.width, clean.height) == (64, 48)

    def test_accepts_gif_and_stores_its_first_frame_as_png(self):
        frames = [PILImage.new("P", (30, 20), i) for i in (1, 2, 3)]
        buffer = io.BytesIO()
        frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
        clean = processing.prepare_upload(upload(buffer.getvalue(), "anim.gif"))
        assert clean.format == "PNG"
        assert (clean.width, clean.height) == (30, 20)

    @pytest.mark.parametrize("case", BAD_FILES)
    def test_refuses_with_a_clear_message(self, case):
        data, name, message = BAD_FILES[case]
        with pytest.raises(ValidationError, match=message):
            processing.prepare_upload(upload(data, name))

    @pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF", "AVIF"])
    def test_corrupted_files_are_refused_never_crash(self, fmt):
        """Flipped and cut bytes: a form error or a clean picture, no other error."""
        rng = random.Random(fmt)
        valid = picture_bytes(fmt, size=(40, 30))
        refused = 0
        for _ in range(40):
            data = bytearray(valid)
            for _ in range(rng.randint(1, 6)):
                data[rng.randrange(min(len(data), 120))] = rng.randrange(256)
            data = bytes(data[: rng.randint(8, len(data))])
            try:
                processing.prepare_upload(upload(data))
            except ValidationError:
                refused += 1
        assert refused > 10

    def test_refuses_files_over_the_byte_limit(self, settings):
        settings.IMAGES_MAX_UPLOAD_BYTES = 1000
        with pytest.raises(ValidationError, match="the limit is 1000") as caught:
            processing.prepare_upload(upload(noisy_jpeg()))
        assert caught.value.code == "too_large"

    def test_byte_limit_defaults_to_20_mb(self):
        assert processing.max_upload_bytes() == 20 * 1024 * 1024

    def test_refuses_pictures_over_the_pixel_limit_before_decoding(self, settings):
        settings.IMAGES_MAX_PIXELS = 1000
        with pytest.raises(ValidationError, match=r"too many pixels \(64×48\)"):
            processing.prepare_upload(upload(picture_bytes()))

    def test_refuses_an_empty_file(self):
        with pytest.raises(ValidationError, match="empty"):
            processing.prepare_upload(upload(b""))

    def test_strips_exif_gps_xmp_and_comments(self):
        exif = PILImage.Exif()
        exif[0x010F] = "SpyCam"  # camera make
        exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
        xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SECRET-XMP</x:xmpmeta>'
        data = picture_bytes(exif=exif, xmp=xmp, comment=b"SECRET-COMMENT")
        assert PILImage.open(io.BytesIO(data)).getexif().get_ifd(0x8825)

        stored = processing.prepare_upload(upload(data)).content.read()

        cleaned = PILImage.open(io.BytesIO(stored))
        assert not cleaned.getexif()
        assert not {"exif", "xmp", "comment"} & set(cleaned.info)
        for secret in (b"Exif\x00\x00", b"SpyCam", b"SECRET-XMP", b"SECRET-COMMENT"):
            assert secret not in stored

    def test_strips_png_text_chunks(self):
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("Comment", "SECRET-TEXT")
        stored = processing.prepare_upload(
            upload(picture_bytes("PNG", pnginfo=info))
        ).content.read()
        assert b"SECRET-TEXT" not in stored

    def test_applies_exif_orientation_so_the_picture_stays_upright(self):
        exif = PILImage.Exif()
        exif[0x0112] = 6  # stored on its side: rotate 90° clockwise to display
        clean = processing.prepare_upload(upload(two_tone((40, 20), exif=exif)))
        picture = PILImage.open(clean.content)
        assert picture.size == (20, 40) == (clean.width, clean.height)
        assert near(picture.getpixel((10, 3)), RED)  # the left half is now on top
        assert near(picture.getpixel((10, 36)), BLUE)

    @pytest.mark.parametrize(
        ("mode", "fmt"),
        [("L", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("I;16", "PNG"), ("CMYK", "JPEG")],
    )
    def test_converts_unusual_modes(self, mode, fmt):
        colour = 40000 if mode == "I;16" else None
        data = picture_bytes(fmt, mode=mode, colour=colour or 0)
        picture = PILImage.open(processing.prepare_upload(upload(data)).content)
        assert picture.mode in ("RGB", "RGBA", "L", "LA")

    def test_16_bit_greyscale_is_scaled_not_clipped(self):
        data = picture_bytes("PNG", mode="I;16", colour=32768)
        picture = PILImage.open(processing.prepare_upload(upload(data)).content)
        assert picture.getpixel((0, 0)) == 128

    def test_caps_the_long_side_of_the_stored_master(self, settings):
        settings.IMAGES_MAX_SIDE = 500
        clean = processing.prepare_upload(upload(two_tone((2000, 1000))))
        assert (clean.width, clean.height) == (500, 250)

    def test_big_jpeg_is_decoded_at_reduced_scale(self, settings):
        settings.IMAGES_MAX_SIDE = 500
        jpeg = JpegImagePlugin.JpegImageFile
        with mock.patch.object(
            jpeg, "draft", autospec=True, side_effect=jpeg.draft
        ) as draft:
            processing.prepare_upload(upload(two_tone((2000, 1000))))
        assert draft.call_args.args[1:] == ("RGB", (500, 250))

    def test_upload_path_from_the_client_never_reaches_storage(self):
        image = Image.objects.from_upload(
            upload(two_tone(), "../../etc/passwd.jpg"), alt_text="x"
        )
        name = image.file.name
        assert name.startswith("images/") and ".." not in name
        assert "passwd" not in name and name.endswith(".jpg")

    def test_from_upload_requires_alt_text_and_stores_nothing_without(self, settings):
        with pytest.raises(ValidationError, match="alt_text"):
            Image.objects.from_upload(upload(two_tone()), alt_text="")
        assert media_files(settings) == []
        assert not Image.objects.exists()


# --- Renditions ------------------------------------------------------------------


class TestRenditions:
    def test_every_shape_and_format_is_made_and_kept_in_storage(self):
        image = make_image()
        expected = {
            "original": [(480, 288), (800, 480), (1000, 600)],
            "16:9": [(480, 270), (800, 450), (1000, 562)],
            "1:1": [(160, 160), (320, 320), (600, 600)],
            "2:3": [(240, 360), (400, 600)],
        }
        for shape, sizes in expected.items():
            for fmt, pil_format in (("webp", "WEBP"), ("jpeg", "JPEG")):
                kept = image.renditions["sets"][shape][fmt]
                assert [(w, h) for w, h, _name in kept] == sizes, (shape, fmt)
                for width, height, name in kept:
                    stored = open_stored(name)
                    assert stored.format == pil_format
                    assert stored.size == (width, height)

    def test_records_the_master_size(self):
        image = make_image(two_tone((900, 500)))
        image.refresh_from_db()
        assert (image.width, image.height) == (900, 500)

    def test_small_pictures_are_never_upscaled(self):
        image = make_image(two_tone((300, 200)))
        for formats in image.renditions["sets"].values():
            for width, height, _name in formats["webp"]:
                assert width <= 300 and height <= 200

    def test_second_save_makes_nothing_again(self):
        image = make_image()
        before = rendition_names(image.renditions)
        with mock.patch.object(
            Thumbnailer, "generate_thumbnail", autospec=True
        ) as generate:
            image.caption = "Changed caption"
            image.save()
            image.renditions = {}  # even a lost record finds the kept files
            image.save()
        assert generate.call_count == 0
        assert rendition_names(image.renditions) == before

    def test_rendering_twice_creates_no_files(self, settings):
        image = make_image()
        files = media_files(settings)
        for _ in range(2):
            render('{% picture image shape="16:9" %}', image=image)
        assert media_files(settings) == files

    @pytest.mark.parametrize(("focal_x", "colour"), [(0.0, RED), (1.0, BLUE)])
    def test_crops_keep_the_focal_point_in_view(self, focal_x, colour):
        image = make_image(two_tone((1000, 500)), focal_x=focal_x, focal_y=0.5)
        for shape in ("1:1", "2:3"):
            _w, _h, name = image.rendition_set(shape, "jpeg")[-1]
            picture = open_stored(name)
            for x in (5, picture.width // 2, picture.width - 5):
                assert near(picture.getpixel((x, picture.height // 2)), colour)

    def test_moving_the_focal_point_remakes_crops_and_drops_old_ones(
        self, django_capture_on_commit_callbacks
    ):
        image = make_image()
        old_crops = {n for _w, _h, n in image.rendition_set("1:1", "webp")}
        uncropped = rendition_names(
            {"sets": {"o": image.renditions["sets"]["original"]}}
        )
        with django_capture_on_commit_callbacks(execute=True):
            image.focal_x = 0.1
            image.save()
        new_names = rendition_names(image.renditions)
        assert uncropped <= new_names  # the uncropped ones are simply found again
        assert not old_crops & new_names
        assert not any(default_storage.exists(name) for name in old_crops)
        assert all(default_storage.exists(name) for name in new_names)

    def test_transparency_kept_in_webp_and_flattened_on_white_in_jpeg(self):
        picture = PILImage.new("RGBA", (600, 400), (0, 0, 0, 0))
        picture.paste((20, 20, 220, 255), (300, 0, 600, 400))
        buffer = io.BytesIO()
        picture.save(buffer, "PNG")
        image = make_image(buffer.getvalue())
        webp = open_stored(image.rendition_set(None, "webp")[-1][2])
        jpeg = open_stored(image.rendition_set(None, "jpeg")[-1][2])
        assert webp.mode == "RGBA" and webp.getpixel((10, 10))[3] == 0
        assert near(jpeg.getpixel((10, 10)), (255, 255, 255))
        assert near(jpeg.getpixel((jpeg.width - 10, 10)), (20, 20, 220))

    def test_replacing_the_file_drops_the_old_master_and_renditions(
        self, django_capture_on_commit_callbacks
    ):
        image = make_image()
        old_master, old_names = image.file.name, rendition_names(image.renditions)
        with django_capture_on_commit_callbacks(execute=True):
            image.file = processing.prepare_upload(upload(two_tone((700, 700)))).content
            image.save()
        assert (image.width, image.height) == (700, 700)
        assert not default_storage.exists(old_master)
        assert not any(default_storage.exists(name) for name in old_names)
        assert all(default_storage.exists(n) for n in rendition_names(image.renditions))

    def test_deleting_a_picture_deletes_its_files(
        self, settings, django_capture_on_commit_callbacks
    ):
        image = make_image()
        assert media_files(settings)
        with django_capture_on_commit_callbacks(execute=True):
            image.delete()
        assert media_files(settings) == []

    def test_everything_goes_through_the_storage_api(self, settings):
        """Any Django storage works (S3 by configuration): here one in memory."""
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        }
        image = make_image()
        assert media_files(settings) == []
        assert default_storage.exists(image.file.name)
        for name in rendition_names(image.renditions):
            assert default_storage.exists(name)
        with mock.patch.object(Thumbnailer, "generate_thumbnail") as generate:
            image.renditions = {}
            image.save()  # remote storage: easy-thumbnails' records say it's kept
        assert generate.call_count == 0
        (source,) = tags(render("{% picture image %}", image=image), "source")
        assert source["srcset"].count("/media/images/") == 3

    def test_rendition_url_gives_the_kept_jpeg_at_least_that_wide(self):
        image = make_image()
        url = image.rendition_url(1200, shape="16:9")  # Open Graph
        assert url.endswith(".jpg")
        assert url == default_storage.url(image.rendition_set("16:9", "jpeg")[-1][2])
        assert image.rendition(600) == (
            default_storage.url(image.rendition_set(None, "jpeg")[1][2]),
            800,
            480,
        )
        assert image.rendition_url(100, shape="1:1", fmt="webp").endswith(".webp")

    def test_rendition_url_falls_back_to_the_master(self):
        image = make_image()
        Image.objects.filter(pk=image.pk).update(renditions={})
        image.refresh_from_db()
        assert image.rendition_url(1200) == image.file.url

    def test_unknown_shape_is_an_error(self):
        image = make_image()
        with pytest.raises(ValueError, match="Unknown picture shape '4:3'"):
            image.rendition_url(800, shape="4:3")

    def test_an_encoder_failure_on_a_new_upload_stores_nothing(self, caplog):
        with (
            mock.patch.object(
                processing, "make_renditions", side_effect=OSError("disk full")
            ),
            pytest.raises(PictureNotStored, match="disk full"),
        ):
            make_image()
        assert not Image.objects.exists()
        assert "Could not store an uploaded picture" in caplog.text

    def test_an_encoder_failure_on_a_re_save_keeps_the_picture(self, caplog):
        image = make_image()
        kept = image.renditions
        with mock.patch.object(
            processing, "make_renditions", side_effect=OSError("disk full")
        ):
            image.focal_x = 0.3
            image.save()
        image.refresh_from_db()
        assert image.focal_x == 0.3 and image.renditions == kept
        assert "Could not make the renditions" in caplog.text

    def test_a_master_missing_from_storage_does_not_break_a_save(
        self, caplog, django_capture_on_commit_callbacks
    ):
        image = make_image()
        kept = image.renditions
        default_storage.delete(image.file.name)
        with django_capture_on_commit_callbacks(execute=True):
            image.focal_x = 0.2
            image.save()
        image.refresh_from_db()
        assert image.focal_x == 0.2
        assert image.renditions == kept  # still pictures of this same master
        assert all(default_storage.exists(n) for n in rendition_names(kept))
        assert "Could not make the renditions" in caplog.text

    def test_command_makes_missing_renditions(self):
        image = make_image()
        Image.objects.filter(pk=image.pk).update(renditions={})
        out = io.StringIO()
        call_command("make_renditions", stdout=out)
        image.refresh_from_db()
        assert rendition_names(image.renditions)
        assert "1 picture" in out.getvalue()


# --- The {% picture %} tag -------------------------------------------------------


@pytest.fixture
def netflix_picture():
    return make_image(
        alt_text='Nick and Charlie on a bench, "in the rain"',
        caption="Kit Connor and Joe Locke in season two",
        credit="Netflix",
    )


class TestPictureTag:
    def test_figure_with_webp_source_jpeg_fallback_caption_and_credit(
        self, netflix_picture
    ):
        html = render(
            '{% picture image sizes="(min-width: 60rem) 50rem, 100vw" %}',
            image=netflix_picture,
        )
        (source,) = tags(html, "source")
        (img,) = tags(html, "img")
        assert tags(html, "figure") and tags(html, "picture")
        assert source["type"] == "image/webp"
        webp = netflix_picture.rendition_set(None, "webp")
        jpeg = netflix_picture.rendition_set(None, "jpeg")
        assert source["srcset"] == ", ".join(
            f"{default_storage.url(n)} {w}w" for w, _h, n in webp
        )
        assert img["srcset"] == ", ".join(
            f"{default_storage.url(n)} {w}w" for w, _h, n in jpeg
        )
        assert source["sizes"] == img["sizes"] == "(min-width: 60rem) 50rem, 100vw"
        assert (img["width"], img["height"]) == ("1000", "600")
        assert img["alt"] == 'Nick and Charlie on a bench, "in the rain"'
        assert img["loading"] == "lazy" and img["decoding"] == "async"
        assert "fetchpriority" not in img
        assert "<figcaption>" in html
        assert "Kit Connor and Joe Locke in season two" in html
        assert "Image credit: Netflix" in html

    def test_alt_text_is_escaped(self, netflix_picture):
        html = render("{% picture image %}", image=netflix_picture)
        assert 'alt="Nick and Charlie on a bench, &quot;in the rain&quot;"' in html

    @pytest.mark.parametrize(
        ("shape", "size"),
        [("16:9", ("1000", "562")), ("1:1", ("600", "600")), ("2:3", ("400", "600"))],
    )
    def test_shapes_use_their_crops_and_size(self, netflix_picture, shape, size):
        html = render(
            "{% picture image shape=shape %}", image=netflix_picture, shape=shape
        )
        (img,) = tags(html, "img")
        assert (img["width"], img["height"]) == size
        crops = netflix_picture.rendition_set(shape, "webp")
        assert tags(html, "source")[0]["srcset"].endswith(
            f"{default_storage.url(crops[-1][2])} {crops[-1][0]}w"
        )

    def test_hero_loads_at_once_with_high_priority(self, netflix_picture):
        (img,) = tags(
            render("{% picture image hero=True %}", image=netflix_picture), "img"
        )
        assert img["fetchpriority"] == "high"
        assert "loading" not in img

    def test_caption_argument_overrides_the_pictures_own(self, netflix_picture):
        html = render(
            '{% picture image caption="The cast at the premiere" %}',
            image=netflix_picture,
        )
        assert "The cast at the premiere" in html
        assert "Kit Connor and Joe Locke" not in html

    def test_empty_caption_argument_keeps_the_pictures_own(self, netflix_picture):
        html = render('{% picture image caption="" %}', image=netflix_picture)
        assert "Kit Connor and Joe Locke in season two" in html

    def test_credit_is_linked_when_it_has_a_link(self, netflix_picture):
        netflix_picture.credit_url = "https://about.netflix.com/en/newsroom"
        html = render("{% picture image %}", image=netflix_picture)
        assert (
            'Image credit: <a href="https://about.netflix.com/en/newsroom" '
            'rel="noopener">Netflix</a>'
        ) in html

    def test_no_figcaption_without_caption_or_credit(self):
        html = render("{% picture image %}", image=make_image())
        assert tags(html, "figure") and "figcaption" not in html

    def test_figure_false_gives_just_the_picture(self, netflix_picture):
        html = render(
            '{% picture image shape="1:1" figure=False css_class="avatar" %}',
            image=netflix_picture,
        )
        assert not tags(html, "figure") and "figcaption" not in html
        assert tags(html, "picture")[0]["class"] == "picture picture--1x1 avatar"
        assert tags(html, "img")[0]["alt"]

    def test_none_renders_nothing(self):
        assert render("{% picture image %}", image=None).strip() == ""

    def test_unknown_shape_fails_loudly(self, netflix_picture):
        with pytest.raises(TemplateSyntaxError, match="Unknown picture shape"):
            render('{% picture image shape="4:3" %}', image=netflix_picture)

    def test_without_renditions_the_master_shows_at_its_size(self, netflix_picture):
        netflix_picture.renditions = {}
        html = render("{% picture image %}", image=netflix_picture)
        (img,) = tags(html, "img")
        assert img["src"] == netflix_picture.file.url
        assert (img["width"], img["height"]) == ("1000", "600")
        assert not tags(html, "source") and "srcset" not in img

    @pytest.mark.parametrize("count", [1, 20])
    def test_costs_no_query_however_many_pictures(
        self, netflix_picture, count, django_assert_num_queries
    ):
        Image.objects.bulk_create(
            Image(
                file=netflix_picture.file.name,
                alt_text=f"Copy {i}",
                width=netflix_picture.width,
                height=netflix_picture.height,
                renditions=netflix_picture.renditions,
            )
            for i in range(count - 1)
        )
        pictures = list(Image.objects.all())
        assert len(pictures) == count
        template = Template(
            '{% load pictures %}{% for p in pictures %}{% picture p shape="16:9" %}'
            '{% picture p shape="1:1" figure=False %}{% endfor %}'
        )
        with django_assert_num_queries(0):
            html = template.render(Context({"pictures": pictures}))
        assert len(tags(html, "img")) == 2 * count


# --- Admin -----------------------------------------------------------------------

ADD_URL = "/admin/images/image/add/"


def admin_post(admin_client, data, name="picture.jpg", url=ADD_URL, **fields):
    fields.setdefault("alt_text", "Joe Locke at the premiere")
    return admin_client.post(url, {"file": upload(data, name), **fields})


class TestAdmin:
    def test_upload_stores_a_clean_picture_with_renditions(
        self, admin_client, admin_user
    ):
        exif = PILImage.Exif()
        exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}
        response = admin_post(
            admin_client, two_tone((900, 600), exif=exif), credit="Netflix"
        )
        assert response.status_code == 302
        image = Image.objects.get()
        assert image.uploaded_by == admin_user
        assert image.credit == "Netflix"
        assert (image.width, image.height) == (900, 600)
        assert not open_stored(image.file.name).getexif()
        assert all(default_storage.exists(n) for n in rendition_names(image.renditions))

    @pytest.mark.parametrize(
        ("group", "allowed"), [("Writer", True), ("Editor", True), (None, False)]
    )
    def test_writers_and_editors_upload_other_staff_may_not(
        self, client, django_user_model, group, allowed
    ):
        user = django_user_model.objects.create_user("staff", is_staff=True)
        if group:
            user.groups.add(Group.objects.get(name=group))
        client.force_login(user)
        response = admin_post(client, two_tone())
        assert response.status_code == (302 if allowed else 403)
        assert Image.objects.filter(uploaded_by=user).exists() is allowed

    @pytest.mark.parametrize("case", BAD_FILES)
    def test_refusals_show_the_message_and_store_nothing(
        self, admin_client, settings, case
    ):
        data, name, message = BAD_FILES[case]
        response = admin_post(admin_client, data, name)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Image.objects.exists()
        assert media_files(settings) == []

    @pytest.mark.parametrize(
        ("setting", "value", "message"),
        [
            ("IMAGES_MAX_UPLOAD_BYTES", 1000, "the limit is 1000"),
            ("IMAGES_MAX_PIXELS", 1000, "too many pixels"),
        ],
    )
    def test_limits_show_the_message_and_store_nothing(
        self, admin_client, settings, setting, value, message
    ):
        setattr(settings, setting, value)
        response = admin_post(admin_client, noisy_jpeg())
        assert message in response.content.decode()
        assert not Image.objects.exists()
        assert media_files(settings) == []

    def test_alt_text_is_required(self, admin_client, settings):
        response = admin_post(admin_client, two_tone(), alt_text="")
        assert response.status_code == 200
        assert "This field is required" in response.content.decode()
        assert not Image.objects.exists()

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("1.5", "less than or equal to 1"),
            ("-0.1", "greater than or equal to 0"),
            ("left", "Enter a number"),
        ],
    )
    def test_focal_point_out_of_range_is_a_form_error(
        self, admin_client, value, message
    ):
        response = admin_post(admin_client, two_tone(), focal_x=value)
        assert message in response.content.decode()
        assert not Image.objects.exists()

    def test_changelist_shows_thumbnails(self, admin_client, netflix_picture):
        response = admin_client.get("/admin/images/image/")
        thumb = netflix_picture.rendition_url(64, shape="1:1", fmt="webp")
        assert f'src="{thumb}"' in response.content.decode()

    @pytest.mark.parametrize("term", ["season two", "netflix", "bench"])
    def test_search_by_caption_credit_and_alt_text(
        self, admin_client, netflix_picture, term
    ):
        make_image(alt_text="A theatre foyer", caption="Opening night")
        response = admin_client.get("/admin/images/image/", {"q": term})
        assert list(response.context["cl"].result_list) == [netflix_picture]

    def test_changelist_query_count_is_flat(
        self, admin_client, netflix_picture, django_assert_max_num_queries
    ):
        Image.objects.bulk_create(
            Image(
                file=netflix_picture.file.name,
                alt_text=f"Copy {i}",
                renditions=netflix_picture.renditions,
            )
            for i in range(30)
        )
        with django_assert_max_num_queries(8):
            assert admin_client.get("/admin/images/image/").status_code == 200

    def test_change_page_lists_where_the_picture_is_used(
        self, admin_client, netflix_picture
    ):
        author = Author.objects.create(
            name="Lydia Wang", slug="lw", photo=netflix_picture
        )
        url = f"/admin/images/image/{netflix_picture.pk}/change/"
        html = admin_client.get(url).content.decode()
        assert (
            f'href="/admin/authors/author/{author.pk}/change/">Lydia Wang</a>' in html
        )
        assert netflix_picture.usages() == [(Author._meta.verbose_name, author)]

    def test_change_page_preview_picks_the_focal_point(
        self, admin_client, netflix_picture
    ):
        url = f"/admin/images/image/{netflix_picture.pk}/change/"
        html = admin_client.get(url).content.decode()
        assert '<script src="/static/images/focal-point.js"' in html
        (preview,) = [img for img in tags(html, "img") if img.get("width") == "800"]
        assert preview["src"] == netflix_picture.rendition_url(800, fmt="webp")
        assert 'class="focal-point__marker"' in html

    def test_change_page_says_when_unused(self, admin_client, netflix_picture):
        url = f"/admin/images/image/{netflix_picture.pk}/change/"
        assert "Not used anywhere yet." in admin_client.get(url).content.decode()

    def test_editing_text_keeps_the_file(self, admin_client, netflix_picture):
        url = f"/admin/images/image/{netflix_picture.pk}/change/"
        response = admin_client.post(
            url, {"alt_text": "New alt text", "caption": "New caption"}
        )
        assert response.status_code == 302
        netflix_picture.refresh_from_db()
        assert netflix_picture.alt_text == "New alt text"
        assert default_storage.exists(netflix_picture.file.name)

    def test_upload_from_a_related_form_popup(self, admin_client):
        """The "+" next to a picture field on article/show/author forms."""
        url = ADD_URL + "?_popup=1&_to_field=id"
        response = admin_post(
            admin_client, two_tone(), url=url, _popup="1", _to_field="id"
        )
        assert response.status_code == 200
        image = Image.objects.get()
        assert "data-popup-response" in response.content.decode()
        assert f"&quot;value&quot;: &quot;{image.pk}&quot;" in response.content.decode()

    def test_picture_fields_elsewhere_autocomplete_from_the_library(
        self, admin_client, netflix_picture
    ):
        make_image(alt_text="A theatre foyer")
        fields = [
            (model, name)
            for model, model_admin in admin.site._registry.items()
            for name in model_admin.autocomplete_fields
            if model._meta.get_field(name).related_model is Image
        ]
        assert fields, "no admin autocompletes a picture field"
        model, name = fields[0]
        response = admin_client.get(
            "/admin/autocomplete/",
            {
                "app_label": model._meta.app_label,
                "model_name": model._meta.model_name,
                "field_name": name,
                "term": "netflix",
            },
        )
        assert [r["id"] for r in response.json()["results"]] == [
            str(netflix_picture.pk)
        ]

    def test_delete_removes_the_files(
        self,
        admin_client,
        settings,
        netflix_picture,
        django_capture_on_commit_callbacks,
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                f"/admin/images/image/{netflix_picture.pk}/delete/", {"post": "yes"}
            )
        assert response.status_code == 302
        assert media_files(settings) == []


class TestDemoImage:
    def test_goes_through_intake_with_credit_and_renditions_and_is_idempotent(self):
        first = demo_image(
            "Heartstopper", alt_text="Title card", credit="Netflix", size=(800, 450)
        )
        again = demo_image("Heartstopper", alt_text="Title card", credit="Netflix")
        assert first == again and Image.objects.count() == 1
        assert first.credit == "Netflix"
        assert (first.width, first.height) == (800, 450)
        assert first.rendition_set("16:9", "webp")
        assert first.file.name.startswith("images/")


# --- Colour profiles ------------------------------------------------------------


def swapped_primaries_profile():
    """An RGB ICC profile, built from Pillow's sRGB one, whose red primary is sRGB's
    blue and whose blue is sRGB's red: a picture tagged with it that stores pure
    red *is* blue. Unmistakable if a profile is ignored instead of applied."""
    from PIL import ImageCms

    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    (count,) = struct.unpack_from(">I", data, 128)
    entries = {}
    for i in range(count):
        signature, offset, size = struct.unpack_from(">4sII", data, 132 + 12 * i)
        entries[signature] = (132 + 12 * i, offset, size)
    (red_at, *red), (blue_at, *blue) = entries[b"rXYZ"], entries[b"bXYZ"]
    struct.pack_into(">4sII", data, red_at, b"rXYZ", *blue)
    struct.pack_into(">4sII", data, blue_at, b"bXYZ", *red)
    return bytes(data)


class TestColourProfiles:
    """Pictures are stored and rendered in sRGB with no ICC profile: pixels are
    converted once at intake, so every browser and mail client shows the colours the
    uploader saw, and no profile bytes travel with every rendition."""

    @pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
    def test_the_master_is_converted_to_srgb_and_untagged(self, fmt):
        data = picture_bytes(
            fmt, colour=(255, 0, 0), icc_profile=swapped_primaries_profile()
        )
        clean = processing.prepare_upload(upload(data))
        stored = PILImage.open(clean.content)
        assert "icc_profile" not in stored.info
        assert near(stored.getpixel((5, 5)), (0, 0, 255))  # what the profile meant

    def test_every_rendition_is_srgb_without_a_profile(self):
        data = picture_bytes(
            "JPEG",
            size=(600, 400),
            colour=(255, 0, 0),
            icc_profile=swapped_primaries_profile(),
        )
        image = make_image(data)
        names = rendition_names(image.renditions)
        assert names
        for name in names:
            rendition = open_stored(name)
            assert "icc_profile" not in rendition.info, name
            assert near(rendition.getpixel((5, 5)), (0, 0, 255)), name

    def test_an_old_master_with_a_profile_gets_converted_renditions(self):
        """Masters stored before intake converted them still carry their profile;
        their renditions are made from the converted pixels."""
        data = picture_bytes(
            "JPEG", colour=(255, 0, 0), icc_profile=swapped_primaries_profile()
        )
        image = make_image()
        image.file.save("old-master.jpg", io.BytesIO(data), save=False)
        image.save()
        for name in rendition_names(image.renditions):
            rendition = open_stored(name)
            assert "icc_profile" not in rendition.info
            assert near(rendition.getpixel((5, 5)), (0, 0, 255))

    def test_transparency_survives_the_conversion(self):
        data = picture_bytes(
            "PNG",
            mode="RGBA",
            colour=(255, 0, 0, 0),
            icc_profile=swapped_primaries_profile(),
        )
        stored = PILImage.open(processing.prepare_upload(upload(data)).content)
        assert stored.mode == "RGBA"
        assert stored.getpixel((5, 5))[3] == 0
        assert "icc_profile" not in stored.info

    def test_a_broken_profile_is_dropped_not_a_crash(self):
        data = picture_bytes("JPEG", colour=RED, icc_profile=b"not a profile" * 20)
        stored = PILImage.open(processing.prepare_upload(upload(data)).content)
        assert "icc_profile" not in stored.info
        assert near(stored.getpixel((5, 5)), RED)
