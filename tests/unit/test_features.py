"""What the reader's features say about a (question, sentence) pair: each rule stated by a test."""

from assistant.features import (
    FEATURES,
    MIN_ARTICLE_COVERAGE,
    Context,
    asked_thing,
    dateline_end,
    focus_terms,
    is_furniture,
    kind_match,
    sentence_features,
)
from assistant.question import analyze


def features(question, sentence, before="", after="", title=""):
    ctx = Context.build(analyze(question), lambda term: 1.0)
    row = sentence_features(ctx, sentence, before, after, title, 0.5, 0.5, 0)
    return dict(zip(FEATURES, row))


def test_page_furniture_is_recognised():
    for line in ["Read more: Alibaba poised to launch record-breaking $13.4bn Hong Kong listing",
                 "Related: Five things to know", "Sign up for our morning newsletter", "Photo: Getty Images",
                 "(Photo by John Smith/Getty Images)", "Advertisement",
                 "| HD | THE HOME DEPOT INC. | 225.86 | -12.99 | -5.44% |",
                 "905 Followers, 298 Following, 585 Posts - See Instagram photos and videos from Acquire (@acquire)",
                 "1.2M followers, 310 following"]:
        assert is_furniture(line), line


def test_article_sentences_are_not_furniture():
    for line in ["Alibaba could raise as much as $12.9bn from its Hong Kong listing.",
                 "Related companies fell 3% on Tuesday.", "Photographers gathered outside the court.",
                 "| Q3 revenue | $27.2bn | up 3.5% |",
                 "The account has 905 followers, mostly in Raleigh, and posts daily.",
                 "Facebook acquired Instagram in 2012 for $1bn."]:
        assert not is_furniture(line), line


def test_a_dateline_is_measured_so_the_quote_can_start_after_it():
    sentence = "DUBAI, United Arab Emirates (AP) — Iran's president said on Monday that the talks had ended."
    assert sentence[dateline_end(sentence):].startswith("Iran's president")
    assert sentence[dateline_end("LONDON (Reuters) - Shares rose.")] == "L" or dateline_end("LONDON (Reuters) - Shares rose.") > 0
    assert dateline_end("Turkey already shelters more than 120,000 Syrian refugees.") == 0


def test_the_focus_is_what_a_how_many_question_counts():
    assert focus_terms("How many Syrian refugees does Turkey shelter?") == ["syrian", "refuge"]
    assert focus_terms("What was the final score of the game?") == ["score"]
    assert focus_terms("Who won the match?") == []


def test_the_focus_of_a_which_question_is_the_thing_asked_for():
    assert asked_thing("Which anniversary is the Fair Hill event marking this year?") == ["anniversari"]
    # a past-tense verb ends the noun phrase
    assert asked_thing("Which advertising agency created South Dakota's campaign?") == ["advertis", "agenc"]
    assert asked_thing("At which media conference did Kevin Mayer speak?") == ["media", "confer"]
    assert asked_thing("Gordon Sondland served as ambassador to which body?") == ["bodi"]
    # no thing: "what did", a date or time (its own kind of answer), a verb
    for q in ["What did the writer pay at Best Buy?", "In which year did he join?", "What happened next?"]:
        assert asked_thing(q) == [], q


def test_the_thing_asked_for_is_the_focus_of_a_which_question_but_not_of_a_count():
    ctx = Context.build(analyze("Which anniversary is the event marking?"), lambda term: 1.0)
    assert ctx.focus == ["anniversari"]
    assert features("Which anniversary is the event marking?", "It celebrates its 30th anniversary.")["focus"] == 1.0
    assert features("Which anniversary is the event marking?", "The event opens on Friday.")["focus"] == 0.0
    # "what share of Americans" counts with a figure; its focus stays that of a count (none here)
    assert Context.build(analyze("What share of Americans say so?"), lambda term: 1.0).focus == []


def test_a_number_question_needs_a_new_figure():
    q = "How many refugees crossed in 2012?"
    info = analyze(q)
    assert kind_match("About 8000 refugees crossed.", info, q) == 1.0
    assert kind_match("Refugees crossed in 2012.", info, q) == 0.0  # only the question's own year
    assert kind_match("Thousands of refugees crossed.", info, q) > 0  # a number word


def test_a_money_question_prefers_a_sum_of_money():
    q = "How much could Alibaba raise from its listing?"
    info = analyze(q)
    assert kind_match("Alibaba could raise $12.9bn.", info, q) > kind_match("Alibaba has 3 listings.", info, q)


def test_a_who_question_needs_a_name_the_question_does_not_give():
    q = "Who led the Europa research?"
    info = analyze(q)
    assert kind_match("The research was led by Lucas Paganini of NASA.", info, q) == 1.0
    assert kind_match("The Europa research was published on Monday.", info, q) == 0.0


def test_the_counted_thing_near_a_figure_is_noticed():
    row = features("How many refugees crossed into Turkey?", "About 8000 refugees crossed into Turkey.")
    assert row["focus_near_number"] == 1.0
    assert features("How many refugees crossed into Turkey?", "About 8000 people live in Kilis.")["focus_near_number"] == 0.0


def test_coverage_counts_the_question_terms_in_the_sentence_and_its_neighbours():
    row = features("How many refugees crossed into Turkey?", "About 8000 crossed.", before="Refugees fled Syria.",
                   after="Turkey opened its border.")
    assert 0 < row["overlap"] < row["overlap_win"] == 1.0


def test_according_to_checks_the_named_source_is_near():
    q = "According to the UNHCR, how many refugees are in neighbouring countries?"
    assert features(q, "The UNHCR said more than 400,000 refugees are in neighbouring countries.")["according"] == 1.0
    assert features(q, "Officials said more than 400,000 refugees are in neighbouring countries.")["according"] == 0.0


def test_a_sentence_that_only_restates_the_question_has_no_novelty():
    q = "Who did Granollers and Lopez beat?"
    restated = features(q, "Granollers and Lopez beat them.")
    informative = features(q, "Granollers and Lopez beat Mektic and Skugor in the final.")
    assert informative["novelty"] > restated["novelty"]


def test_a_number_the_question_gives_is_not_a_figure_near_what_it_counts():
    from assistant.features import _number_near

    sentence = "Thousands more had crossed during the same 24-hour period, bringing the number of refugees to 400,000."
    assert _number_near(sentence, {"refuge"})  # "24" is 8 words before "refugees"
    assert not _number_near(sentence, {"refuge"}, given=frozenset({"24"}))  # ... but the question said "24 hours"
    assert _number_near("About 8000 refugees crossed into Turkey.", {"refuge"}, given=frozenset({"24"}))


def test_equal_values_share_a_rank():
    from assistant.features import FEATURES, add_ranks

    rows = [[0.0] * len(FEATURES) for _ in range(3)]
    i_ov, i_rank = FEATURES.index("overlap"), FEATURES.index("overlap_rank")
    for row, v in zip(rows, (1.0, 1.0, 0.5)):
        row[i_ov] = v
    add_ranks(rows)
    assert [row[i_rank] for row in rows] == [1.0, 1.0, 1.0 / 3]


def test_in_a_small_collection_idf_does_not_make_the_articles_own_topic_look_off_topic():
    # one article in 5 chunks: its topic words are in every chunk (IDF ~0.5), two common words of the
    # question are in none (IDF ~2.5); the article holds half of the question's words
    idf = {"kurd": 0.54, "syria": 0.54, "rough": 2.48, "live": 2.48}.get
    info = analyze("Roughly how many Kurds live in Syria?")
    present = {"kurd", "syria"}
    assert Context.build(info, idf).topic_coverage(present) < MIN_ARTICLE_COVERAGE  # raw IDF: looks off-topic
    small = Context.build(info, idf, n_docs=5)
    assert small.topic_coverage(present) > 0.4  # shrunk towards the mean: on topic
    assert small.coverage(present) == Context.build(info, idf).coverage(present)  # sentences keep the plain IDF
    # a large collection keeps its IDF nearly as it is
    big = Context.build(info, idf, n_docs=100_000).topic_weights
    assert abs(big["rough"] - 2.48) < 0.01 and abs(big["kurd"] - 0.54) < 0.01


def test_a_date_the_question_gives_is_not_a_date_that_answers_it():
    q = "Between February 2016 and May 2017, on which date did researchers get a strong signal from Europa?"
    info = analyze(q)
    assert kind_match("The researchers observed Europa from February 2016 through May 2017.", info, q) == 0.0
    assert kind_match("The strongest signal came on April 26, 2016.", info, q) == 1.0


def test_a_name_the_question_gives_in_the_possessive_is_not_new():
    q = "Who won the 50 yard freestyle in which Wichita West's David Garcia finished second?"
    info = analyze(q)
    assert kind_match("Wichita West senior David Garcia finished second in the 50 yard freestyle.", info, q) == 0.0
    assert kind_match("Wichita East's Hugh McPherson won the 50 yard freestyle.", info, q) == 1.0


def test_a_place_without_a_name_half_answers_a_where_question():
    q = "Where did rebels fire mortars?"
    info = analyze(q)
    assert kind_match("On Wednesday, rebels fired mortars at the palace but missed.", info, q) == 0.5
    assert kind_match("Rebels fired mortars in the last three months.", info, q) == 0.0
    assert kind_match("Rebels fired mortars at Kfar Souseh.", info, q) == 1.0
    # "which frontier town" asks for the town's name: a sentence that restates the question does not half answer it
    q = "Which frontier town did the rebels take before 8,000 refugees crossed into Turkey?"
    info = analyze(q)
    assert info.kind == "place"
    assert kind_match("About 8,000 refugees crossed into Turkey in a single day after rebels took a frontier town.",
                      info, q) == 0.0
    assert kind_match("Rebels took the frontier town of Ras al-Ain.", info, q) == 1.0


def _covers(name: str, article: str) -> bool:
    from assistant.features import _name_covered, _place_roots
    from assistant.textutil import terms

    present = set(terms(article))
    return _name_covered(set(terms(name)), present, [r for t in present for r in _place_roots(t)])


def test_a_place_adjective_names_its_place_and_back():
    for name, article in [("Chinese", "A hunter in China ate a rabbit."), ("China", "The Chinese hunter ate a rabbit."),
                          ("Syrian", "They fled Syria."), ("Turkish", "Turkey shelters them."),
                          ("Lebanese", "Lebanon hosts them."), ("Korea", "The Korean team won."),
                          ("German", "Germany voted."), ("Iranian", "Iran said no."), ("Indian", "India grew.")]:
        assert _covers(name, article), (name, article)
    # a shared beginning alone is not the same place or name
    for name, article in [("Lebanon", "Libya said no."), ("Medicare", "The median wage rose."),
                          ("Pamela Wilson", "Wilson spoke."), ("Austria", "Australia won.")]:
        assert not _covers(name, article), (name, article)


def test_local_coverage_favours_the_word_only_one_sentence_of_the_article_has():
    from assistant.features import add_local_coverage
    from assistant.textutil import terms

    q = "When is the US Huawei license due to expire?"
    ctx = Context.build(analyze(q), lambda term: 1.0)
    sentences = ["The US extended the Huawei license on Monday.", "US firms and Huawei welcomed the license.",
                 "The license is now set to expire in February.", "Huawei makes phones."]
    rows = [[0.0] * len(FEATURES) for _ in sentences]
    add_local_coverage(ctx, rows, [frozenset(terms(s)) for s in sentences], ["a"] * 4)
    local = [row[FEATURES.index("overlap_local")] for row in rows]
    plain = [ctx.coverage(set(terms(s))) for s in sentences]
    assert plain[0] > plain[2]  # the restating lead holds more of the question's words
    assert local[2] > local[0] and all(0.0 <= x <= 1.0 for x in local)  # but not the one that points at the answer
    # each article is weighed on its own sentences: alone in its article, a sentence holds all it shares
    add_local_coverage(ctx, rows, [frozenset(terms(s)) for s in sentences], ["a", "b", "c", "d"])
    assert [row[FEATURES.index("overlap_local")] for row in rows] == [1.0] * 4
