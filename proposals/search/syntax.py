"""The web search syntax both backends read, parsed for the engine backend.

PostgreSQL's `websearch_to_tsquery` (the database backend) reads words as all required, `"a phrase"` as
words in that order, `-word` or `-"a phrase"` as excluded, and `or` between two terms as either; `and`
binds tighter than `or`, so `a b or c` is `(a and b) or c`. `parse` gives the same reading as a list of
alternatives, for the engine backend to turn into bool queries. Like `websearch_to_tsquery`, it accepts
any text: stray quotes, dashes and operators are dropped, never an error.
"""

import re
from dataclasses import dataclass, field

# A quoted phrase (the closing quote may be missing), or a run of characters up to a space or a quote;
# either may start with the dash that excludes it.
_TOKEN = re.compile(r'(-?)(?:"([^"]*)"?|([^\s"]+))')
_WORD = re.compile(r"[^\W_]")


@dataclass
class Alternative:
    """Terms that must all hold: words that must appear (anywhere), phrases that must appear as written,
    and words or phrases that must not appear."""

    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases or self.excluded)


def parse(query: str) -> list[Alternative]:
    """The alternatives of `query`, at least one of which must hold; empty if it has no word at all."""
    alternatives, current, pending_or = [], Alternative(), False
    for match in _TOKEN.finditer(query):
        negated, phrase, bare = match.group(1) == "-", match.group(2), match.group(3)
        if bare is not None and bare.lower() == "or" and not negated:
            pending_or = bool(current)  # an `or` needs a term on its left to mean anything
            continue
        # The text goes to the engine as typed ("l'école", "rendez-vous"): its analyzers split it.
        text = (phrase if phrase is not None else bare).strip()
        if not _WORD.search(text):
            continue
        if pending_or:
            alternatives.append(current)
            current, pending_or = Alternative(), False
        if negated:
            current.excluded.append(text)
        elif phrase is not None:
            current.phrases.append(text)
        else:
            current.words.append(text)
    alternatives.append(current)
    return [alternative for alternative in alternatives if alternative]
