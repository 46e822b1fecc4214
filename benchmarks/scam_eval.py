"""Scam check on the labelled set: recall per scam pattern and false alarms on ordinary messages.

Run: ``.venv/bin/python benchmarks/scam_eval.py [--bare] [--misses]``.
``benchmarks/scam-set.yaml`` holds real-style scam texts labelled with their pattern and ordinary
messages residents forward or type (label ``ordinary``), each with the ``forwarded`` flag the
Telegram adapter would set. Figures:

- recall (right pattern): scam texts warned with their own pattern;
- not missed: scam texts warned (any pattern) or handed to the adviser as 疑似诈骗;
- false alarms: ordinary messages that got any warning; handed to the adviser is shown apart;
- "safe" verdicts: always 0 (``VerdictKind`` has no such member), printed to make that visible.

``--bare`` also runs every scam text as typed or pasted without any words of its own
(``forwarded`` false), the hardest case. Targets: recall ≥ 90 % per pattern, false alarms ≤ 5 %.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.core.scams import ScamChecker, VerdictKind
from bot.storage.scams_yaml import load_scam_rules

SET = Path(__file__).resolve().parent / "scam-set.yaml"
ORDINARY = "ordinary"


@dataclass(frozen=True, slots=True)
class Item:
    label: str
    text: str
    forwarded: bool


@dataclass
class Tally:
    """Outcomes for one label: right pattern, another pattern, adviser, not a check."""

    total: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[str, str]] = field(default_factory=list)

    def share(self, *outcomes: str) -> float:
        return sum(self.outcomes[o] for o in outcomes) / self.total if self.total else 0.0


@dataclass
class ScamEvaluation:
    by_label: dict[str, Tally]
    safe_verdicts: int

    def scams(self) -> Tally:
        total = Tally()
        for label, tally in self.by_label.items():
            if label != ORDINARY:
                total.total += tally.total
                total.outcomes.update(tally.outcomes)
        return total

    def ordinary(self) -> Tally:
        return self.by_label.get(ORDINARY, Tally())


def load_set(path: Path = SET) -> list[Item]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Item(str(i["label"]), str(i["text"]), bool(i.get("forwarded", False)))
        for i in data["items"]
    ]


def evaluate(checker: ScamChecker, items: list[Item], *, bare: bool = False) -> ScamEvaluation:
    """Run every item; with ``bare`` every scam text is taken as pasted (not forwarded)."""
    by_label: dict[str, Tally] = {}
    safe = 0
    for item in items:
        forwarded = item.forwarded and not (bare and item.label != ORDINARY)
        verdict = checker.check(item.text, forwarded=forwarded)
        if verdict.kind.value == "safe":
            safe += 1
        tally = by_label.setdefault(item.label, Tally())
        tally.total += 1
        if verdict.kind is VerdictKind.WARN:
            assert verdict.pattern is not None
            outcome = "right" if verdict.pattern.id == item.label else "other"
            shown = verdict.pattern.id
        else:
            outcome, shown = verdict.kind.value, verdict.kind.value
        tally.outcomes[outcome] += 1
        wrong = outcome != "not_a_check" if item.label == ORDINARY else outcome != "right"
        if wrong:
            tally.misses.append((shown, item.text))
    return ScamEvaluation(by_label, safe)


def report(result: ScamEvaluation, misses: bool) -> None:
    print(f"{'pattern':32} {'n':>3} {'right':>6} {'other':>6} {'adviser':>8} {'no-check':>9}")
    for label, tally in sorted(result.by_label.items()):
        if label == ORDINARY:
            continue
        o = tally.outcomes
        print(
            f"{label:32} {tally.total:>3} {tally.share('right'):>6.0%} {o['other']:>6} "
            f"{o['unsure']:>8} {o['not_a_check']:>9}"
        )
    scams, ordinary = result.scams(), result.ordinary()
    print(
        f"\nscam texts: {scams.total}; recall (right pattern warned) {scams.share('right'):.1%}; "
        f"warned with any pattern {scams.share('right', 'other'):.1%}; "
        f"not missed (warned or to adviser) {scams.share('right', 'other', 'unsure'):.1%}"
    )
    worst = min(
        (t.share("right"), label) for label, t in result.by_label.items() if label != ORDINARY
    )
    print(f"lowest per-pattern recall: {worst[1]} {worst[0]:.1%}")
    print(
        f"ordinary messages: {ordinary.total}; false alarms (any warning) "
        f"{ordinary.share('right', 'other'):.1%} ({ordinary.outcomes['other']}); "
        f"to adviser {ordinary.share('unsure'):.1%} ({ordinary.outcomes['unsure']}); "
        f"left to the FAQ {ordinary.share('not_a_check'):.1%}"
    )
    print(f"'safe' verdicts: {result.safe_verdicts} (kinds: {[k.value for k in VerdictKind]})")
    if misses:
        for label, tally in sorted(result.by_label.items()):
            for shown, text in tally.misses:
                print(f"  [{label} → {shown}] {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bare", action="store_true", help="also run scam texts as pasted")
    parser.add_argument("--misses", action="store_true", help="list what went wrong")
    args = parser.parse_args()
    checker = ScamChecker(load_scam_rules())
    items = load_set()
    print("== as labelled (forwarded flag as in the set) ==")
    report(evaluate(checker, items), args.misses)
    if args.bare:
        print("\n== every scam text pasted without a word of its own ==")
        report(evaluate(checker, items, bare=True), args.misses)


if __name__ == "__main__":
    main()
