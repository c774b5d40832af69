"""``newsgraph_paragraphs``: a sentence never crosses a blank line.

Why: news text puts the headline, the standfirst and each paragraph on lines
of their own, and spaCy's parser happily glues a headline to the first
sentence of the body. Run before the parser, this component marks the first
token after every line break as a sentence start, which the parser respects.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


class Paragraphs:
    """Set ``is_sent_start`` on the first token after a newline."""

    def __call__(self, doc: Doc) -> Doc:
        after_break = False
        for token in doc:
            if token.is_space and "\n" in token.text:
                after_break = True
                continue
            if after_break:
                token.is_sent_start = True
                after_break = False
        return doc


@Language.factory("newsgraph_paragraphs", default_config={})
def make_paragraphs(nlp: Language, name: str) -> Paragraphs:
    return Paragraphs()
