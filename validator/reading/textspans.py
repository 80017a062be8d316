"""A quote's place in its stored source text: the normalised text and the map back to the original.

A quote matches its source after ``textnorm.normalize`` (NFC, typographic quote marks made
straight, white space runs made one space, ends trimmed; the quote check's rule), so it is found in the
*normalised* text and its offsets are mapped back to the *original* text: the characters of the
file under ``seeds/``. The site marks passages with these ranges and the release's Web
Annotations give them as TextPositionSelectors, so both point at the same characters.

``SourceText`` builds the normalised text token by token (a token is a run of non-space
characters): ``normalize(text) == " ".join(fold(NFC(token)))`` because NFC never composes across
white space and never turns a visible character into white space. Within a token whose NFC form
has the same length as the token (any text already in NFC, as the seeds are) each normalised
character maps to one original character; otherwise the token is cut into clusters (a starter
and the combining marks after it) normalised one by one, and where even that does not line up
(a rare composition spanning starters) every character of the token maps to the whole token.
The mapped range therefore always covers the quoted characters, and never starts or ends in
white space.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from .textnorm import fold_quote_marks, normalize


@dataclass
class SourceText:
    """A source's text with its normalised form and the map between their offsets."""

    text: str
    normalized: str = ""
    starts: list[int] = field(default_factory=list)  # original offset where normalised char i starts
    ends: list[int] = field(default_factory=list)  # original offset just after normalised char i

    def __post_init__(self) -> None:
        pieces: list[str] = []
        i, n = 0, len(self.text)
        while i < n:
            if self.text[i].isspace():
                i += 1
                continue
            j = i
            while j < n and not self.text[j].isspace():
                j += 1
            if pieces:
                pieces.append(" ")
                self.starts.append(i)  # the joining space maps to the start of the next token
                self.ends.append(i)
            pieces.append(self._token(i, j))
            i = j
        self.normalized = "".join(pieces)

    def _token(self, i: int, j: int) -> str:
        token = self.text[i:j]
        norm = fold_quote_marks(unicodedata.normalize("NFC", token))
        if len(norm) == len(token):
            self.starts.extend(range(i, j))
            self.ends.extend(range(i + 1, j + 1))
            return norm
        clusters: list[tuple[int, int]] = []
        for k in range(i, j):
            if clusters and unicodedata.combining(self.text[k]):
                clusters[-1] = (clusters[-1][0], k + 1)
            else:
                clusters.append((k, k + 1))
        parts = [fold_quote_marks(unicodedata.normalize("NFC", self.text[a:b])) for a, b in clusters]
        if "".join(parts) == norm:
            for (a, b), part in zip(clusters, parts, strict=True):
                self.starts.extend([a] * len(part))
                self.ends.extend([b] * len(part))
        else:
            self.starts.extend([i] * len(norm))
            self.ends.extend([j] * len(norm))
        return norm

    def locate(self, quote: str) -> tuple[int, int] | None:
        """The original-text range (start, end) of the first place the quote occurs, or None."""
        q = normalize(quote)
        if not q:
            return None
        at = self.normalized.find(q)
        if at < 0:
            return None
        return self.starts[at], self.ends[at + len(q) - 1]
