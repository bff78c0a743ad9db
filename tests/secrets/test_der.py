"""The DER reader under key and store recognition: exact on real structures, safe on garbage."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.secrets.der import INTEGER, SEQUENCE, Tlv, children, oid, read_tlv, whole
from fixtures.keys import key_body


def test_a_real_pkcs1_key_is_one_sequence_of_nine_integers() -> None:
    raw = key_body("RSA PRIVATE KEY", 1)
    outer = whole(raw, SEQUENCE)
    assert outer is not None and outer.end == len(raw)
    assert [c.tag for c in children(raw, outer)] == [INTEGER] * 9


def test_a_length_that_runs_past_the_data_is_no_value() -> None:
    assert read_tlv(bytes.fromhex("3084ffffffff3000")) is None
    assert read_tlv(bytes.fromhex("3080020100")) is None  # BER indefinite length
    assert read_tlv(bytes.fromhex("1f0100")) is None  # high-tag-number form
    assert whole(bytes.fromhex("30020500ff"), SEQUENCE) is None  # trailing bytes


def test_object_identifiers_encode_as_in_pkcs12() -> None:
    assert oid("1.2.840.113549.1.12.10.1.2").hex() == "060b2a864886f70d010c0a0102"
    assert oid("1.3.6.1.4.1.42.2.17.1.1").hex() == "060a2b060104012a02110101"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64), st.integers(min_value=0, max_value=70))
def test_no_value_ever_reaches_past_its_parent(data: bytes, start: int) -> None:
    """Hostile bytes: every value read lies inside what it was read from, and walking the
    children of anything never raises."""
    tlv = read_tlv(data, start)
    if tlv is None:
        return
    assert start + 2 <= tlv.start <= tlv.end <= len(data)
    for child in children(data, tlv):
        assert tlv.start <= child.start <= child.end <= tlv.end


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=6))
def test_children_give_back_what_a_sequence_was_built_from(parts: list[bytes]) -> None:
    encoded = [bytes([0x04, len(p)]) + p for p in parts]
    body = b"".join(encoded)
    data = bytes([0x30, 0x82]) + len(body).to_bytes(2, "big") + body
    outer = whole(data, SEQUENCE)
    assert outer is not None
    found = [data[c.start : c.end] for c in children(data, outer)]
    assert found == parts
    assert Tlv(0x30, 4, len(data)) == outer
