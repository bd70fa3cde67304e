"""Mounted e-readers: find them, and choose the edition and folder each reads.

How a book is copied onto one safely is builder.send.copy.
"""

from __future__ import annotations

import glob
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from builder.editions import EDITIONS, Edition
from builder.errors import DeviceError, UsageError

MOUNTS_VARIABLE = "FICPRESS_MOUNTS"
"""os.pathsep-separated glob patterns of mount points, replacing the platform's defaults."""
LINUX_MOUNTS = ("/media/*/*", "/run/media/*/*", "/media/*")
MACOS_MOUNTS = ("/Volumes/*",)
# A, B are floppy letters and C the system disk: a reader is never there.
WINDOWS_DRIVES = "DEFGHIJKLMNOPQRSTUVWXYZ"
ZIP_EDITIONS = frozenset({"epub", "kepub"})


@dataclass(frozen=True, slots=True)
class Kind:
    """A family of e-readers: how it is recognised by name, what it reads and where."""

    name: str
    label: str
    edition: str
    """The format it gets (a key of EDITIONS)."""
    folder: str
    """Where its library looks, relative to the device's root ("" is the root)."""


KOBO = Kind("kobo", "Kobo", "kepub", "")
KINDLE = Kind("kindle", "Kindle", "azw3", "documents")
POCKETBOOK = Kind("pocketbook", "PocketBook", "epub", "Books")
GENERIC = Kind("generic", "e-reader folder", "epub", "")
KINDS = {kind.name: kind for kind in (KOBO, KINDLE, POCKETBOOK, GENERIC)}


@dataclass(frozen=True, slots=True)
class Device:
    """An e-reader (or a plain folder) that books can be copied to."""

    kind: Kind
    root: Path


def child(folder: Path, name: str) -> Path | None:
    """`folder/name` if it exists, matched without regard to case: readers are FAT disks,
    and on a case-sensitive mount (or in tests) `Books` and `books` must still match."""
    direct = folder / name
    if direct.exists():
        return direct
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.lower() == name.lower():
                    return folder / entry.name
    except OSError:
        return None
    return None


def _has_folder(root: Path, relative: str) -> bool:
    folder: Path | None = root
    for part in relative.split("/"):
        folder = child(folder, part) if folder is not None else None
    return folder is not None and folder.is_dir()


def classify(root: Path) -> Kind | None:
    """The kind of e-reader mounted at `root`, from its marker folders, or None."""
    if _has_folder(root, ".kobo"):
        return KOBO
    # PocketBook also has system/; its library database folder tells it from a Kindle.
    if _has_folder(root, "system/explorer-3") or _has_folder(root, "system/explorer"):
        return POCKETBOOK
    if _has_folder(root, "system") and _has_folder(root, "documents"):
        return KINDLE
    if _has_folder(root, "system") and _has_folder(root, "books"):
        return POCKETBOOK
    return None


def mount_patterns(
    environ: Mapping[str, str] | None = None, platform: str = sys.platform
) -> list[str]:
    """Where e-readers get mounted on this system (or where FICPRESS_MOUNTS says)."""
    environ = os.environ if environ is None else environ
    configured = environ.get(MOUNTS_VARIABLE)
    if configured:
        return [pattern for pattern in configured.split(os.pathsep) if pattern]
    if platform == "darwin":
        return list(MACOS_MOUNTS)
    if platform == "win32":
        return [f"{letter}:\\" for letter in WINDOWS_DRIVES]
    return list(LINUX_MOUNTS)


def find(patterns: Sequence[str] | None = None) -> list[Device]:
    """The e-readers mounted now, in the order of their mount points."""
    found: list[Device] = []
    seen: set[Path] = set()
    for pattern in mount_patterns() if patterns is None else patterns:
        for name in sorted(glob.glob(pattern)):
            root = Path(name)
            try:
                if not root.is_dir() or root.resolve() in seen:
                    continue
                seen.add(root.resolve())
            except OSError:  # a stale or unreadable mount: not a reader we can use
                continue
            kind = classify(root)
            if kind is not None:
                found.append(Device(kind, root))
    return found


def only(devices: Sequence[Device], patterns: Sequence[str]) -> Device:
    """The one connected e-reader (`--device auto`), or an error saying what to do."""
    if not devices:
        raise DeviceError(
            f"no e-reader found in {', '.join(patterns)}; connect one and choose "
            "'Connect' on its screen, or name its folder with --to DIR"
        )
    if len(devices) > 1:
        listed = ", ".join(f"{device.kind.label} at {device.root}" for device in devices)
        raise DeviceError(
            f"{len(devices)} e-readers are connected ({listed}); choose one with --to"
        )
    return devices[0]


def at(path: Path) -> Device:
    """The device whose folder was named with `--to`: a recognised reader's root, or else a
    plain folder that gets an EPUB."""
    if not path.is_dir():
        raise DeviceError("no such folder (is the e-reader connected and mounted?)", path=path)
    return Device(classify(path) or GENERIC, path)


def edition_name(device: Device, requested: str | None = None) -> str | None:
    """The format `device` gets, or None for a Kindle when Calibre (for AZW3) is missing."""
    from builder.editions import azw3

    name = requested or device.kind.edition
    if name == "azw3" and azw3.converter() is None:
        return None
    return name


def kindle_hint() -> str:
    """What to do when a Kindle needs AZW3 and Calibre is not installed."""
    from builder.editions import azw3

    return (
        f"a Kindle over USB reads AZW3, not EPUB. {azw3.INSTALL_HINT} "
        "(ficpress send STORY --kindle-email NAME@kindle.com)"
    )


def edition(device: Device, requested: str | None = None) -> Edition:
    """The edition to put on `device` (`requested` overrides the device's usual format)."""
    if requested is not None and requested not in EDITIONS:
        raise UsageError(f"unknown format {requested!r}; choose from {', '.join(EDITIONS)}")
    name = edition_name(device, requested)
    if name is None:
        raise DeviceError(kindle_hint(), path=device.root)
    return EDITIONS[name]


def folder(device: Device, subfolder: str | None = None) -> Path:
    """The folder on `device` where its library looks (or `subfolder` of its root), created
    when missing. An existing folder of the same name in another case is reused."""
    relative = device.kind.folder if subfolder is None else subfolder
    parts = PurePosixPath(relative.replace("\\", "/")).parts
    if PurePosixPath(relative).is_absolute() or ".." in parts:
        raise UsageError(f"--folder {relative!r}: give a folder inside the device, like Books")
    place = device.root
    for part in parts:
        place = child(place, part) or place / part
    try:
        place.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DeviceError(f"cannot make the folder: {error.strerror}", path=place) from None
    return place


def free_space(path: Path) -> int:
    """Bytes free on the disk that holds `path`."""
    try:
        return shutil.disk_usage(path).free
    except OSError as error:
        raise DeviceError(f"cannot read the free space: {error.strerror}", path=path) from None


def size_text(size: int) -> str:
    """`1536` -> `1.5 KiB`."""
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
