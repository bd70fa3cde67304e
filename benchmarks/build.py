"""How fast is `ficpress build` next to pandoc? Cold builds, as a user runs them.

    python benchmarks/build.py [--runs 5] [--no-long]

Runs `ficpress build` as a subprocess (a cold process, every import paid) and the peer
alternately, after one warm-up run each, on the seed story and on a generated 100,000-word
manuscript (benchmarks/longstory.py, written to a temporary folder), and prints medians, the
ratio ours/peer against issue 16's targets, and peak memory. Cold builds run with the compile
cache off (FICPRESS_CACHE=off); "built again" runs with a cache the warm-up run filled. A
second table times one more reader's EPUB from a compiled story against a full rebuild, in
one process.

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
# The targets (ours/peer) from issue 16, by story and build ("repeat": the same story built
# again in a new process, its compiled form read from the on-disk cache).
TARGETS = {
    ("seed", "both"): 0.85,
    ("long", "epub"): 0.15,
    ("long", "repeat epub"): 0.05,
    ("long", "pdf"): 0.5,
}
PDF_MEMORY_TARGET_MIB = 400
# Speed-ups (a full rebuild / one more reader's edition from the compiled story) from issue 16.
PERSONALISE_TARGETS = {"seed": 40.0, "long": 60.0}
# In one process: a full rebuild (compile, nothing cached, and the EPUB) against one more
# reader's EPUB from the compiled story (another name each time, so nothing is reused).
PERSONALISE = """
import statistics, sys, time
from pathlib import Path
from builder import pipeline
from builder.editions import EDITIONS
from builder.profile import resolve
path, runs = Path(sys.argv[1]), int(sys.argv[2])
epub = EDITIONS["epub"]
def rebuild(name):
    pipeline._templates.clear()
    template = pipeline.compile(path, disk=False)
    return pipeline.personalise(template, resolve(template.codes, [f"Y/N={name}"]), epub)
rebuild("Warm")
full = []
for run in range(runs):
    start = time.perf_counter(); rebuild(f"Full{run}"); full.append(time.perf_counter() - start)
template = pipeline.compile(path, disk=False)
fills = []
for run in range(max(20, runs)):
    profile = resolve(template.codes, [f"Y/N=Reader{run}"])
    start = time.perf_counter()
    pipeline.personalise(template, profile, epub)
    fills.append(time.perf_counter() - start)
print(statistics.median(full), statistics.median(fills))
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


def runs(
    commands: dict[str, tuple[list[str], dict[str, str]]], count: int
) -> dict[str, list[tuple[float, int]]]:
    """Each command (with its environment) once to warm caches, then `count` rounds,
    alternating."""
    results: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
    for command, env in commands.values():
        measure(command, env)
    for _ in range(count):
        for name, (command, env) in commands.items():
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
    speedups: list[tuple[str, float, float, float]] = []  # (label, rebuild, fill, target)
    # (label, ours, peer, target, memory)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="ficpress-bench-") as temporary:
        work = Path(temporary)
        css = peer_css(work)
        stories = [("seed", "seed (1k words)", SEED)]
        if not arguments.no_long:
            stories.append(("long", "100k words", generate(work / "long")))
        cold = {**env, "FICPRESS_CACHE": "off"}
        cached = {**env, "FICPRESS_CACHE": str(work / "cache")}
        for key, label, story in stories:
            build = [*FICPRESS, "build", str(story), "-o", str(work / "o"), *VALUES]
            commands = {
                "epub": ([*build, "-f", "epub"], cold),
                "pdf": ([*build, "-f", "pdf"], cold),
                "both": (build, cold),
                # The warm-up run fills the cache; the timed runs read it.
                "repeat epub": ([*build, "-f", "epub"], cached),
            }
            if pandoc:
                commands["peer epub"] = ([pandoc, str(story), "-o", str(work / "p.epub")], env)
                commands["peer pdf"] = (
                    [
                        pandoc,
                        str(story),
                        "--pdf-engine=weasyprint",
                        "--css",
                        str(css),
                        "-M",
                        "lang=en",
                        "-o",
                        str(work / "p.pdf"),
                    ],
                    env,
                )
            print(f"measuring {label}: {', '.join(commands)}", file=sys.stderr)
            found = runs(commands, arguments.runs)
            peer_epub = median(found["peer epub"]) if pandoc else None
            peer_pdf = median(found["peer pdf"]) if pandoc else None
            both_peer = peer_epub + peer_pdf if pandoc else None  # type: ignore[operator]
            peers = {"epub": peer_epub, "pdf": peer_pdf, "both": both_peer}
            peers["repeat epub"] = peer_epub
            titles = {
                "epub": "EPUB",
                "pdf": "PDF",
                "both": "EPUB + PDF",
                "repeat epub": "EPUB built again (compiled story from the disk cache)",
            }
            for name, title in titles.items():
                memory = f"{peak(found[name]):.0f} MiB"
                if name == "pdf":
                    memory += f" (target < {PDF_MEMORY_TARGET_MIB})"
                rows.append(
                    (
                        f"{label}: {title}",
                        median(found[name]),
                        peers[name],
                        TARGETS.get((key, name)),
                        memory,
                    )
                )
            full, fill = (
                float(number)
                for number in subprocess.run(
                    [sys.executable, "-c", PERSONALISE, str(story), str(arguments.runs)],
                    env=cold,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.split()
            )
            speedups.append((label, full, fill, PERSONALISE_TARGETS[key]))
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
    print()
    print("| one more reader's EPUB, in one process | full rebuild | personalised | speed-up |")
    print("|---|---:|---:|---:|")
    for label, full, fill, target in speedups:
        verdict = "met" if full / fill >= target else "missed"
        print(
            f"| {label} | {full * 1000:.1f} ms | {fill * 1000:.2f} ms | "
            f"{full / fill:.0f}x (target ≥ {target:.0f}x: {verdict}) |"
        )


if __name__ == "__main__":
    main()
