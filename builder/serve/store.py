"""The stories readers bring, kept on disk only as long as their downloads need them.

A story is kept under the hash of its manuscript (`<id>/<slug>.md`: the same text is one
entry, and an id says nothing about who brought it), and goes away `keep` seconds after it
was last used, or sooner when more than `most` stories are kept (the least recently used
first). Any process serving the same folder finds the same story (several workers behind one
address). Compiled stories are kept in memory for a few of the most recent. Pages fetched
for readers are cached in the store's `fetched` folder and removed on the same clock.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from builder.editions import write_atomic
from builder.serve.catalog import Story, load

ID = re.compile(r"^[0-9a-f]{32}$")
FETCHED = "fetched"
"""The folder (in the store) where pages fetched for readers are cached."""
COMPILED = 16
"""Compiled stories kept in memory (the rest are compiled again from disk when asked for)."""


class Store:
    """A bounded, expiring folder of manuscripts by content id. Thread-safe."""

    def __init__(
        self, root: Path, keep: float, most: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.root = root
        self.keep = keep
        self.most = most
        self.clock = clock
        root.mkdir(mode=0o700, parents=True, exist_ok=True)  # readers' stories: the server's only
        self._compiled: OrderedDict[str, Story] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, name: str, text: str) -> str:
        """Keep the manuscript `text` (file name `name`, from its title); its id."""
        key = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
        folder = self.root / key
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.md"
        if not path.exists():
            write_atomic(path, text.encode("utf-8"))
        os.utime(folder)
        self.prune()
        return key

    def path(self, key: str) -> Path | None:
        """The manuscript kept as `key`, marked as used; None when there is none (or it
        expired, and is removed now)."""
        if not ID.match(key):
            return None
        folder = self.root / key
        try:
            used = folder.stat().st_mtime
            manuscript = next(folder.glob("*.md"), None)
        except OSError:
            return None
        if manuscript is None or used + self.keep <= self.clock():
            self._remove(key)
            return None
        os.utime(folder)
        return manuscript

    def story(self, key: str) -> Story | None:
        """The compiled story kept as `key` (compiled on first use); None when there is none."""
        path = self.path(key)
        if path is None:
            return None
        with self._lock:
            story = self._compiled.pop(key, None)
            if story is None:
                info = path.stat()
                # Never in the compile cache: a brought story leaves no copy behind.
                story = load(path, (info.st_mtime_ns, info.st_size, info.st_ino), disk=False)
            self._compiled[key] = story
            while len(self._compiled) > COMPILED:
                self._compiled.popitem(last=False)
        return story

    def prune(self) -> None:
        """Remove every expired story, then the least recently used beyond `most`; and pages
        cached in `FETCHED` for longer than a story is kept."""
        kept: list[tuple[float, str]] = []
        try:
            entries = list(os.scandir(self.root))
        except OSError:
            return
        now = self.clock()
        for entry in entries:
            if not ID.match(entry.name):
                continue
            try:
                used = entry.stat().st_mtime
            except OSError:
                continue
            if used + self.keep <= now:
                self._remove(entry.name)
            else:
                kept.append((used, entry.name))
        kept.sort()
        for _, key in kept[: max(0, len(kept) - self.most)]:
            self._remove(key)
        for folder, _, files in os.walk(self.root / FETCHED):
            for name in files:
                with contextlib.suppress(OSError):
                    page = Path(folder) / name
                    if page.stat().st_mtime + self.keep <= now:
                        page.unlink()

    def _remove(self, key: str) -> None:
        with self._lock:
            self._compiled.pop(key, None)
        shutil.rmtree(self.root / key, ignore_errors=True)
