"""The bound on an answer's XML elements: refused exactly when its start tags exceed the bound."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from robot.adapters import xml_limits

_PIECES = st.sampled_from([b"<", b"</", b"<!", b"<?", b"<a>", b"</a>", b"<!-- x -->", b"<![CDATA[<]]>", b"a", b">"])


@given(st.lists(_PIECES, max_size=60).map(b"".join), st.integers(min_value=0, max_value=30))
def test_an_answer_is_refused_exactly_when_its_start_tags_exceed_the_bound(data: bytes, bound: int) -> None:
    try:
        xml_limits.check(data, bound)
        refused = False
    except xml_limits.XmlTooLarge as exc:
        refused = True
        assert f"more than {bound} XML elements ({xml_limits.start_tags(data)} start tags)" in str(exc)
    assert refused == (xml_limits.start_tags(data) > bound)


def test_a_document_of_closing_tags_and_comments_only_passes_a_bound_its_less_than_signs_exceed() -> None:
    data = b"<a>" + b"</a><!--c-->" * 10
    assert data.count(b"<") > 5 >= xml_limits.start_tags(data)
    xml_limits.check(data, 5)
    with pytest.raises(xml_limits.XmlTooLarge):
        xml_limits.check(b"<a>" * 6, 5)
