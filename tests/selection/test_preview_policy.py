"""Previews on the review page: framed from our own origin, or from the private bucket's."""

from django.test import override_settings

from selection.views import _preview_policy

S3 = {
    "BACKEND": "storages.backends.s3.S3Storage",
    "OPTIONS": {
        "bucket_name": "tapif-private",
        "endpoint_url": "http://127.0.0.1:9999",
        "access_key": "key",
        "secret_key": "secret",
        "region_name": "us-east-1",
        "querystring_auth": True,
        "addressing_style": "path",
        "signature_version": "s3v4",
    },
}


def test_local_files_need_no_extra_origin(settings, tmp_path):
    local = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path), "base_url": None},
    }
    with override_settings(STORAGES={**settings.STORAGES, "default": local}):
        assert _preview_policy() is None


def test_on_s3_the_bucket_origin_may_be_framed_and_shown(settings):
    with override_settings(STORAGES={**settings.STORAGES, "default": S3}):
        policy = _preview_policy()

    assert policy["frame-src"] == ["'self'", "http://127.0.0.1:9999"]
    assert policy["img-src"] == ["'self'", "data:", "http://127.0.0.1:9999"]
    assert policy["frame-ancestors"] == ["'none'"]  # the page itself is never framed
