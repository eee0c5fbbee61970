"""Documents <-> models for the MongoDB playlist collections."""

from __future__ import annotations

from bot.domain.models import Entry, Playlist
from storage.mongo.db import Doc


def playlist_from_doc(doc: Doc) -> Playlist:
    return Playlist(id=doc.pop("_id"), **doc)


def entry_from_doc(doc: Doc) -> Entry:
    return Entry(id=doc.pop("_id"), **doc)


def entry_doc(e: Entry) -> Doc:
    return {"_id": e.id, **e.model_dump(exclude={"id"})}
