"""Sentence splitting loads NLTK's punkt without NLTK's package __init__ (which pulls in scikit-learn and SciPy),
splits exactly as NLTK does when imported the usual way, and leaves ``import nltk`` working afterwards."""

import json
import subprocess
import sys

from tests.conftest import ROOT, SAMPLE

TEXTS = [SAMPLE, *sorted((ROOT / "tests" / "fixtures").rglob("*.txt"))]
SPANS = ("import json, sys; from assistant.textutil import sentence_spans; "
         "out = [sentence_spans(open(p, encoding='utf-8').read()) for p in sys.argv[1:]]; ")


def run(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *map(str, TEXTS)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_splitting_does_not_import_scikit_learn_or_scipy_and_nltk_still_imports_after():
    got = run(SPANS + "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'nltk', 'sklearn', 'scipy'}); "
              "import nltk; from nltk.tokenize.punkt import PunktSentenceTokenizer; "
              "print(json.dumps({'loaded': loaded, 'whole': callable(nltk.sent_tokenize) and "
              "callable(nltk.tokenize.word_tokenize), 'spans': out}))")
    assert got["loaded"] == []
    assert got["whole"] is True
    assert sum(len(s) for s in got["spans"]) > 100


def test_spans_equal_those_of_nltk_imported_the_usual_way():
    ours = run(SPANS + "print(json.dumps({'spans': out}))")
    usual = run("import nltk; " + SPANS + "print(json.dumps({'spans': out}))")
    assert ours["spans"] == usual["spans"]
