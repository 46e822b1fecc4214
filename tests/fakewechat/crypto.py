"""WeChat's message signatures and AES "安全模式", written from the published spec.

Deliberately independent of wechatpy, so that tests check the bot's use of wechatpy against a
second implementation instead of mirroring it:

- URL signature: ``sha1("".join(sorted([token, timestamp, nonce])))`` in hex.
- Message signature (safe mode): the same over ``[token, timestamp, nonce, encrypt]``.
- ``Encrypt`` = base64(AES-256-CBC(key, iv=key[:16], pkcs7_32(random16 + len4 + msg + appid)))
  where key = base64decode(EncodingAESKey + "="), len4 is the message length in network byte
  order and PKCS#7 pads to a multiple of 32 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_BLOCK = 32


class CryptoError(ValueError):
    """A payload that WeChat (or a correct bot) would reject."""


def signature(token: str, *parts: str) -> str:
    """SHA-1 hex digest of the lexicographically sorted token and parts, concatenated."""
    return hashlib.sha1("".join(sorted([token, *parts])).encode("utf-8")).hexdigest()


def _pad(data: bytes) -> bytes:
    amount = _BLOCK - len(data) % _BLOCK
    return data + bytes([amount]) * amount


def _unpad(data: bytes) -> bytes:
    if not data or len(data) % _BLOCK:
        raise CryptoError("ciphertext is not a whole number of 32-byte blocks")
    amount = data[-1]
    if not 1 <= amount <= _BLOCK or data[-amount:] != bytes([amount]) * amount:
        raise CryptoError("bad PKCS#7 padding")
    return data[:-amount]


class AesCipher:
    """Encrypts and decrypts message bodies for one account (EncodingAESKey + AppID)."""

    def __init__(self, encoding_aes_key: str, app_id: str) -> None:
        if len(encoding_aes_key) != 43:
            raise CryptoError("EncodingAESKey must be 43 characters")
        self.key = base64.b64decode(encoding_aes_key + "=")
        if len(self.key) != 32:
            raise CryptoError("EncodingAESKey must decode to 32 bytes")
        self.app_id = app_id

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, message: str | bytes, *, random_prefix: bytes | None = None) -> str:
        """The base64 ``Encrypt`` value for *message*; *random_prefix* (16 bytes) only for
        reproducing published test vectors."""
        body = message.encode("utf-8") if isinstance(message, str) else message
        prefix = os.urandom(16) if random_prefix is None else random_prefix
        if len(prefix) != 16:
            raise CryptoError("the random prefix is 16 bytes")
        plain = prefix + struct.pack(">I", len(body)) + body + self.app_id.encode("utf-8")
        encryptor = self._cipher().encryptor()
        sealed = encryptor.update(_pad(plain)) + encryptor.finalize()
        return base64.b64encode(sealed).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        """The message inside an ``Encrypt`` value; CryptoError if it is malformed or was
        sealed for another AppID."""
        try:
            sealed = base64.b64decode(encrypted, validate=True)
        except ValueError as exc:
            raise CryptoError(f"Encrypt is not base64: {exc}") from None
        decryptor = self._cipher().decryptor()
        if not sealed or len(sealed) % 16:
            raise CryptoError("ciphertext is not a whole number of AES blocks")
        plain = _unpad(decryptor.update(sealed) + decryptor.finalize())
        if len(plain) < 20:
            raise CryptoError("plaintext too short")
        (length,) = struct.unpack(">I", plain[16:20])
        body, app_id = plain[20 : 20 + length], plain[20 + length :]
        if len(body) != length:
            raise CryptoError("declared length exceeds the plaintext")
        if app_id.decode("utf-8", "replace") != self.app_id:
            raise CryptoError(f"sealed for AppID {app_id!r}, expected {self.app_id!r}")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CryptoError(f"message is not UTF-8: {exc}") from None
