"""HTTP Signatures as the fediverse makes them (draft-cavage-http-signatures-12): the draft's own
test values signed and checked byte for byte, a request we sign checked back, and every way a
request can fail to be what it says refused with its reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from timeline.fediverse.keys import KeyPair
from timeline.fediverse.signatures import SignatureError, digest, parse, sign, signing_string, verify

# Appendix C of the draft: its test key, its request, and the signatures it gives for them.
PUBLIC = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----
"""
PRIVATE = """-----BEGIN RSA PRIVATE KEY-----
MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj+CvfSC8+q28hxA161QF
NUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6Z4UMR7EOcpfdUE9Hf3m/hs+F
UR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJwoYi+1hqp1fIekaxsyQIDAQAB
AoGBAJR8ZkCUvx5kzv+utdl7T5MnordT1TvoXXJGXK7ZZ+UuvMNUCdN2QPc4sBiA
QWvLw1cSKt5DsKZ8UETpYPy8pPYnnDEz2dDYiaew9+xEpubyeW2oH4Zx71wqBtOK
kqwrXa/pzdpiucRRjk6vE6YY7EBBs/g7uanVpGibOVAEsqH1AkEA7DkjVH28WDUg
f1nqvfn2Kj6CT7nIcE3jGJsZZ7zlZmBmHFDONMLUrXR/Zm3pR5m0tCmBqa5RK95u
412jt1dPIwJBANJT3v8pnkth48bQo/fKel6uEYyboRtA5/uHuHkZ6FQF7OUkGogc
mSJluOdc5t6hI1VsLn0QZEjQZMEOWr+wKSMCQQCC4kXJEsHAve77oP6HtG/IiEn7
kpyUXRNvFsDE0czpJJBvL/aRFUJxuRK91jhjC68sA7NsKMGg5OXb5I5Jj36xAkEA
gIT7aFOYBFwGgQAQkWNKLvySgKbAZRTeLBacpHMuQdl1DfdntvAyqpAZ0lY0RKmW
G6aFKaqQfOXKCyWoUiVknQJAXrlgySFci/2ueKlIE1QqIiLSZ8V8OlpFLRnb1pzI
7U1yQXnTAEFYM560yJlzUpOb1V4cScGd365tiSMvxLOvTA==
-----END RSA PRIVATE KEY-----
"""
BODY = b'{"hello": "world"}'
TARGET = "/foo?param=value&pet=dog"
HEADERS = {
    "host": "example.com",
    "date": "Sun, 05 Jan 2014 21:31:40 GMT",
    "content-type": "application/json",
    "digest": "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
    "content-length": "18",
}
THEN = datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC)
BASIC = (
    "qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8Vf"
    "EdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0="
)
ALL_HEADERS = (
    "vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52LaEUHFv"
    "120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE="
)


def _key() -> KeyPair:
    key = serialization.load_pem_private_key(PRIVATE.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return KeyPair(key)


def test_the_drafts_body_has_the_drafts_digest() -> None:
    assert digest(BODY) == HEADERS["digest"]


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        ("(request-target) host date", BASIC),
        ("(request-target) host date content-type digest content-length", ALL_HEADERS),
    ],
)
def test_the_drafts_test_values_are_signed_and_checked_as_it_gives_them(names: str, expected: str) -> None:
    import base64

    text = signing_string("POST", TARGET, HEADERS, tuple(names.split()))
    signed = _key().sign(text.encode())
    assert base64.b64encode(signed).decode() == expected
    header = f'keyId="Test",algorithm="rsa-sha256",headers="{names}",signature="{expected}"'
    parsed = parse(header)
    assert parsed.key_id == "Test" and parsed.headers == tuple(names.split())
    # The basic test signs no digest: a request with a body must, so only the second passes.
    if "digest" in names:
        verify(parsed, PUBLIC, "POST", TARGET, HEADERS, BODY, now=THEN)
    else:
        with pytest.raises(SignatureError, match="does not cover digest"):
            verify(parsed, PUBLIC, "POST", TARGET, HEADERS, BODY, now=THEN)
        verify(parsed, PUBLIC, "POST", TARGET, HEADERS, None, now=THEN)


def _signed(body: bytes = BODY) -> tuple[dict[str, str], str]:
    sent = sign(
        _key(), "https://example.org/actor#main-key", "POST", "https://social.example/inbox", body, THEN
    )
    return {name.lower(): value for name, value in sent.items()}, sent["Signature"]


def test_a_request_we_sign_is_one_we_accept() -> None:
    headers, signature = _signed()
    assert headers["host"] == "social.example" and headers["date"] == "Sun, 05 Jan 2014 21:31:40 GMT"
    assert parse(signature).headers == ("(request-target)", "host", "date", "digest", "content-type")
    verify(parse(signature), PUBLIC, "POST", "/inbox", headers, BODY, now=THEN + timedelta(minutes=5))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda h, b: (h, b + b" "), "the Digest header is not that of the body"),
        (lambda h, b: ({**h, "digest": "SHA-256=" + "A" * 43 + "="}, b), "the Digest header is not"),
        (lambda h, b: ({**h, "host": "elsewhere.example"}, b), "does not match"),
        (lambda h, b: ({**h, "content-type": "text/plain"}, b), "does not match"),
        (lambda h, b: ({k: v for k, v in h.items() if k != "date"}, b), "no Date"),
    ],
)
def test_a_request_changed_on_the_way_is_refused(change: object, reason: str) -> None:
    headers, signature = _signed()
    changed_headers, body = change(headers, BODY)  # type: ignore[operator]
    with pytest.raises(SignatureError, match=reason):
        verify(parse(signature), PUBLIC, "POST", "/inbox", changed_headers, body, now=THEN)


def test_a_request_to_another_inbox_or_from_another_key_is_refused() -> None:
    headers, signature = _signed()
    with pytest.raises(SignatureError, match="does not match"):
        verify(parse(signature), PUBLIC, "POST", "/users/someone/inbox", headers, BODY, now=THEN)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem = other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(SignatureError, match="does not match"):
        verify(parse(signature), pem.decode(), "POST", "/inbox", headers, BODY, now=THEN)


@pytest.mark.parametrize("off", [timedelta(hours=13), timedelta(hours=-2)])
def test_a_request_dated_too_far_from_the_clock_is_refused(off: timedelta) -> None:
    headers, signature = _signed()
    with pytest.raises(SignatureError, match="too far from this server's clock"):
        verify(parse(signature), PUBLIC, "POST", "/inbox", headers, BODY, now=THEN + off)


@pytest.mark.parametrize(
    "header",
    [
        'keyId="k",headers="(request-target) host date digest"',
        'signature="AAAA"',
        'keyId="k",algorithm="ed25519",signature="AAAA"',
        'keyId="k",signature="not base64!"',
    ],
)
def test_a_signature_header_that_cannot_be_checked_is_refused(header: str) -> None:
    with pytest.raises(SignatureError):
        parse(header)
