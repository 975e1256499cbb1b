"""Signed URLs (SPEC §8): the message is the path and the other parameters as sent."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from image_repo.domain.url_signatures import UrlSignatures, split_signature

KEY = b"first-key"


def expected_sig(key: bytes, message: bytes) -> bytes:
    """The SPEC's rule, written out here rather than imported from the code under test."""
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=")


def test_a_known_vector() -> None:
    # HMAC-SHA256("k1", "/images/a/b?xsize=100"), computed with openssl dgst -sha256 -hmac k1
    signed = UrlSignatures(("k1",)).sign("/images/a/b?xsize=100")
    assert signed == "/images/a/b?xsize=100&sig=ibZ7QCTk4gDtjnpByaG5Tsw7DMMEMQ_24l_hpfgLx70"


def test_sign_adds_sig_computed_over_path_and_query_as_sent() -> None:
    path = "/images/a/b?ysize=20&xsize=100&kind=png"
    signed = UrlSignatures((KEY,)).sign(path)
    assert signed == f"{path}&sig={expected_sig(KEY, path.encode()).decode()}"


def test_a_path_without_query_is_signed_without_question_mark() -> None:
    signed = UrlSignatures((KEY,)).sign("/images/a")
    assert signed == f"/images/a?sig={expected_sig(KEY, b'/images/a').decode()}"


def test_non_ascii_is_percent_encoded_as_clients_send_it() -> None:
    signed = UrlSignatures((KEY,)).sign("/images/café b?kind=png")
    sent = b"/images/caf%C3%A9%20b?kind=png"
    assert signed == f"{sent.decode()}&sig={expected_sig(KEY, sent).decode()}"


def test_a_sig_already_there_is_replaced() -> None:
    signatures = UrlSignatures((KEY,))
    assert signatures.sign("/images/a?sig=old&xsize=5") == signatures.sign("/images/a?xsize=5")


@pytest.mark.parametrize(
    ("query", "rest"),
    [
        (b"xsize=1&sig=S", b"xsize=1"),
        (b"sig=S&xsize=1", b"xsize=1"),
        (b"b=2&sig=S&a=1", b"b=2&a=1"),
        (b"sig=S", b""),
        (b"x%20y=%41&sig=S&xsig=1", b"x%20y=%41&xsig=1"),
    ],
)
def test_sig_is_cut_out_and_the_rest_kept_byte_for_byte(query: bytes, rest: bytes) -> None:
    assert split_signature(query) == (rest, (b"S",))


def test_verify_accepts_the_parameters_in_the_order_signed_only() -> None:
    signatures = UrlSignatures((KEY,))
    sig = expected_sig(KEY, b"/images/a?xsize=1&ysize=2")
    assert signatures.verify(b"/images/a", b"xsize=1&ysize=2&sig=" + sig)
    assert signatures.verify(b"/images/a", b"sig=" + sig + b"&xsize=1&ysize=2")
    assert not signatures.verify(b"/images/a", b"ysize=2&xsize=1&sig=" + sig)


def test_verify_keeps_percent_encoding_as_sent() -> None:
    signatures = UrlSignatures((KEY,))
    sig = expected_sig(KEY, b"/images/caf%C3%A9")
    assert signatures.verify(b"/images/caf%C3%A9", b"sig=" + sig)
    assert not signatures.verify(b"/images/caf%c3%a9", b"sig=" + sig)


def test_any_listed_key_verifies_and_the_first_signs() -> None:
    rotated = UrlSignatures(("new", "old"))
    old_sig = expected_sig(b"old", b"/images/a")
    assert rotated.verify(b"/images/a", b"sig=" + old_sig)
    assert rotated.sign("/images/a").endswith(expected_sig(b"new", b"/images/a").decode())
    assert not UrlSignatures(("new",)).verify(b"/images/a", b"sig=" + old_sig)


@pytest.mark.parametrize(
    "query",
    [
        b"",
        b"xsize=1",
        b"sig=",
        b"xsize=1&sig=" + expected_sig(KEY, b"/images/a?xsize=2"),
        b"xsize=1&sig=" + expected_sig(b"other", b"/images/a?xsize=1"),
        b"xsize=1&sig=" + expected_sig(KEY, b"/images/a?xsize=1")[:-1],
        b"xsize=1&sig=" + expected_sig(KEY, b"/images/a?xsize=1") + b"=",
        b"xsize=1&sig=" + expected_sig(KEY, b"/images/a?xsize=1") * 2,
    ],
    ids=[
        "absent",
        "absent-with-query",
        "empty",
        "other-query",
        "other-key",
        "truncated",
        "padded",
        "doubled",
    ],
)
def test_missing_wrong_or_truncated_sigs_are_refused(query: bytes) -> None:
    assert not UrlSignatures((KEY,)).verify(b"/images/a", query)


def test_two_sigs_are_refused_even_if_one_is_right() -> None:
    sig = expected_sig(KEY, b"/images/a")
    assert not UrlSignatures((KEY,)).verify(b"/images/a", b"sig=" + sig + b"&sig=" + sig)


def test_no_keys_means_not_required_and_nothing_to_sign_with() -> None:
    assert not UrlSignatures().is_required
    with pytest.raises(ValueError, match="no signing key"):
        UrlSignatures().sign("/images/a")
