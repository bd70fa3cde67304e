"""How a batch of readers scales: one EPUB per reader of the seed story (run by hand).

    python benchmarks/batch.py [--readers 500 1000 5000] [--jobs 0] [--peer-readers 20]

Runs `ficpress build SEED --readers readers.csv -f epub` as a subprocess for each number of
readers (a CSV of distinct names and colours), and prints wall time, EPUBs per second and the
peak resident memory of the whole process tree (sampled every 50 ms): memory should stay flat
as the number of readers grows. The peer, measured in the same run: pandoc building the same
story once per reader, with the reader's name put in the text beforehand, for a sample of
readers (pandoc has no batch mode), as EPUBs per second.

Other work on the machine slows both sides; the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.build import FICPRESS, measure  # noqa: E402

SEED = ROOT / "manuscripts" / "for-her-safety.md"
COLOURS = ("green", "brown", "grey", "hazel", "blue", "amber")


def readers_csv(path: Path, count: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "Y/N", "E/C", "H/C"])
        for number in range(count):
            colour = COLOURS[number % len(COLOURS)]
            writer.writerow([f"r{number}", f"Reader{number}", colour, COLOURS[-1 - number % 6]])
    return path


def peer_rate(pandoc: str, work: Path, count: int, env: dict[str, str]) -> float:
    """pandoc EPUBs per second, one reader at a time (the name substituted first)."""
    text = SEED.read_text(encoding="utf-8")
    started = time.perf_counter()
    for number in range(count):
        story = work / "peer.md"
        story.write_text(text.replace("Y/N", f"Reader{number}"), encoding="utf-8")
        measure([pandoc, str(story), "-o", str(work / "peer.epub")], env)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, nargs="+", default=[500, 1000, 5000])
    parser.add_argument("--jobs", type=int, default=0, help="processes (0: one per core)")
    parser.add_argument("--peer-readers", type=int, default=20)
    arguments = parser.parse_args()
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["FICPRESS_CACHE"] = "off"
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="ficpress-batch-") as temporary:
        work = Path(temporary)
        for count in arguments.readers:
            table = readers_csv(work / f"readers-{count}.csv", count)
            out = work / f"out-{count}"
            command = [*FICPRESS, "build", str(SEED), "--readers", str(table), "-f", "epub"]
            command += ["-o", str(out), "-j", str(arguments.jobs), "-q"]
            seconds, peak = measure(command, env)
            made = len(list(out.glob("*/*.epub")))
            if made != count:
                raise SystemExit(f"{count} readers: {made} EPUBs written")
            rows.append((count, seconds, peak))
            shutil.rmtree(out)
        pandoc = shutil.which("pandoc")
        peer = peer_rate(pandoc, work, arguments.peer_readers, env) if pandoc else None
    load_after = os.getloadavg()
    print(
        f"{dt.date.today()}, {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, -j {arguments.jobs}; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after\n"
    )
    print("| readers | seconds | EPUBs/s | vs pandoc, one at a time | peak memory |")
    print("|---:|---:|---:|---:|---:|")
    for count, seconds, peak in rows:
        rate = count / seconds
        versus = f"{rate / peer:.0f}x" if peer else "—"
        print(f"| {count:,} | {seconds:.1f} | {rate:,.0f} | {versus} | {peak / 2**20:.0f} MiB |")
    if peer:
        print(f"\npandoc: {peer:.1f} EPUBs/s over {arguments.peer_readers} readers.")
    else:
        print("\npandoc is not installed: no peer (apt-get install pandoc)")


if __name__ == "__main__":
    main()
