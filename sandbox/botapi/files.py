"""Files in Bot API calls: uploads, reuse by file_id, and getFile."""

from __future__ import annotations

import mimetypes

from sandbox.botapi.registry import Call, bot_method
from sandbox.errors import bad_request
from sandbox.files import MAX_DOWNLOAD_SIZE
from sandbox.images import image_mime
from sandbox.model import StoredFile
from sandbox.objects import file_json
from sandbox.params import UploadedFile

_KIND_DIRS = {
    "photo": "photos",
    "document": "documents",
    "sticker": "stickers",
    "video": "videos",
}


def _mime_for(kind: str, upload: UploadedFile) -> str:
    sniffed = image_mime(upload.data)
    if kind in ("photo", "sticker") and sniffed:
        return sniffed
    declared = upload.content_type
    if declared and declared != "application/octet-stream":
        return declared
    guessed = mimetypes.guess_type(upload.filename or "")[0]
    return guessed or sniffed or "application/octet-stream"


def store_upload(call: Call, upload: UploadedFile, kind: str) -> StoredFile:
    # Telegram keeps a document's or video's name but not a photo's.
    file_name = upload.filename if kind in ("document", "video") else None
    return call.state.files.add(
        upload.data, _KIND_DIRS[kind], mime_type=_mime_for(kind, upload), file_name=file_name
    )


def find_upload(call: Call, value: str) -> UploadedFile | None:
    if value.startswith("attach://"):
        return call.args.files.get(value[len("attach://") :])
    return None


def input_file(call: Call, name: str, kind: str, value: str | None = None) -> StoredFile:
    """The file a send method names: an upload, an attach://name, or an existing file_id."""
    if value is None:
        upload = call.args.files.get(name)
        value = call.args.text(name).strip()
    else:
        upload = None
    upload = upload or find_upload(call, value)
    if upload is not None:
        return store_upload(call, upload, kind)
    if not value or value.startswith("attach://"):
        raise bad_request(f"there is no {kind} in the request")
    existing = call.state.files.get(value)
    if existing is not None:
        return existing
    if "://" in value or "." in value:
        # The sandbox is offline and does not fetch URLs.
        raise bad_request("failed to get HTTP URL content")
    raise bad_request("wrong file identifier/HTTP URL specified")


@bot_method("getFile")
async def get_file(call: Call) -> dict:
    file_id = call.args.text("file_id").strip()
    if not file_id:
        raise bad_request('parameter "file_id" is required')
    stored = call.state.files.get(file_id)
    if stored is None:
        raise bad_request("wrong file_id or the file is temporarily unavailable")
    if len(stored.data) > MAX_DOWNLOAD_SIZE:
        raise bad_request("file is too big")
    return file_json(stored)
