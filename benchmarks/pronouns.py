"""What the reader-pronoun stage costs at compile time, per 10,000 words.

    python benchmarks/pronouns.py [--runs 5]

Compiles (manuscript -> EditionTemplate, the cache emptied each time) the twelve gold-set
stories (tests/fixtures/pronouns/, real prose, 10,806 words) and the generated 100,000-word
story (benchmarks/longstory.py, given `reader: {pronouns: she}`), with the pipeline's text
stages as they are and with the pronoun stage left out, and prints the median time per
10,000 words of each and the difference: what a story pays once, whatever its readers. It
prints wall-clock time and this process's CPU time: on a machine shared with other work the
CPU time is the steadier figure. The on-disk cache of compiled stories is turned off
(`FICPRESS_CACHE=off`), so that every run compiles.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.longstory import generate  # noqa: E402
from builder import pipeline  # noqa: E402

GOLD = ROOT / "tests" / "fixtures" / "pronouns"


def words(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    return len(text.split("\n---\n", 1)[-1].split())


def compile_time(paths: Sequence[Path], with_stage: bool) -> tuple[float, float]:
    """Seconds to compile every one of `paths` once, from an empty cache: wall-clock, and
    this process's CPU time (much less disturbed by other work on a shared machine)."""
    stages = pipeline.TEXT_STAGES
    if not with_stage:
        pipeline.TEXT_STAGES = tuple(stage for stage in stages if stage[0] != "pronouns")
    try:
        pipeline._templates.clear()
        start, cpu = time.perf_counter(), time.process_time()
        for path in paths:
            pipeline.compile(path)
        return time.perf_counter() - start, time.process_time() - cpu
    finally:
        pipeline.TEXT_STAGES = stages


def report(name: str, paths: Sequence[Path], runs: int) -> None:
    total = sum(words(path) for path in paths)
    compile_time(paths, True)  # warm-up: imports, lemminflect's tables
    timings: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    for _ in range(runs):
        for with_stage in (False, True):
            timings[with_stage].append(compile_time(paths, with_stage))
    for clock, label in ((0, "compile"), (1, "compile CPU time")):
        per = {
            key: statistics.median(value[clock] for value in values) * 10_000 / total
            for key, values in timings.items()
        }
        print(
            f"{name} ({total:,} words): {label} {per[False] * 1000:.0f} ms per 10,000 words "
            f"without the pronoun stage, {per[True] * 1000:.0f} ms with it "
            f"(+{(per[True] - per[False]) * 1000:.0f} ms, median of {runs})"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args(argv)
    os.environ["FICPRESS_CACHE"] = "off"  # where compiled stories are kept on disk: measure
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    gold = sorted(GOLD.glob("*/annotated.md"))
    with tempfile.TemporaryDirectory() as folder:
        stories = []
        for story in gold:  # the stories as written, marks stripped
            copy = Path(folder) / f"{story.parent.name}.md"
            copy.write_text(_strip(story.read_text(encoding="utf-8")), encoding="utf-8")
            stories.append(copy)
        report("gold set", stories, arguments.runs)
        long = generate(Path(folder))
        text = long.read_text(encoding="utf-8")
        long.write_text(text.replace("---\n", "---\nreader: {pronouns: she}\n", 1), "utf-8")
        report("generated long story", [long], max(1, arguments.runs // 2))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


def _strip(text: str) -> str:
    return re.sub(r"\{\{([^{}|\n]*)\|[^{}|\n]*\}\}", r"\1", text)


if __name__ == "__main__":
    sys.exit(main())
