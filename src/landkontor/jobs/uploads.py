"""Reading an uploaded import file within the size limit (API and web interface)."""

from __future__ import annotations

from typing import Any

from landkontor.jobs.context import JobFileData
from landkontor.jobs.errors import FileTooLarge

UPLOAD_CHUNK = 1024 * 1024


async def read_upload(upload: Any, limit: int) -> JobFileData:
    """The uploaded file (a Starlette UploadFile) as job input; FileTooLarge (413) naming
    the field ``file`` as soon as it exceeds ``limit`` bytes."""
    data = bytearray()
    while chunk := await upload.read(UPLOAD_CHUNK):
        data += chunk
        if len(data) > limit:
            raise FileTooLarge(f"the file is larger than {limit} bytes", field="file")
    return JobFileData(
        filename=(upload.filename or "upload").rsplit("/", 1)[-1][:255],
        content_type=upload.content_type or "application/octet-stream",
        content=bytes(data),
    )
