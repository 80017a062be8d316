"""The indexed quote search gives exactly the plain search's answer."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.reading import quotes
from validator.reading.textnorm import normalize


@pytest.fixture(scope="module", autouse=True)
def index_always():
    """The index is the code under test: use it even for the few quotes of these examples."""
    saved = quotes.PLAIN_SEARCH_MAX
    quotes.PLAIN_SEARCH_MAX = 0
    yield
    quotes.PLAIN_SEARCH_MAX = saved


WORDS = ["the", "gang", "Tren", "de", "Aragua", "Niño", "“Guerrero,”", "prison’s", "(ELN)", "-", "a", "b", "aa", "São"]


def plain(qs: list[str | None], srcs: list[str | None], texts: dict[str, str]) -> list[int]:
    return [
        i for i, (q, s) in enumerate(zip(qs, srcs, strict=True)) if q is not None and s in texts and normalize(q) not in texts[s]
    ]


@st.composite
def cases(draw):
    n_src = draw(st.integers(1, 4))
    raw = {f"src-{i}": " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=60))) for i in range(n_src)}
    texts = {k: normalize(v) for k, v in raw.items()}
    qs, srcs = [], []
    for _ in range(draw(st.integers(0, 40))):
        sid = draw(st.sampled_from([*raw, "src-missing"]))
        text = raw.get(sid, "x y z")
        a = draw(st.integers(0, len(text)))
        b = draw(st.integers(a, len(text)))
        q = text[a:b]
        kind = draw(st.sampled_from(["span", "span", "mutate", "straight", "spaces", "none", "other"]))
        if kind == "mutate" and q:
            k = draw(st.integers(0, len(q) - 1))
            q = q[:k] + draw(st.sampled_from(["X", "ñ", "", "  "])) + q[k + 1 :]
        elif kind == "straight":
            q = q.replace("“", '"').replace("”", '"').replace("’", "'")
        elif kind == "spaces":
            q = q.replace(" ", " \n ")
        elif kind == "none":
            q = None
        elif kind == "other":
            q = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8)))
        qs.append(q)
        srcs.append(sid)
    return qs, srcs, texts


@pytest.mark.slow  # 300 generated cases: 5 s
@settings(max_examples=300, deadline=None)
@given(cases())
def test_index_agrees_with_plain_search(case) -> None:
    qs, srcs, texts = case
    got = quotes.missing(pa.array(qs, pa.string()), pa.array(srcs, pa.string()), texts)
    assert got == plain(qs, srcs, texts)


def test_batches_and_repeated_keys(monkeypatch) -> None:
    monkeypatch.setattr(quotes, "BATCH_BYTES", 64)
    monkeypatch.setattr(quotes, "MAX_CANDIDATES", 2)
    text = normalize("the gang the gang the gang the gang controls the border crossing at Cúcuta")
    texts = {"a": text, "b": text.upper()}
    qs = ["the gang the gang controls", "the gang controls the border", "THE GANG CONTROLS", "the gang rules", "Cúcuta"]
    srcs = ["a", "a", "b", "a", "a"]
    got = quotes.missing(pa.array(qs), pa.array(srcs), texts)
    assert got == plain(qs, srcs, texts) == [3]


@pytest.mark.parametrize("plain_pairs", [True, False])
def test_distinct_pairs_and_alike_sources(monkeypatch, plain_pairs: bool) -> None:
    """Repeated quotes, searched once per distinct (quote, text) pair, and sources of the same
    bytes searched as one: every row gets the answer the plain search gives it."""
    monkeypatch.setattr(quotes, "BATCH_BYTES", 64)
    # 45 rows, 7 distinct pairs with a text: the rows take the index, the pairs the plain search or the index too
    monkeypatch.setattr(quotes, "PLAIN_SEARCH_MAX", 20 if plain_pairs else 0)
    text = normalize("the gang controls the border crossing at “Cúcuta” and the prison’s yard")
    other = normalize("a different text where the gang rules nothing at all")
    texts = {"a": text, "b": text, "c": other, "d": text}
    alike = {"a": "a", "b": "a", "c": "c", "d": "a"}
    base = [
        ("the gang controls the border", "a"),
        ("the gang controls the border", "c"),
        ("the gang rules nothing at all", "b"),
        ("the gang rules nothing at all", "c"),
        ('crossing at "Cúcuta" and', "d"),
        ("the prison's  yard", "b"),
        (None, "a"),
        ("the gang controls the border", "src-missing"),
        ("the gang controls the border", None),
    ]
    rows = base * 5  # every quote repeats: the search by distinct pair is taken
    qs = [q for q, _ in rows]
    srcs = [s for _, s in rows]
    assert quotes._repeats(pa.chunked_array([pa.array(qs, pa.string())]))
    got = quotes.missing(pa.array(qs, pa.string()), pa.array(srcs, pa.string()), texts, alike)
    assert got == plain(qs, srcs, texts)
    assert got == [i for i in range(len(rows)) if i % len(base) in (1, 2)]
    assert quotes.missing(pa.array(qs, pa.string()), pa.array(srcs, pa.string()), texts) == got


def test_distinct_quotes_are_searched_row_by_row() -> None:
    many = pa.chunked_array([pa.array([f"quote number {i}" for i in range(100)] + ["quote number 1"] * 10)])
    assert not quotes._repeats(many)
    assert quotes._repeats(pa.chunked_array([pa.array(["same"] * 10 + ["other"])]))


def test_sources_are_one_text_only_where_their_bytes_are_the_same(tmp_path) -> None:
    """The quote search groups the sources whose files have the same bytes (two rows naming one
    file, or two copies); a file of the same size but other bytes, or of another size, stays its own."""
    from validator.checks.provenance import _NormalisedTexts

    files = {"a.txt": b"the gang", "copy.txt": b"the gang", "same-size.txt": b"the band", "other.txt": b"a longer text"}
    for rel, data in files.items():
        (tmp_path / rel).write_bytes(data)

    class Seeds:
        def seed_path(self, rel: str):
            return tmp_path / rel, None

        def load_seed(self, rel: str) -> bytes:
            return (tmp_path / rel).read_bytes()

    paths = {"s1": "a.txt", "s2": "copy.txt", "s3": "same-size.txt", "s4": "other.txt", "s5": "a.txt"}
    texts = _NormalisedTexts(Seeds(), paths)  # type: ignore[arg-type]  # only these two methods are asked
    assert texts.alike == {"s1": "s1", "s2": "s1", "s3": "s3", "s4": "s4", "s5": "s1"}
    assert texts["s3"] == "the band"
