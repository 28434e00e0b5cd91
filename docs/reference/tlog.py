#!/usr/bin/env python3
"""Transparency-log pieces for the reference verifiers, standard library only.

A second statement, written from the specifications, of what docs/merkle-tree.md builds on:

- Ed25519 verification (RFC 8032 section 5.1.7), in pure Python;
- the RFC 6962 / RFC 9162 Merkle tree: leaf and node hashes, a tree kept as its left
  frontier, inclusion proofs (RFC 9162 section 2.1.3.2);
- C2SP signed notes (c2sp.org/signed-note), checkpoints (c2sp.org/tlog-checkpoint) and
  verifier keys (NAME+KEYID+BASE64), parsed as strictly as the Java code parses them, so that
  both refuse the same notes.

Not a program: verify_export.py imports it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from dataclasses import dataclass

# --- Ed25519 verification, RFC 8032 section 5.1.7 (pure Python; slow but few calls) -------

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_I = pow(2, (_P - 1) // 4, _P)


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _I % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _decompress(b: bytes):
    y = int.from_bytes(b, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


def _add(p, q):
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(s: int, p):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _add(q, p)
        p = _add(p, p)
        s >>= 1
    return q


def _equal(p, q) -> bool:
    return (p[0] * q[2] - q[0] * p[2]) % _P == 0 and (p[1] * q[2] - q[1] * p[2]) % _P == 0


_GY = 4 * pow(5, _P - 2, _P) % _P
_G = (_recover_x(_GY, 0), _GY, 1, _recover_x(_GY, 0) * _GY % _P)


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % _L
    return _equal(_mul(s, _G), _add(r, _mul(h, a)))


# --- the Merkle tree (RFC 6962 section 2.1, RFC 9162 section 2.1) ----------------------------


def leaf_hash(leaf_input: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf_input).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Frontier:
    """A tree of `size` leaves kept as its left frontier: the roots of its perfect subtrees,
    one per set bit of `size`, largest first. Appending joins equal-sized trailing subtrees."""

    def __init__(self, size: int, subtrees: list[bytes]):
        if len(subtrees) != bin(size).count("1"):
            raise ValueError(f"the frontier of size {size} has one hash per set bit")
        self.size = size
        self.subtrees = list(subtrees)

    def append(self, leaf: bytes) -> None:
        h, bits = leaf, self.size
        while bits & 1:
            h = node_hash(self.subtrees.pop(), h)
            bits >>= 1
        self.subtrees.append(h)
        self.size += 1

    def root(self) -> bytes:
        if not self.subtrees:
            return hashlib.sha256(b"").digest()
        h = self.subtrees[-1]
        for left in reversed(self.subtrees[:-1]):
            h = node_hash(left, h)
        return h


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: whether `proof` leads from the leaf at `index` to `root`."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn != 0 and fn & 1 == 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


# --- signed notes, checkpoints and verifier keys ---------------------------------------------

_SIZE_RE = re.compile(r"0|[1-9][0-9]{0,18}")
_KEY_ID_RE = re.compile(r"[0-9a-fA-F]{8}")
_SIGNATURE_PREFIX = "\u2014 "
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """Not a signed note, checkpoint or verifier key as the specs allow."""


def b64(text: str, what: str) -> bytes:
    """Standard base64 in canonical form only, so that re-encoding gives back the text."""
    try:
        out = base64.b64decode(text, validate=True)
    except ValueError as e:
        raise NoteError(f"{what} is not base64: '{text}'") from e
    if base64.b64encode(out).decode("ascii") != text:
        raise NoteError(f"{what} is not canonical base64: '{text}'")
    return out


def _check_characters(s: str, what: str) -> None:
    for i, ch in enumerate(s):
        if ord(ch) < 0x20 and ch != "\n":
            raise NoteError(f"{what} has control character U+{ord(ch):04X} at {i}")
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise NoteError(f"{what} is not encodable as UTF-8: unpaired surrogate at {i}")


def _is_space(ch: str) -> bool:
    """Go's unicode.IsSpace: the Zs, Zl, Zp categories, TAB..CR and U+0085."""
    return unicodedata.category(ch) in ("Zs", "Zl", "Zp") or 0x09 <= ord(ch) <= 0x0D \
        or ord(ch) == 0x85


def check_key_name(name: str) -> None:
    if not name:
        raise NoteError("key name must not be empty")
    for ch in name:
        if ch == "+" or _is_space(ch) or 0xD800 <= ord(ch) <= 0xDFFF:
            raise NoteError(f"key name '{name}' must not contain spaces, '+' or unpaired"
                            " surrogates")


def key_id(name: str, sig_type: int, key: bytes) -> int:
    d = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + key).digest()
    return int.from_bytes(d[:4], "big")


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: int
    signature: bytes


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]


def _signature_line(line: str, number: int) -> Signature:
    if not line.startswith(_SIGNATURE_PREFIX):
        raise NoteError(f"signature line {number} does not start with '\u2014 '")
    rest = line[len(_SIGNATURE_PREFIX):]
    space = rest.find(" ")
    if space < 0:
        raise NoteError(f"signature line {number} is not '\u2014 <key name> <base64>'")
    name = rest[:space]
    raw = b64(rest[space + 1:], f"signature on line {number}")
    if len(raw) < 5:
        raise NoteError(f"signature on line {number} has fewer than a key id and one byte")
    check_key_name(name)
    return Signature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def parse_note(signed: str) -> Note:
    """A signed note: text ending in a newline, a blank line, 1 to 100 signature lines."""
    _check_characters(signed, "signed note")
    split = signed.rfind("\n\n")
    if split < 0:
        raise NoteError("signed note has no blank line before its signatures")
    block = signed[split + 2:]
    if not block or not block.endswith("\n"):
        raise NoteError("signed note must end in signature lines, each ending in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"signed note has more than {MAX_SIGNATURES} signature lines")
    return Note(signed[:split + 1], tuple(_signature_line(l, i + 1) for i, l in enumerate(lines)))


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...]


def parse_checkpoint(text: str) -> Checkpoint:
    """A checkpoint's note text: origin, decimal size, base64 root, extension lines."""
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("a checkpoint has at least 3 lines (origin, size, root hash)")
    if not _SIZE_RE.fullmatch(lines[1]) or int(lines[1]) > 2**63 - 1:
        raise NoteError(f"checkpoint size '{lines[1]}' is not a decimal number without sign or"
                        " leading zeros that fits 63 bits")
    root = b64(lines[2], "checkpoint root hash")
    if len(root) != 32:
        raise NoteError("checkpoint root hash must be 32 bytes")
    if not lines[0] or any(not line for line in lines[3:]):
        raise NoteError("a checkpoint has no empty origin or extension line")
    return Checkpoint(lines[0], int(lines[1]), root, tuple(lines[3:]))


def note_verifies(note: Note, name: str, public: bytes) -> bool:
    """Whether the Ed25519 key `public` under `name` signed the note, and no line claiming
    that key is bad (lines of other keys are ignored)."""
    kid = key_id(name, 0x01, public)
    text = note.text.encode("utf-8")
    signed = False
    for s in note.signatures:
        if s.name == name and s.key_id == kid:
            if not ed25519_verify(public, text, s.signature):
                return False
            signed = True
    return signed


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_id: int
    public: bytes

    def __str__(self) -> str:
        return f"{self.name}+{self.key_id:08x}"


def parse_verifier_key(vkey: str) -> VerifierKey:
    """NAME+KEYID+BASE64(0x01 || 32-byte Ed25519 key), its key id checked."""
    plus1 = vkey.find("+")
    plus2 = -1 if plus1 < 0 else vkey.find("+", plus1 + 1)
    if plus2 < 0:
        raise NoteError(f"verifier key '{vkey}' is not <name>+<key id>+<base64 key>")
    name, kid = vkey[:plus1], vkey[plus1 + 1:plus2]
    if not _KEY_ID_RE.fullmatch(kid):
        raise NoteError(f"key id '{kid}' in verifier key '{vkey}' is not 8 hex digits")
    typed = b64(vkey[plus2 + 1:], f"key in verifier key '{vkey}'")
    if len(typed) < 2:
        raise NoteError(f"verifier key '{vkey}' has no key")
    check_key_name(name)
    if key_id(name, typed[0], typed[1:]) != int(kid, 16):
        raise NoteError(f"key id {kid} in verifier key '{vkey}' does not match its name and key")
    if typed[0] != 0x01:
        raise NoteError(f"verifier key '{vkey}' has signature type 0x{typed[0]:02x}, not 0x01"
                        " (Ed25519)")
    if len(typed) != 33:
        raise NoteError(f"verifier key '{vkey}' does not hold a 32-byte Ed25519 key")
    return VerifierKey(name, int(kid, 16), typed[1:])
