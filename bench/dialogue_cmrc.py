"""Answer quality on CMRC 2018 dev: the whole advisor (retrieval + default model + guard) on 300 questions.

Exact match and character F1 (CMRC's own measure: longest common subsequence over characters, with
punctuation and spaces removed) of the answer against the gold answers, and the share of answers
whose cited sources contain a gold answer. The advisor answers in sentences, not extracted spans,
so exact match is expected to be low; F1 and the citation rate are the informative figures.

    python -m bench.dialogue_cmrc [--questions 300]
"""

from __future__ import annotations

import argparse
import random
import re
import time

from advisor.config import Settings
from advisor.dialogue.advisor import Advisor
from advisor.events import Sources, TurnEnd
from bench.common import llm_label, percentiles, save
from bench.retrieval_cmrc import build, load_split

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def _norm(text: str) -> str:
    return _PUNCT.sub("", re.sub(r"\[\d+\]", "", text)).lower()


def lcs(a: str, b: str) -> int:
    if not a or not b:
        return 0
    previous = [0] * (len(b) + 1)
    for ch in a:
        current = [0]
        for j, other in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if ch == other else max(previous[j], current[-1]))
        previous = current
    return previous[-1]


def f1(prediction: str, gold: str) -> float:
    p, g = _norm(prediction), _norm(gold)
    common = lcs(p, g)
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=300)
    args = parser.parse_args()
    passages, questions = load_split("dev")
    library = build("dev", passages)
    advisor = Advisor(library.settings, library=library)
    advisor.warm_up()
    rng = random.Random(2018)
    sample = rng.sample(questions, args.questions)
    em = f1_sum = cited_hit = not_covered = 0
    first_tokens, totals = [], []
    for i, q in enumerate(sample, start=1):
        started = time.perf_counter()
        sources, end = [], None
        for event in advisor.turn(q["question"], kbs=["cmrc"]):
            if isinstance(event, Sources):
                sources = list(event.items)
            elif isinstance(event, TurnEnd):
                end = event
        assert end is not None
        totals.append((time.perf_counter() - started) * 1000)
        if "first_token_ms" in end.timings_ms:
            first_tokens.append(end.timings_ms["first_token_ms"])
        body = end.answer.split("\n\n")[0]
        em += any(_norm(a) == _norm(body) for a in q["answers"])
        f1_sum += max(f1(body, a) for a in q["answers"])
        cited = [s for s in sources if s.n in end.citations]
        cited_hit += any(a in s.text for s in cited for a in q["answers"])
        not_covered += not sources
        if i % 25 == 0 or i == len(sample):
            print(f"{i}/{len(sample)} F1 {f1_sum / i:.3f} cited-hit {cited_hit / i:.3f}", flush=True)
            _save(i, len(sample), em, f1_sum, cited_hit, not_covered, first_tokens, totals)


def _save(
    n: int,
    planned: int,
    em: int,
    f1_sum: float,
    cited_hit: int,
    not_covered: int,
    first_tokens: list[float],
    totals: list[float],
) -> None:
    """Saved as it goes, so a run cut short still reports how many questions it covered."""
    payload = {
        "questions": n,
        "planned": planned,
        "exact_match": round(em / n, 4),
        "f1": round(f1_sum / n, 4),
        "cited_sources_contain_gold": round(cited_hit / n, 4),
        "said_not_covered": round(not_covered / n, 4),
        "first_token_ms": percentiles(first_tokens) if first_tokens else None,
        "turn_ms": percentiles(totals),
        "model": f"{llm_label(Settings())}, llama.cpp, 2 threads",
    }
    print("saved", save("dialogue_cmrc", payload))


if __name__ == "__main__":
    main()
