"""Files in Bot API calls: uploads, reuse by file_id, and getFile."""

from __future__ import annotations

import mimetypes

from sandbox.botapi.registry import Call, bot_method
from sandbox.errors import FILE_UNAVAILABLE, bad_request, entity_too_large
from sandbox.files import MAX_DOWNLOAD_SIZE, MAX_UPLOAD_SIZE, StoreFull
from sandbox.images import image_mime
from sandbox.model import StoredFile
from sandbox.objects import file_json
from sandbox.params import Args, UploadedFile
from sandbox.state import SandboxState

_KIND_DIRS = {
    "photo": "photos",
    "document": "documents",
    "sticker": "stickers",
    "video": "videos",
}


def check_uploads(state: SandboxState, args: Args) -> None:
    """Refuses a request before it runs when one of its uploads is over Telegram's 50 MB, or
    when storing them all would exceed the sandbox's cap (so an album is stored whole or not
    at all)."""
    sizes = [len(upload.data) for upload in args.files.values()]
    if any(size > MAX_UPLOAD_SIZE for size in sizes) or not state.files.has_room(sum(sizes)):
        raise entity_too_large()


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
    try:
        return call.state.files.add(
            upload.data,
            _KIND_DIRS[kind],
            owner=call.bot.id,
            mime_type=_mime_for(kind, upload),
            file_name=file_name,
        )
    except StoreFull:
        raise entity_too_large() from None


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
        if call.bot.id not in existing.bot_ids:
            # A well-formed file_id of another bot: Telegram cannot find it for this one.
            raise bad_request(FILE_UNAVAILABLE)
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
    stored = call.state.files.for_bot(file_id, call.bot.id)
    if stored is None:
        raise bad_request(FILE_UNAVAILABLE)
    if len(stored.data) > MAX_DOWNLOAD_SIZE:
        raise bad_request("file is too big")
    return file_json(stored)
