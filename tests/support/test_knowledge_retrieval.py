"""Keyword tokens in both languages, the vector index and hybrid retrieval with its support threshold."""

from __future__ import annotations

import numpy as np
import pytest

from apps.support.knowledge import (
    Chunk,
    HybridRetriever,
    NumpyVectorIndex,
    RetrievalSettings,
    faq_chunk,
    tokenize,
)
from apps.support.knowledge.retrieval import KeywordIndex


def test_english_tokens_are_stemmed_lowercased_and_skip_stop_words() -> None:
    assert tokenize("How do I RETURN my shoes? Returning items, returned 2 pairs") == [
        "return", "shoe", "return", "item", "return", "2", "pair",
    ]  # fmt: skip


def test_chinese_tokens_match_without_spaces_through_words_and_bigrams() -> None:
    tokens = tokenize("退款多久到账")
    assert "退款" in tokens and "到账" in tokens
    assert set(tokenize("什么时候能收到退款")) & set(tokens) >= {"退款"}
    assert "的" not in tokenize("我的订单")


def test_a_negated_word_also_gives_the_word_it_negates() -> None:
    assert tokenize("unused and unwashed") == ["unus", "use", "unwash", "wash"]
    assert set(tokenize("a shirt I washed")) <= set(tokenize("Shirts must be unwashed."))
    assert tokenize("understand the unit") == ["understand", "unit"]


def test_full_width_text_is_folded() -> None:
    assert tokenize("ＲＥＴＵＲＮ ３０ days") == tokenize("return 30 days")


def test_numpy_index_adds_replaces_removes_and_ranks_by_cosine() -> None:
    index = NumpyVectorIndex()
    index.add(["a", "b", "c"], [[1, 0, 0], [0, 1, 0], [0.7, 0.7, 0]])
    assert [chunk_id for chunk_id, _ in index.search([1, 0.1, 0], k=2)] == ["a", "c"]
    index.remove(["a"])
    assert len(index) == 2
    assert [chunk_id for chunk_id, _ in index.search([1, 0, 0], k=5)] == ["c", "b"]
    index.add(["b"], [[1, 0, 0]])  # replaced, not duplicated
    assert len(index) == 2
    top_id, top_score = index.search([1, 0, 0], k=1)[0]
    assert top_id == "b" and top_score == pytest.approx(1.0)
    with pytest.raises(ValueError):
        index.add(["d"], [[1, 0]])


def test_numpy_index_grows_past_its_first_allocation() -> None:
    index = NumpyVectorIndex()
    vectors = np.eye(40, dtype=np.float32)
    index.add(list(range(40)), vectors)
    assert len(index) == 40
    assert index.search(vectors[33], k=1)[0][0] == 33


def test_keyword_coverage_is_an_idf_weighted_share() -> None:
    keywords = KeywordIndex()
    keywords.add([1, 2, 3], ["refund card payment", "shipping canada", "shipping europe"])
    query = tokenize("refund to my card")
    assert keywords.coverage(query, 1) == pytest.approx(1.0)
    assert keywords.coverage(query, 2) == 0.0
    assert keywords.search(query, k=3)[0][0] == 1
    keywords.remove([1])
    assert keywords.search(query, k=3) == []


def _retriever() -> tuple[HybridRetriever, dict[int, Chunk]]:
    chunks = {
        1: faq_chunk("How long do refunds take?", "Refunds reach your card within 5-7 business days."),
        2: faq_chunk("Do you ship to Canada?", "Yes, we ship to Canada in 7-10 business days."),
        3: faq_chunk("退款多久到账？", "退款会在3个工作日内原路退回。"),
        4: faq_chunk("What sizes do shoes come in?", "Shoes come in EU sizes 36 to 46."),
    }
    vectors = {1: [1, 0, 0, 0], 2: [0, 1, 0, 0], 3: [0.9, 0, 0.1, 0], 4: [0, 0, 0, 1]}
    retriever = HybridRetriever()
    retriever.add(
        list(chunks), [chunk.search_text for chunk in chunks.values()], [vectors[i] for i in chunks]
    )
    return retriever, chunks


def test_hybrid_search_fuses_dense_and_keyword_ranks() -> None:
    retriever, _ = _retriever()
    hits = retriever.search("when will my refund arrive", [1, 0, 0, 0], k=3)
    assert hits[0].chunk_id == 1
    assert hits[0].dense == pytest.approx(1.0) and hits[0].keyword > 0
    chinese = retriever.search("退款什么时候到账", [0.9, 0, 0.1, 0], k=2)
    assert chinese[0].chunk_id == 3


def test_keyword_only_search_works_without_vectors() -> None:
    retriever, _ = _retriever()
    hits = retriever.search("ship canada?", None, k=2)
    assert hits[0].chunk_id == 2 and hits[0].dense == 0.0


def test_no_supporting_chunk_for_an_unrelated_question() -> None:
    retriever, _ = _retriever()
    hits = retriever.search("what is the meaning of life", [0, 0, 0.0, 0.2], k=3)
    assert retriever.supporting(hits) == []


def test_weighted_fusion_orders_by_calibrated_confidence() -> None:
    retriever, _ = _retriever()
    retriever.settings = RetrievalSettings(fusion="weighted")
    hits = retriever.search("shoe sizes", [0, 0, 0, 1], k=2)
    assert hits[0].chunk_id == 4
    assert hits[0].score == hits[0].confidence > 0.9


def test_removed_chunks_are_never_returned() -> None:
    retriever, _ = _retriever()
    retriever.remove([2])
    hits = retriever.search("ship to canada", [0, 1, 0, 0], k=4)
    assert 2 not in [hit.chunk_id for hit in hits]


def test_misspelt_english_words_are_corrected_against_the_index() -> None:
    retriever, _ = _retriever()
    hits = retriever.search("do you shipp to canda", None, k=1)
    assert hits[0].chunk_id == 2 and hits[0].keyword == pytest.approx(1.0)
    assert retriever.keywords.correct(["refnd", "zzzz", "42"]) == ["refund", "zzzz", "42"]


def test_a_chinese_question_finds_an_english_only_policy_through_the_glossary() -> None:
    retriever = HybridRetriever()
    chunks = [
        faq_chunk("How long is the warranty?", "Electronics carry a two-year warranty."),
        faq_chunk("Can I pay by card?", "We accept Visa and Mastercard."),
    ]
    retriever.add([1, 2], [chunk.search_text for chunk in chunks])
    hits = retriever.search("保修多久", None, k=2)
    assert hits[0].chunk_id == 1 and hits[0].keyword > 0


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Is your matcha organic?", 1),  # only the Chinese FAQ says it
        ("可以去仓库自提吗", 2),  # only the English policy says it
        ("Do you sell samples?", 3),
    ],
)
def test_goods_vocabulary_crosses_languages(question: str, expected: int) -> None:
    retriever = HybridRetriever()
    chunks = [
        faq_chunk("你们的茶是有机的吗？", "我们的绿茶都有有机认证。"),
        faq_chunk("Can I collect my order?", "Orders can be picked up from our warehouse on weekdays."),
        faq_chunk("有小样吗？", "大部分商品有10克小样。"),
    ]
    retriever.add([1, 2, 3], [chunk.search_text for chunk in chunks])
    hits = retriever.search(question, None, k=3)
    assert hits[0].chunk_id == expected and hits[0].keyword > 0


def test_keyword_only_hits_support_an_answer_by_coverage() -> None:
    retriever, _ = _retriever()
    (hit,) = retriever.search("shoe sizes", None, k=1)
    assert hit.dense == 0.0 and hit.confidence == hit.keyword
    assert retriever.supports(hit) == (hit.keyword >= retriever.settings.keyword_only_threshold)


def test_similarity_scores_ids_and_zero_for_unknown_ones() -> None:
    index = NumpyVectorIndex()
    index.add(["a", "b"], [[1, 0], [0, 1]])
    assert index.similarity(["b", "missing", "a"], [1, 0]) == [0.0, 0.0, 1.0]


def _clustered(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.eye(8, 16, dtype=np.float32)
    vectors = centres[rng.integers(0, 8, count)] + 0.05 * rng.standard_normal((count, 16), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_large_index_searches_an_inverted_file_that_agrees_with_the_exact_scan() -> None:
    index = NumpyVectorIndex(clustered_above=200, probe_share=0.5)
    vectors = _clustered(400, seed=1)
    index.add(list(range(400)), vectors)
    query = vectors[7]
    assert index.search(query, 1)[0][0] == 7
    assert index.search(query, 5) == index.search(query, 5, exact=True)
    index.remove([7])
    index.add(["late"], [query])  # added after clustering: assigned to its nearest centroid
    assert index.search(query, 1)[0][0] == "late"
    assert 7 not in [chunk_id for chunk_id, _ in index.search(query, 50)]


def test_a_small_index_scans_exactly() -> None:
    index = NumpyVectorIndex(clustered_above=1000)
    vectors = _clustered(300, seed=2)
    index.add(list(range(300)), vectors)
    assert index.search(vectors[3], 3) == index.search(vectors[3], 3, exact=True)


def test_chinese_bigrams_stop_at_stop_words_so_question_shapes_do_not_match() -> None:
    tokens = tokenize("可以开发票吗？")
    assert "发票" in tokens
    assert not {"可以", "票吗"} & set(tokens)
    keywords = KeywordIndex()
    keywords.add(["wrap", "invoice"], ["可以礼品包装吗？\n可以，每单10元。", "发票\n发货后发送电子发票。"])
    query = tokenize("可以开发票吗？")
    assert keywords.coverage(query, "wrap") == 0.0
    assert keywords.coverage(query, "invoice") > 0
    assert [chunk_id for chunk_id, _ in keywords.search(query, k=2)] == ["invoice"]


def test_same_language_synonyms_count_as_the_question_s_words() -> None:
    retriever = HybridRetriever()
    chunks = [
        faq_chunk("Where do you ship?", "We ship to Australia and New Zealand."),
        faq_chunk("运费多少？", "满199元免运费。"),
        faq_chunk("How do I pay?", "We accept cards."),
    ]
    retriever.add([1, 2, 3], [chunk.search_text for chunk in chunks])
    (hit,) = retriever.search("Do you deliver to Australia?", None, k=1)
    assert hit.chunk_id == 1 and hit.keyword == pytest.approx(1.0)
    (hit,) = retriever.search("邮费", None, k=1)
    assert hit.chunk_id == 2 and hit.keyword == pytest.approx(1.0)


def test_a_cross_language_cosine_is_raised_by_the_language_gap_up_to_the_ceiling() -> None:
    retriever = HybridRetriever(
        settings=RetrievalSettings(dense_floor=0.7, dense_ceiling=0.9, cross_language_shift=0.05)
    )
    assert retriever.scaled_dense(0.8, cross_language=False) == pytest.approx(0.5)
    assert retriever.scaled_dense(0.8, cross_language=True) == pytest.approx(0.75)
    assert retriever.scaled_dense(0.88, cross_language=True) == pytest.approx(1.0)  # capped at the ceiling
    assert retriever.scaled_dense(0.95, cross_language=True) == pytest.approx(1.25)  # never lowered
    low = retriever.confidence(0.8, 0.5, cross_language=False)
    assert retriever.confidence(0.8, 0.5, cross_language=True) > low


def test_a_section_whose_heading_the_question_names_outranks_one_that_mentions_its_words() -> None:
    # Both sections name Canada; only one is about where the shop delivers. With equal cosines and
    # equal keyword coverage, the heading decides, and it counts synonyms ("deliver" for "ship").
    retriever = HybridRetriever(settings=RetrievalSettings(heading_weight=2.0))
    countries = "We ship to the European Union, the United Kingdom, the United States and Canada."
    customs = "Shoppers in Canada may be charged import duties when the parcel is delivered."
    retriever.add(
        ["countries", "customs"],
        [f"Countries we ship to\n{countries}", f"Customs and import duties\n{customs}"],
        np.array([[1.0, 0.0], [1.0, 0.0]]),
        headings=["Countries we ship to", "Customs and import duties"],
    )
    hits = retriever.search("Do you deliver to Canada?", np.array([1.0, 0.0]), k=2)
    assert [hit.chunk_id for hit in hits] == ["countries", "customs"]
    assert hits[0].heading == pytest.approx(0.5) and hits[1].heading == 0.0
    assert hits[0].keyword == pytest.approx(hits[1].keyword)
    assert hits[0].confidence > hits[1].confidence
    retriever.remove(["countries"])
    assert retriever.heading_match("countries", {"ship"}) == 0.0


def test_chunks_added_without_headings_have_no_heading_match() -> None:
    retriever = HybridRetriever()
    retriever.add([1], ["Countries we ship to\nWe ship to Canada."], np.array([[1.0, 0.0]]))
    (hit,) = retriever.search("Do you ship to Canada?", np.array([1.0, 0.0]), k=1)
    assert hit.heading == 0.0
    with pytest.raises(ValueError):
        retriever.add([2, 3], ["a", "b"], headings=["only one"])
