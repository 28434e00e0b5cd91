#!/usr/bin/env python3
"""Independent verifier of audit export files (docs/export-format.md), standard library only.

A second statement of the export and checkpoint formats, written from the documents: it
recomputes every entry hash and the chain, checks the checkpoint's Ed25519 signature with
a pure-Python RFC 8032 verifier, and checks that the entries end at the checkpoint.

    python3 docs/reference/verify_export.py FILE --public-key KEY.pub.pem
    python3 docs/reference/verify_export.py          # checks docs/test-vectors/export-v1.jsonl

Prints "OK: ..." and exits 0, or "FAILED at seq N: ..." and exits 1. It names the first
failing check only; the Java verifier also tells renumbering and swaps apart.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from verify_entry_hash import ENTRY_KEYS, HEX64_RE, _quote, chain_hash, entry_hash  # noqa: E402

GENESIS = "0" * 64
SPKI_ED25519_PREFIX = bytes.fromhex("302a300506032b6570032100")

# --- Ed25519 verification, RFC 8032 section 5.1.7 (pure Python; slow but one call) --------

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


# --- keys and checkpoints -------------------------------------------------------------------


def read_public_key(pem: str) -> bytes:
    body = pem.split("-----BEGIN PUBLIC KEY-----")[1].split("-----END PUBLIC KEY-----")[0]
    der = base64.b64decode("".join(body.split()))
    if len(der) != 44 or not der.startswith(SPKI_ED25519_PREFIX):
        raise ValueError("not an Ed25519 SubjectPublicKeyInfo")
    return der


def checkpoint_bytes(c: dict) -> bytes:
    """RFC 8785 of {chain_hash, log_id, recorded_at, seq}: the members in sorted order."""
    return ('{"chain_hash":' + _quote(c["chain_hash"]) + ',"log_id":' + _quote(c["log_id"])
            + ',"recorded_at":' + _quote(c["recorded_at"]) + ',"seq":' + str(c["seq"])
            + "}").encode("utf-8")


# --- the export -----------------------------------------------------------------------------


class Failed(Exception):
    def __init__(self, seq: int, message: str):
        super().__init__(f"FAILED at seq {seq}: {message}")


def _no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError(f"member {k} appears twice")
        obj[k] = v
    return obj


def verify(lines: list[str], spki: bytes) -> str:
    objs = [json.loads(line, object_pairs_hook=_no_duplicates) for line in lines]
    if not objs or objs[0].get("type") != "header":
        raise Failed(1, "the first line must be the header")
    h = objs[0]
    if (h.get("format"), h.get("version")) != ("audit-export", 1):
        raise Failed(1, "not an audit-export version 1 file")
    prev, expected = h["prev_chain_hash"], h["from_seq"]
    if expected == 1 and prev != GENESIS:
        raise Failed(1, "an export from seq 1 must start from the genesis chain hash")
    body = objs[1:]
    for o in body[:-1] if body and body[-1].get("type") == "checkpoint" else body:
        if o.get("type") != "entry":
            raise Failed(expected, "expected an entry line")
        if o["seq"] != expected:
            raise Failed(expected, f"entry seq {o['seq']} where seq {expected} belongs")
        fields = {k: o[k] for k in ENTRY_KEYS}
        if set(o) != set(ENTRY_KEYS) | {"type", "entry_hash", "chain_hash"}:
            raise Failed(expected, "entry line with missing or unknown members")
        h_entry = entry_hash(fields)
        if h_entry != o["entry_hash"]:
            raise Failed(expected, "the fields do not hash to entry_hash")
        prev = chain_hash(prev, h_entry)
        if prev != o["chain_hash"]:
            raise Failed(expected, "chain_hash does not follow from the entry before")
        expected += 1
    if not body or body[-1].get("type") != "checkpoint":
        raise Failed(expected, "no checkpoint line at the end: tail cut")
    c = body[-1]
    if not ed25519_verify(spki[12:], checkpoint_bytes(c), base64.b64decode(c["signature"])):
        raise Failed(c["seq"], "the checkpoint signature does not verify with the public key")
    if c["log_id"] != h["log_id"]:
        raise Failed(c["seq"], "the checkpoint is of another log")
    last = expected - 1
    if c["seq"] > last:
        raise Failed(last + 1, f"tail cut: the export ends at seq {last}, the checkpoint covers {c['seq']}")
    if c["seq"] < last or c["chain_hash"] != prev or not HEX64_RE.match(prev):
        raise Failed(last, "the chain does not end at the signed checkpoint")
    key_id = hashlib.sha256(spki).hexdigest()
    return (f"OK: {last - h['from_seq'] + 1} entries, seq {h['from_seq']}..{last}, checkpoint of"
            f" log '{c['log_id']}' at {c['recorded_at']} signed by key {key_id}")


def main(argv: list[str] | None = None) -> int:
    vectors = Path(__file__).resolve().parent.parent / "test-vectors"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", default=vectors / "export-v1.jsonl", type=Path)
    ap.add_argument("--public-key", default=vectors / "checkpoint-test-key.pub.pem", type=Path)
    args = ap.parse_args(argv)
    spki = read_public_key(args.public_key.read_text())
    try:
        # Split on LF only: U+2028, U+2029 and U+0085 occur raw inside strings.
        text = args.file.read_bytes().decode("utf-8")
        print(verify(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"), spki))
        return 0
    except Failed as e:
        print(e)
        return 1
    except (ValueError, KeyError, TypeError) as e:
        print(f"FAILED: malformed export: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
