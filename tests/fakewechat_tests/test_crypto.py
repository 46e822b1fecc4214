"""The fake's own signatures and AES safe mode: published test vectors, strictness, and a
round trip with wechatpy (which the bot uses) in both directions."""

from __future__ import annotations

import base64
import struct

import pytest
import xmltodict
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

from tests.fakewechat import AesCipher, CryptoError, signature
from tests.fakewechat.replies import ReplyError, read_reply
from tests.fakewechat.wire import cdata, parse, render

pytestmark = pytest.mark.e2e

# WeChat's own sample for 消息加解密 (the WXBizMsgCrypt demo shipped with the docs).
SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6"
    "F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T33"
    "2jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCg"
    "avjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6Oewp"
    "usjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
# wechatpy's tests/test_crypto.py (same algorithm, receive id = corp id), fixed random prefix.
WP_TOKEN, WP_ID = "123456", "wx49f0ab532d5d035a"
WP_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
WP_REPLY = """<xml>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[test]]></Content>
<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>
<ToUserName><![CDATA[messense]]></ToUserName>
<AgentID>1</AgentID>
<CreateTime>1411525903</CreateTime>
</xml>"""
WP_ENCRYPT = (
    "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNc"
    "BqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY"
    "0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsV"
    "bwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAG"
    "VRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3"
)
AES_KEY = "Q0hBTkdFTUUtbGVnYWxkZXNrLWZha2V3ZWNoYXQtMDE"  # 43 characters


def test_official_sample_signature_and_decryption() -> None:
    assert (
        signature("spamtest", "1409735669", "1320562132", SAMPLE_ENCRYPT)
        == "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
    )
    plain = parse(AesCipher(SAMPLE_KEY, "wx2c2769f8efd9abc2").decrypt(SAMPLE_ENCRYPT))
    assert plain["ToUserName"] == "gh_10f6c3c3ac5a"
    assert plain["FromUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert plain["Content"] == "abcdteT"
    assert plain["MsgId"] == "6054768590064713728"


def test_encryption_reproduces_wechatpys_vector() -> None:
    cipher = AesCipher(WP_KEY, WP_ID)
    sealed = cipher.encrypt(WP_REPLY, random_prefix=b"1234567890123456")
    assert sealed == WP_ENCRYPT
    assert signature(WP_TOKEN, "1411525903", "461056294", sealed) == (
        "407518b7649e86ef23978113f92d27afa9296533"
    )
    assert cipher.decrypt(sealed) == WP_REPLY


def test_url_signature_is_sha1_of_the_sorted_parts() -> None:
    # the example every WeChat SDK checks: token "123456" (wechatpy's check_signature test)
    echo = (
        "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="
    )
    assert signature(WP_TOKEN, "1411443780", "437374425", echo) == (
        "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96"
    )
    assert signature("t", "2", "1") == signature("t", "1", "2")


def test_wrong_app_id_tampering_and_bad_keys_are_rejected() -> None:
    sealed = AesCipher(AES_KEY, "wxaaaaaaaaaaaaaaaa").encrypt("<xml/>")
    with pytest.raises(CryptoError, match="AppID"):
        AesCipher(AES_KEY, "wxbbbbbbbbbbbbbbbb").decrypt(sealed)
    with pytest.raises(CryptoError):
        AesCipher(AES_KEY, "wxaaaaaaaaaaaaaaaa").decrypt(sealed[:-8] + "AAAAAAA=")
    with pytest.raises(CryptoError, match="base64"):
        AesCipher(AES_KEY, "wxaaaaaaaaaaaaaaaa").decrypt("not base64!")
    with pytest.raises(CryptoError, match="43"):
        AesCipher(AES_KEY[:-1], "wxaaaaaaaaaaaaaaaa")


def test_inconsistent_padding_is_rejected() -> None:
    cipher = AesCipher(AES_KEY, "wx1234")
    body = b"x" * (32 - (16 + 4 + len(b"wx1234") + 2) % 32)
    plain = b"r" * 16 + struct.pack(">I", len(body)) + body + b"wx1234" + b"\x09\x02"
    assert len(plain) % 32 == 0
    encryptor = Cipher(algorithms.AES(cipher.key), modes.CBC(cipher.key[:16])).encryptor()
    sealed = base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
    with pytest.raises(CryptoError, match="padding"):
        cipher.decrypt(sealed)


def test_wechatpy_decrypts_what_the_fake_encrypts() -> None:
    message = render({"ToUserName": "gh_1", "FromUserName": "o1", "Content": "宅基地能继承吗"})
    sealed = AesCipher(AES_KEY, "wx1234").encrypt(message)
    envelope = render({"ToUserName": "gh_1", "Encrypt": sealed})
    crypto = WeChatCrypto("TOKEN", AES_KEY, "wx1234")
    good = signature("TOKEN", "1700000000", "42", sealed)
    assert crypto.decrypt_message(envelope, good, "1700000000", "42") == message
    with pytest.raises(InvalidSignatureException):
        crypto.decrypt_message(envelope, "0" * 40, "1700000000", "42")


def test_the_fake_decrypts_and_verifies_what_wechatpy_encrypts() -> None:
    fields_in = {"ToUserName": "o1", "FromUserName": "gh_1", "CreateTime": 1, "MsgType": "text"}
    reply = render({**fields_in, "Content": "可以继承 ]]> 见民法典"})
    sealed = WeChatCrypto("TOKEN", AES_KEY, "wx1234").encrypt_message(reply, "42", "1700000000")
    fields = read_reply(
        sealed.encode(),
        token="TOKEN",
        cipher=AesCipher(AES_KEY, "wx1234"),
        compat=False,
        openid="o1",
        account_id="gh_1",
    )
    assert fields is not None and fields["Content"] == "可以继承 ]]> 见民法典"
    with pytest.raises(ReplyError, match="MsgSignature"):
        read_reply(
            sealed.replace("<Nonce><![CDATA[42]]>", "<Nonce><![CDATA[43]]>").encode(),
            token="TOKEN",
            cipher=AesCipher(AES_KEY, "wx1234"),
            compat=False,
            openid="o1",
            account_id="gh_1",
        )


def test_cdata_survives_its_terminator() -> None:
    assert xmltodict.parse(render({"Content": "a]]>b"}))["xml"]["Content"] == "a]]>b"
    assert cdata("x") == "<![CDATA[x]]>"
