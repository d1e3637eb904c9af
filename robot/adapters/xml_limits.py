"""Bounds on what a well-formed XML answer may make the robot build (issue 22).

A register answer within `http.max_answer_bytes` (16 MiB) can still hold four million empty elements;
lxml builds every one (about 400 bytes each with its Python proxies and decoders' work: 324–445 MB and
0.5 s of event-loop CPU for a million). Before the parser sees an answer, `check` counts its start tags
in C (`bytes.count`, about 1 ms per MiB) and refuses one with more than `MAX_ELEMENTS`. The count is
an upper bound: a `<` inside a CDATA section counts too, which only errs towards refusing.

Depth is bounded by libxml2 itself: without `huge_tree` it refuses a document nested deeper than 256
elements, and text nodes longer than 10 MB.
"""

from __future__ import annotations

MAX_ELEMENTS = 50_000
"""Far above any real answer (one person's SSBTEK answer has a few hundred elements: an assumption, listed
in docs/ssbtek.md), far below what costs memory (50 000 elements: about 20 MB at most, 7 ms to parse)."""


class XmlTooLarge(ValueError):
    """An XML document beyond the bounds; the message says which, without any of its content."""


def start_tags(data: bytes) -> int:
    """An upper bound on the elements in `data`: every `<` that does not open an end tag, a comment,
    a CDATA section, a declaration or a processing instruction."""
    return data.count(b"<") - data.count(b"</") - data.count(b"<!") - data.count(b"<?")


def check(data: bytes, max_elements: int = MAX_ELEMENTS) -> None:
    """Raise XmlTooLarge when `data` may hold more than `max_elements` elements."""
    if data.__class__ is bytes and len(data) <= max_elements:  # each `<` is a byte: this short, it cannot hold more
        return
    if data.count(b"<") <= max_elements:  # an upper bound of `start_tags`: one pass instead of four
        return
    n = start_tags(data)
    if n > max_elements:
        raise XmlTooLarge(f"has more than {max_elements} XML elements ({n} start tags)")
