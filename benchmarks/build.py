"""How fast is `ficpress build` next to pandoc? Cold builds, as a user runs them.

    python benchmarks/build.py [--runs 5] [--no-long]

Runs `ficpress build` as a subprocess (a cold process, every import paid) and the peer
alternately, after one warm-up run each, on the seed story and on a generated 100,000-word
manuscript (benchmarks/longstory.py, written to a temporary folder), and prints medians, the
ratio ours/peer against the targets, and peak memory.

The peer: `pandoc` for the EPUB; `pandoc --pdf-engine=weasyprint` for the PDF, given the same
stylesheet (styles/pdf.css with the page preset's size, margins and type size) and the
story's language (so it hyphenates, as we do). Without pandoc on PATH the peer rows are
skipped with a note. Peak memory is the largest sum of resident memory over the build's
whole process tree (our PDF uses worker processes), sampled every 50 ms.

Other work on the machine slows both sides; the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.longstory import generate  # noqa: E402
from builder.editions.pages import page_css, preset  # noqa: E402

SEED = ROOT / "manuscripts" / "for-her-safety.md"
VALUES = ("--set", "Y/N=Alex", "--set", "E/C=green", "--set", "H/C=auburn")
SCRIPT = Path(sys.executable).parent / "ficpress"
FICPRESS = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "builder"]
# The targets (ours/peer) from the issue, by story and build.
TARGETS = {
    ("seed", "both"): 0.9,
    ("seed", "warm"): 0.2,
    ("long", "epub"): 0.3,
    ("long", "pdf"): 0.6,
}
# Builds inside one process, as the site and batch runs do: the same build twice, timed the
# second time.
WARM = """
import sys, time
from pathlib import Path
from builder import pipeline
path, out = Path(sys.argv[1]), Path(sys.argv[2])
values = ["Y/N=Alex", "E/C=green", "H/C=auburn"]
pipeline.build(path, out_dir=out, assignments=values)
times = []
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    pipeline.build(path, out_dir=out, assignments=values)
    times.append(time.perf_counter() - start)
print(" ".join(f"{t:.4f}" for t in times))
"""


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                stack.extend(int(child) for child in children)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time and peak tree memory of one run."""
    peak = 0
    start = time.perf_counter()
    # pandoc's WeasyPrint engine leaves html2pdf* files in its working folder when stopped.
    process = subprocess.Popen(
        command,
        env=env,
        cwd=tempfile.gettempdir(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(process.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{stderr}")
    return elapsed, peak


def runs(commands: dict[str, list[str]], count: int, env: dict[str, str]) -> dict[str, list]:
    """Each command once to warm caches, then `count` rounds, alternating."""
    results: dict[str, list] = {name: [] for name in commands}
    for command in commands.values():
        measure(command, env)
    for _ in range(count):
        for name, command in commands.items():
            results[name].append(measure(command, env))
    return results


def median(samples: list[tuple[float, int]]) -> float:
    return statistics.median(t for t, _ in samples)


def peak(samples: list[tuple[float, int]]) -> float:
    return max(m for _, m in samples) / 2**20


def peer_css(folder: Path, page: str = "6in") -> Path:
    css = (ROOT / "styles" / "pdf.css").read_text(encoding="utf-8")
    fonts = (ROOT / "styles" / "fonts").as_uri()
    path = folder / "peer.css"
    path.write_text(css.replace("url(fonts/", f"url({fonts}/") + page_css(preset(page)))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-long", action="store_true", help="only the seed story")
    arguments = parser.parse_args()
    env = dict(os.environ)
    # A user's installed package has its bytecode cached; so should the benchmark's.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    pandoc = shutil.which("pandoc", path=env["PATH"])
    rows: list[tuple[str, float, float | None, float | None, str]] = []
    # (label, ours, peer, target, memory)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="ficpress-bench-") as temporary:
        work = Path(temporary)
        css = peer_css(work)
        stories = [("seed", "seed (1k words)", SEED)]
        if not arguments.no_long:
            stories.append(("long", "100k words", generate(work / "long")))
        for key, label, story in stories:
            ours = {
                "epub": [*FICPRESS, "build", str(story), "-o", str(work / "o"), "-f", "epub"],
                "pdf": [*FICPRESS, "build", str(story), "-o", str(work / "o"), "-f", "pdf"],
                "both": [*FICPRESS, "build", str(story), "-o", str(work / "o")],
            }
            commands = {name: [*command, *VALUES] for name, command in ours.items()}
            if pandoc:
                commands["peer epub"] = [pandoc, str(story), "-o", str(work / "p.epub")]
                commands["peer pdf"] = [
                    pandoc,
                    str(story),
                    "--pdf-engine=weasyprint",
                    "--css",
                    str(css),
                    "-M",
                    "lang=en",
                    "-o",
                    str(work / "p.pdf"),
                ]
            print(f"measuring {label}: {args_summary(commands)}", file=sys.stderr)
            found = runs(commands, arguments.runs, env)
            peer_epub = median(found["peer epub"]) if pandoc else None
            peer_pdf = median(found["peer pdf"]) if pandoc else None
            both_peer = peer_epub + peer_pdf if pandoc else None  # type: ignore[operator]
            for name, title in (("epub", "EPUB"), ("pdf", "PDF"), ("both", "EPUB + PDF")):
                peer_time = {"epub": peer_epub, "pdf": peer_pdf, "both": both_peer}[name]
                rows.append(
                    (
                        f"{label}: {title}",
                        median(found[name]),
                        peer_time,
                        TARGETS.get((key, name)),
                        f"{peak(found[name]):.0f} MiB",
                    )
                )
            warm = subprocess.run(
                [sys.executable, "-c", WARM, str(story), str(work / "w"), str(arguments.runs)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            rows.append(
                (
                    f"{label}: EPUB + PDF again in one process (peer: our cold build)",
                    statistics.median(float(t) for t in warm),
                    median(found["both"]),
                    TARGETS.get((key, "warm")),
                    "",
                )
            )
    load_after = os.getloadavg()
    print(
        f"\n{dt.date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {arguments.runs} runs after a warm-up, medians; "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    if not pandoc:
        print("pandoc is not installed: no peer (apt-get install pandoc)")
    print()
    print("| build | ficpress | peer | ours/peer | target | peak memory |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, ours_time, peer_time, target, memory in rows:
        peer_text = f"{peer_time:.2f} s" if peer_time else "—"
        ratio = f"{ours_time / peer_time:.2f}x" if peer_time else "—"
        goal = f"≤ {target}x" if target else ""
        if peer_time and target:
            ratio += " met" if ours_time / peer_time <= target else " missed"
        print(f"| {label} | {ours_time:.2f} s | {peer_text} | {ratio} | {goal} | {memory} |")


def args_summary(commands: dict[str, list[str]]) -> str:
    return ", ".join(commands)


if __name__ == "__main__":
    main()
