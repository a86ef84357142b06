"""Copy the documents bucket to a tar stream and back (scripts/backup.sh, scripts/restore.sh).

    python scripts/bucket_archive.py dump  > documents.tar     every object, then a manifest
    python scripts/bucket_archive.py load  < documents.tar     upload them, verify, report
    python scripts/bucket_archive.py load --prune < ...        and delete objects not in it
    python scripts/bucket_archive.py manifest                  key, size, MD5, type per object

It reads the application's own variables (AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL,
AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); BACKUP_S3_ENDPOINT_URL, if set,
replaces the endpoint (inside docker compose, http://minio:9000 rather than the public files
host). A stream, not a folder, so that it runs the same on the host and in a container
(`docker compose run -T web python scripts/bucket_archive.py dump > ...`), and so that the
caller can encrypt it on the way to disk: nothing readable is written here.

The tar holds `objects/<key>` members (PAX format: any key length, UTF-8), each with its
content type in a PAX header, then `manifest.json` (key, size, MD5, content type). `load`
checks every object against the manifest and exits non-zero on any difference.

No Django import: the script needs boto3 only and runs whatever state the settings are in.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import tarfile
import time
from typing import IO, Any

MANIFEST = "manifest.json"
PREFIX = "objects/"
TYPE_HEADER = "TAPIF.content_type"


def client_and_bucket() -> tuple[Any, str]:
    import boto3
    from botocore.config import Config

    bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not bucket:
        sys.exit("AWS_STORAGE_BUCKET_NAME is not set: there is no bucket to copy.")
    endpoint = (
        os.environ.get("BACKUP_S3_ENDPOINT_URL") or os.environ.get("AWS_S3_ENDPOINT_URL") or None
    )
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=os.environ.get("AWS_S3_REGION_NAME") or None,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID") or None,
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
        config=Config(
            s3={"addressing_style": "path"},
            signature_version="s3v4",
            retries={"max_attempts": 5, "mode": "standard"},
        ),
    )
    return client, bucket


def keys(client: Any, bucket: str) -> list[str]:
    found = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        found.extend(item["Key"] for item in page.get("Contents", []))
    return sorted(found)


class HashingReader(io.RawIOBase):
    """Reads through a body while computing its MD5 (tarfile reads exactly `size` bytes)."""

    def __init__(self, body: IO[bytes]):
        self.body = body
        self.md5 = hashlib.md5()  # noqa: S324  # a checksum, as S3's own ETag, not a signature

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.body.read(len(buffer))
        self.md5.update(data)
        buffer[: len(data)] = data
        return len(data)


def dump(out: IO[bytes]) -> int:
    client, bucket = client_and_bucket()
    manifest = []
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for key in keys(client, bucket):
            response = client.get_object(Bucket=bucket, Key=key)
            content_type = response.get("ContentType") or "application/octet-stream"
            info = tarfile.TarInfo(PREFIX + key)
            info.size = response["ContentLength"]
            info.mtime = int(response["LastModified"].timestamp())
            info.mode = 0o600
            info.pax_headers = {TYPE_HEADER: content_type}
            reader = HashingReader(response["Body"])
            tar.addfile(info, reader)
            manifest.append(
                {
                    "key": key,
                    "size": info.size,
                    "md5": reader.md5.hexdigest(),
                    "content_type": content_type,
                }
            )
        data = json.dumps({"bucket": bucket, "objects": manifest}, indent=1).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
        tar.addfile(info, io.BytesIO(data))
    total = sum(item["size"] for item in manifest)
    print(f"Bucket {bucket}: {len(manifest)} objects, {total} bytes.", file=sys.stderr)
    return 0


def load(source: IO[bytes], *, prune: bool) -> int:
    client, bucket = client_and_bucket()
    uploaded: dict[str, dict[str, Any]] = {}
    manifest = None
    with tarfile.open(fileobj=source, mode="r|") as tar:
        for info in tar:
            handle = tar.extractfile(info)
            if handle is None:
                continue
            if info.name == MANIFEST:
                manifest = json.loads(handle.read())
                continue
            if not info.name.startswith(PREFIX):
                sys.exit(f"Unexpected member in the archive: {info.name!r}")
            key = info.name[len(PREFIX) :]
            data = handle.read()
            content_type = info.pax_headers.get(TYPE_HEADER, "application/octet-stream")
            client.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)
            uploaded[key] = {
                "size": len(data),
                "md5": hashlib.md5(data).hexdigest(),  # noqa: S324  # a checksum
                "content_type": content_type,
            }
    if manifest is None:
        sys.exit("The archive has no manifest: it is truncated or not a bucket archive.")
    problems = []
    expected = {item["key"]: item for item in manifest["objects"]}
    for key in sorted(expected.keys() - uploaded.keys()):
        problems.append(f"missing from the archive: {key}")
    for key in sorted(expected.keys() & uploaded.keys()):
        want, got = expected[key], uploaded[key]
        if (want["size"], want["md5"]) != (got["size"], got["md5"]):
            problems.append(f"differs from the manifest: {key}")
    extra = sorted(set(keys(client, bucket)) - expected.keys())
    if extra and prune:
        for start in range(0, len(extra), 1000):
            client.delete_objects(
                Bucket=bucket,
                Delete={"Objects": [{"Key": key} for key in extra[start : start + 1000]]},
            )
        print(f"Deleted {len(extra)} objects that the backup did not have.", file=sys.stderr)
    elif extra:
        print(
            f"{len(extra)} objects in {bucket} are not in the backup (added since?); kept. "
            "Run with --prune to delete them.",
            file=sys.stderr,
        )
    for problem in problems:
        print(problem, file=sys.stderr)
    print(
        f"Bucket {bucket}: {len(uploaded)} objects restored from a backup of "
        f"{manifest['bucket']} ({len(expected)} in its manifest), "
        f"{len(problems)} problem(s).",
        file=sys.stderr,
    )
    return 1 if problems else 0


def print_manifest(out: IO[str]) -> int:
    """Each object's key, size, MD5 and content type, one per line, sorted (for comparisons)."""
    client, bucket = client_and_bucket()
    for key in keys(client, bucket):
        response = client.get_object(Bucket=bucket, Key=key)
        digest = hashlib.md5(response["Body"].read()).hexdigest()  # noqa: S324  # a checksum
        out.write(f"{key}\t{response['ContentLength']}\t{digest}\t{response.get('ContentType')}\n")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dump", help="write the bucket as a tar stream to stdout")
    loading = commands.add_parser("load", help="upload a tar stream from stdin into the bucket")
    loading.add_argument(
        "--prune", action="store_true", help="delete objects of the bucket that are not in it"
    )
    commands.add_parser("manifest", help="print key, size, MD5 and type of every object")
    arguments = parser.parse_args()
    if arguments.command == "dump":
        if sys.stdout.isatty():
            sys.exit("Refusing to write a tar stream to a terminal: redirect it.")
        return dump(sys.stdout.buffer)
    if arguments.command == "load":
        return load(sys.stdin.buffer, prune=arguments.prune)
    return print_manifest(sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
