"""What the pronoun stage's English costs a cold process: builder.lexicon against lemminflect.

    python benchmarks/lexicon.py [--runs 5]

Each run is a fresh interpreter that asks, of every distinct word of the seed story, its
lemmas, and of every verb lemma found, its VBD, VBN and VBZ forms (what the stage asks), once
through builder.lexicon and once through lemminflect itself, alternating; it prints the
medians of each one's CPU time (imports and loading included, the interpreter's own start
not) and their ratio, with the load average (other work on the machine slows both sides).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "manuscripts" / "for-her-safety.md"
ASK = """
import re, sys, time
text = open(sys.argv[1], encoding="utf-8").read()
words = sorted({w.lower() for w in re.findall(r"[^\\W\\d_]+(?:'[^\\W\\d_]+)*", text)})
start = time.process_time()
if sys.argv[2] == "lexicon":
    from builder.lexicon import inflection, lemmas
else:
    from lemminflect import getAllLemmas as lemmas, getInflection as inflection
verbs = {verb for word in words for verb in lemmas(word).get("VERB", ())}
forms = [inflection(verb, tag) for verb in sorted(verbs) for tag in ("VBD", "VBN", "VBZ")]
print(time.process_time() - start, len(words), len(forms))
"""


def cpu(backend: str) -> tuple[float, str]:
    result = subprocess.run(
        [sys.executable, "-c", ASK, str(SEED), backend],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, words, forms = result.stdout.split()
    return float(seconds), f"{words} words, {forms} verb forms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    load_before = os.getloadavg()
    for backend in ("lexicon", "lemminflect"):  # warm-up: bytecode and page cache
        cpu(backend)
    times: dict[str, list[float]] = {"lexicon": [], "lemminflect": []}
    asked = ""
    for _ in range(runs):
        for backend, found in times.items():
            seconds, asked = cpu(backend)
            found.append(seconds)
    ours, peer = (statistics.median(times[name]) for name in ("lexicon", "lemminflect"))
    load_after = os.getloadavg()
    print(f"seed story: {asked}; {runs} runs, medians of CPU time; load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after")  # fmt: skip
    print(f"builder.lexicon {ours * 1000:.1f} ms, lemminflect {peer * 1000:.1f} ms, "
          f"ratio {ours / peer:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
