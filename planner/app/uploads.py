"""Uploaded study files: checked, stored under safe names, and read as a study.

A web upload is untrusted bytes with an untrusted name. :func:`store_uploads` checks each
file's size and type, looks inside zips (path traversal, zip bombs) before anything reads
them, and writes them under planner's own names (``communities.zip``...) into a folder named
by the content hash, so the same files always map to the same folder and cache key and no
user-supplied path is ever used. :func:`load_uploaded_study` then reads them with
:func:`planner.load_study`.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from planner.errors import InputError, PlannerError
from planner.ingest import files as planner_io
from planner.ingest.study import Study, load_study
from planner.rules.model import Rulebook, load_rulebook

#: largest uploaded file (MB); Streamlit's server.maxUploadSize says the same. ``planner app
#: --max-upload MB`` raises both (through PLANNER_MAX_UPLOAD_MB)
MAX_UPLOAD_MB = int(os.environ.get("PLANNER_MAX_UPLOAD_MB") or 100)
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
#: zips: largest total expansion and expansion ratio accepted before reading
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_ZIP_MEMBERS = 1000

UPLOAD_LAYERS = ("study", "communities", "facilities", "streets", "cells")
ALLOWED = {
    "study": {".gpkg"},
    "communities": planner_io.VECTOR_SUFFIXES | planner_io.TABLE_SUFFIXES,
    "facilities": planner_io.VECTOR_SUFFIXES | planner_io.TABLE_SUFFIXES,
    "cells": planner_io.VECTOR_SUFFIXES | planner_io.TABLE_SUFFIXES,
    "streets": planner_io.VECTOR_SUFFIXES | planner_io.OSM_SUFFIXES,
    "rules": {".toml"},
}


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name the browser sent and its bytes."""

    name: str
    data: bytes


def _suffix(name: str) -> str:
    base = PureWindowsPath(PurePosixPath(name).name).name  # no directories, either style
    suffix = Path(base).suffix.lower()
    if base.lower().endswith(".osm.pbf"):
        return ".pbf"
    return suffix


def check_upload(kind: str, upload: Upload) -> str:
    """Check one upload and return its file suffix; raises :class:`InputError`."""
    if kind not in ALLOWED:
        raise InputError(f"unknown upload slot '{kind}'")
    size = len(upload.data)
    if size == 0:
        raise InputError("the file is empty", file=upload.name)
    if size > MAX_UPLOAD_BYTES:
        raise InputError(
            f"the file is {size / 1024 / 1024:,.0f} MB; the limit is {MAX_UPLOAD_MB} MB per file. "
            "Clip it to the district, or drop layers and columns you do not need",
            file=upload.name,
        )
    suffix = _suffix(upload.name)
    if suffix in {".shp", ".shx", ".dbf", ".prj"}:
        raise InputError(
            "a Shapefile is several files: upload them together as one .zip (.shp, .shx, .dbf and .prj)",
            file=upload.name,
        )
    if suffix not in ALLOWED[kind]:
        allowed = ", ".join(sorted(ALLOWED[kind]))
        raise InputError(
            f"'{suffix or 'no extension'}' files cannot be used here; use one of {allowed}", file=upload.name
        )
    if suffix == ".zip":
        check_zip(upload)
    if suffix == ".gpkg" and not upload.data.startswith(b"SQLite format 3\x00"):
        raise InputError("not a GeoPackage (the file is not an SQLite database)", file=upload.name)
    return suffix


def check_zip(upload: Upload) -> None:
    """Refuse zips with unsafe member paths, too many members, or a suspicious expansion."""
    try:
        with zipfile.ZipFile(io.BytesIO(upload.data)) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise InputError("not a valid zip archive", file=upload.name) from exc
    if len(infos) > MAX_ZIP_MEMBERS:
        raise InputError(f"the zip holds {len(infos)} files; at most {MAX_ZIP_MEMBERS} are accepted", file=upload.name)
    total = 0
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or ":" in name:
            raise InputError(f"zip member '{name}' has an unsafe path; refusing the archive", file=upload.name)
        total += info.file_size
        if info.file_size > 1_000_000 and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise InputError(
                f"zip member '{name}' expands {info.file_size / max(info.compress_size, 1):,.0f} times; "
                "refusing a possible zip bomb",
                file=upload.name,
            )
    if total > MAX_UNZIPPED_BYTES:
        raise InputError(
            f"the zip expands to {total / 1024**3:.1f} GB; the limit is {MAX_UNZIPPED_BYTES / 1024**3:.0f} GB",
            file=upload.name,
        )


def uploads_key(uploads: Mapping[str, Upload | None], *extra: object) -> str:
    """A hash of the uploads' contents (and of ``extra`` settings), for folders and caches."""
    h = hashlib.sha256()
    for kind in sorted(uploads):
        up = uploads[kind]
        if up is None:
            continue
        h.update(kind.encode())
        h.update(_suffix(up.name).encode())
        h.update(hashlib.sha256(up.data).digest())
    for value in extra:
        h.update(repr(value).encode())
    return h.hexdigest()[:20]


def store_uploads(uploads: Mapping[str, Upload | None], root: str | Path | None = None) -> dict[str, Path]:
    """Check the uploads and write them under planner's names into a content-addressed folder.

    Returns
    -------
    dict
        Upload slot → stored path.
    """
    present = {k: v for k, v in uploads.items() if v is not None}
    suffixes = {k: check_upload(k, v) for k, v in present.items()}
    base = Path(root) if root is not None else Path(tempfile.gettempdir()) / "planner-uploads"
    folder = base / uploads_key(present)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for kind, up in present.items():
        path = folder / f"{kind}{suffixes[kind]}"
        if not path.exists() or path.stat().st_size != len(up.data):
            tmp = path.with_name(f".{path.name}.part")
            tmp.write_bytes(up.data)
            tmp.replace(path)
        out[kind] = path
    return out


def load_uploaded_study(
    uploads: Mapping[str, Upload | None],
    *,
    input_crs: str | Sequence[str] | None = None,
    rules: Upload | None = None,
    root: str | Path | None = None,
) -> Study:
    """Read a study from uploads: a GeoPackage (slot ``study``) and/or files per layer.

    ``input_crs`` is passed to :func:`planner.load_study`: a default for layers without a
    CRS and/or ``LAYER=CRS`` values, one per uploaded layer whose coordinates the user states.
    """
    present = {k: v for k, v in uploads.items() if v is not None}
    if "study" not in present and not {"communities", "facilities"} <= set(present):
        raise InputError("upload a GeoPackage with the layers, or at least a communities and a facilities file")
    slots = dict(present)
    if rules is not None:
        slots["rules"] = rules
    paths = store_uploads(slots, root)
    name = Path(present["study"].name).stem if "study" in present else Path(present["communities"].name).stem
    try:
        book: Rulebook = load_rulebook(paths["rules"]) if "rules" in paths else load_rulebook()
        return load_study(
            paths.get("study"),
            communities=paths.get("communities"),
            facilities=paths.get("facilities"),
            streets=paths.get("streets"),
            cells=paths.get("cells"),
            input_crs=input_crs,
            rules=book,
            name=name,
        )
    except PlannerError as exc:
        # name the user's files, not the stored copies
        message = str(exc)
        for kind, path in sorted(paths.items(), key=lambda kv: -len(str(kv[1]))):
            message = message.replace(str(path), slots[kind].name)
        raise _same_kind(exc, message) from exc


def _same_kind(exc: PlannerError, message: str) -> PlannerError:
    try:
        return type(exc)(message)
    except TypeError:
        return PlannerError(message)
