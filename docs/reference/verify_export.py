#!/usr/bin/env python3
"""Independent verifier of audit export files (docs/export-format.md), standard library only.

A second statement of the export and checkpoint formats, written from the documents: it
checks that the export starts at seq 1 or right after a trusted predecessor, recomputes
every entry hash and the chain, checks the checkpoint's Ed25519 signature with a
pure-Python RFC 8032 verifier, and checks that the entries end at the checkpoint, of the
expected log.

    python3 docs/reference/verify_export.py FILE --public-key KEY.pub.pem
        [--after CHECKPOINT_FILE | --after SEQ:CHAIN_HASH | --after CHAIN_HASH] [--log-id ID]
    python3 docs/reference/verify_export.py          # checks docs/test-vectors/export-v1.jsonl

Prints "OK: ..." and exits 0, or "FAILED at seq N: PROBLEM: ..." and exits 1; exits 2 when
the file, the key or the --after file cannot be read, or an option is bad. It runs the plain
check of docs/export-format.md section 3 and names the problem of the first check that
fails; for a seq out of place or an entry that does not hash or link, the Java verifier
also tells renumbering, swaps and insertions apart, so it may name another problem there.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from verify_entry_hash import (  # noqa: E402
    ENTRY_KEYS, HEX64_RE, MAP_KEYS, STRING_KEYS, _quote, chain_hash, entry_hash)

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


# --- lines -------------------------------------------------------------------------------

HEADER_MEMBERS = frozenset({"type", "format", "version", "log_id", "from_seq", "to_seq",
                            "prev_chain_hash"})
ENTRY_MEMBERS = frozenset(ENTRY_KEYS) | {"type", "entry_hash", "chain_hash"}
CHECKPOINT_MEMBERS = frozenset({"type", "log_id", "seq", "chain_hash", "recorded_at", "key_id",
                                "signature"})
MEMBERS = {"header": HEADER_MEMBERS, "entry": ENTRY_MEMBERS, "checkpoint": CHECKPOINT_MEMBERS}
LOG_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
SEQ_AND_HASH_RE = re.compile(r"([0-9]{1,18}):([0-9a-fA-F]{64})")
ANY_CASE_HASH_RE = re.compile(r"[0-9a-fA-F]{64}")


class Malformed(ValueError):
    """A line is not what the format allows."""


def _no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise Malformed(f"member {k} appears twice")
        obj[k] = v
    return obj


def _text(s: str, what: str) -> None:
    """No U+0000 (no log holds it), no unpaired surrogate (from a lone \\uD800-style escape:
    it has no UTF-8 form, so no hash)."""
    for ch in s:
        if ch == "\0":
            raise Malformed(f"{what} holds U+0000, which no log holds")
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise Malformed(f"{what} holds an unpaired surrogate U+{ord(ch):04X}:"
                            " not valid Unicode text")


def _check_values(obj: dict) -> None:
    """Members are strings, integers or objects of strings; every string is valid text."""
    for name, value in obj.items():
        _text(name, "a member name")
        if isinstance(value, str):
            _text(value, f"member {name}")
        elif isinstance(value, dict):
            for k, v in value.items():
                _text(k, f"member {name}: a key")
                if not isinstance(v, str):
                    raise Malformed(f"member {k} has a type the format does not allow")
                _text(v, f"member {name}: the value of a key")
        elif type(value) is not int:  # bool is an int to Python, not to JSON
            raise Malformed(f"member {name} has a type the format does not allow")


def _string(obj: dict, key: str) -> str:
    if not isinstance(obj[key], str):
        raise Malformed(f"{key} must be a string")
    return obj[key]


def _integer(obj: dict, key: str) -> int:
    if type(obj[key]) is not int:
        raise Malformed(f"{key} must be an integer")
    return obj[key]


def _object(obj: dict, key: str) -> dict:
    if not isinstance(obj[key], dict):
        raise Malformed(f"{key} must be an object of strings")
    return obj[key]


def _hash(obj: dict, key: str) -> str:
    if not HEX64_RE.match(_string(obj, key)):
        raise Malformed(f"{key} must be 64 lowercase hex digits")
    return obj[key]


def parse_line(line: str) -> dict:
    """One line, strictly: a JSON object with exactly its type's members, of their types."""
    try:
        obj = json.loads(line, object_pairs_hook=_no_duplicates)
    except Malformed:
        raise
    except ValueError as e:
        raise Malformed(f"not a JSON object as the format allows: {e}") from e
    if not isinstance(obj, dict):
        raise Malformed("not a JSON object")
    _check_values(obj)
    members = MEMBERS.get(obj.get("type"))
    if members is None:
        raise Malformed(f"unknown line type {obj.get('type')}")
    if set(obj) != members:
        raise Malformed(f"{obj['type']} line: missing {sorted(members - set(obj))},"
                        f" unknown {sorted(set(obj) - members)}")
    {"header": _header, "entry": _entry, "checkpoint": _checkpoint_line}[obj["type"]](obj)
    return obj


def _header(h: dict) -> None:
    if (h["format"], h["version"]) != ("audit-export", 1):  # a bool never gets here
        raise Malformed(f"not an audit-export version 1 file: format {h['format']}"
                        f" version {h['version']}")
    if _integer(h, "from_seq") < 1:
        raise Malformed(f"header from_seq must be >= 1, got {h['from_seq']}")
    _integer(h, "to_seq")
    _string(h, "log_id")
    _hash(h, "prev_chain_hash")


def _entry(e: dict) -> None:
    _integer(e, "seq")
    for k in STRING_KEYS:
        _string(e, k)
    for k in MAP_KEYS:
        _object(e, k)
    _hash(e, "entry_hash")
    _hash(e, "chain_hash")


def _signature(c: dict) -> bytes:
    try:
        return base64.b64decode(_string(c, "signature"), validate=True)
    except ValueError as e:
        raise Malformed("checkpoint signature is not base64") from e


def _checkpoint_line(c: dict) -> None:
    _signature(c)
    if _integer(c, "seq") < 0:
        raise Malformed(f"checkpoint seq must be >= 0, got {c['seq']}")
    for k in ("log_id", "recorded_at", "key_id"):
        _string(c, k)
    _hash(c, "chain_hash")


# --- keys and the trusted predecessor --------------------------------------------------------


def key_id(spki: bytes) -> str:
    return hashlib.sha256(spki).hexdigest()


def signature_problem(c: dict, spki: bytes) -> str | None:
    """Why the checkpoint's signature does not verify with the trusted key, or None."""
    if ed25519_verify(spki[12:], checkpoint_bytes(c), _signature(c)):
        return None
    trusted = key_id(spki)
    if c["key_id"] != trusted:
        return f"the checkpoint names key {c['key_id']}, not the trusted key {trusted}"
    return f"the checkpoint's signature does not verify with key {trusted}"


@dataclass(frozen=True)
class Predecessor:
    """The trusted entry before an export's first one; seq and log_id None when not known."""
    seq: int | None
    chain_hash: str
    log_id: str | None
    description: str


def parse_after(value: str, spki: bytes) -> Predecessor:
    """--after: SEQ:CHAIN_HASH, a CHAIN_HASH, or a file whose first line is a checkpoint."""
    m = SEQ_AND_HASH_RE.fullmatch(value)
    if m:
        seq = int(m.group(1))
        return Predecessor(seq, m.group(2).lower(), None, f"the trusted chain hash of seq {seq}")
    if ANY_CASE_HASH_RE.fullmatch(value):
        return Predecessor(None, value.lower(), None, f"the trusted chain hash {value.lower()}")
    path = Path(value)
    if not path.exists():
        raise ValueError("neither SEQ:CHAIN_HASH, nor a CHAIN_HASH of 64 hex digits, nor an"
                         " existing file")
    first = path.read_bytes().decode("utf-8").split("\n")[0]
    if not first:
        raise ValueError("the file is empty, expected a checkpoint line")
    try:
        c = parse_line(first)
    except Malformed as e:
        raise ValueError(f"not a checkpoint line: {e}") from e
    if c["type"] != "checkpoint":
        raise ValueError("not a checkpoint line, but another line of an export")
    problem = signature_problem(c, spki)
    if problem:
        raise ValueError(problem)
    return Predecessor(c["seq"], c["chain_hash"], c["log_id"],
                       f"the signed checkpoint of seq {c['seq']} recorded at {c['recorded_at']}")


def expected_log(log_id: str | None, after: Predecessor | None) -> str | None:
    """--log-id, else the log of a checkpoint --after; both must agree."""
    if log_id is not None and not LOG_ID_RE.fullmatch(log_id):
        raise ValueError(f"a log id is 1..64 of letters, digits, '.', '_' and '-', got"
                         f" '{log_id}'")
    checkpoint_log = after.log_id if after else None
    if log_id is not None and checkpoint_log is not None and log_id != checkpoint_log:
        raise ValueError(f"the log is to be '{log_id}' but the trusted checkpoint is of log"
                         f" '{checkpoint_log}'")
    return log_id if log_id is not None else checkpoint_log


# --- the export -----------------------------------------------------------------------------


class Failed(Exception):
    def __init__(self, seq: int, problem: str, message: str):
        super().__init__(f"FAILED at seq {seq}: {problem}: {message}")


def _start(h: dict, after: Predecessor | None, log_id: str | None) -> None:
    """The header's log, and where the export starts."""
    frm = h["from_seq"]
    if log_id is not None and h["log_id"] != log_id:
        raise Failed(frm, "WRONG_LOG", f"the export is of log '{h['log_id']}', expected"
                     f" '{log_id}'")
    if frm == 1 and h["prev_chain_hash"] != GENESIS:
        raise Failed(1, "CHAIN_BROKEN", "an export from seq 1 must start from the genesis chain"
                     f" hash (64 zeros), header has {h['prev_chain_hash']}")
    if after is None:
        if frm != 1:
            raise Failed(1, "HEAD_CUT", f"the export starts at seq {frm}: entries 1..{frm - 1}"
                         " are not in it (to verify a range, give the trusted predecessor of"
                         f" seq {frm} with --after)")
        return
    if after.seq is not None and frm != after.seq + 1:
        raise Failed(min(frm, after.seq + 1), "PREDECESSOR_MISMATCH", f"the export starts at seq"
                     f" {frm}, but after {after.description} it must start at {after.seq + 1}")
    if h["prev_chain_hash"] != after.chain_hash:
        raise Failed(frm, "PREDECESSOR_MISMATCH", "the header's prev_chain_hash is"
                     f" {h['prev_chain_hash']}, the trusted predecessor's chain hash is"
                     f" {after.chain_hash}")


def _entry_chain(o: dict, expected: int, prev: str) -> str:
    """Checks one entry; returns its chain hash or raises Failed (the plain check's names)."""
    if o["seq"] < expected:
        raise Failed(o["seq"], "ENTRY_INSERTED", f"a second entry with seq {o['seq']} follows"
                     f" seq {expected - 1}")
    if o["seq"] > expected:
        raise Failed(expected, "ENTRY_MISSING", f"entry seq {o['seq']} where seq {expected}"
                     " belongs")
    try:
        h_entry = entry_hash({k: o[k] for k in ENTRY_KEYS})
    except ValueError as e:  # e.g. a seq beyond 2^53 - 1
        raise Failed(expected, "MALFORMED", f"the entry cannot be hashed: {e}") from e
    if h_entry != o["entry_hash"]:
        raise Failed(expected, "FIELD_CHANGED", "the entry's fields do not hash to its"
                     " entry_hash")
    chain = chain_hash(prev, h_entry)
    if chain != o["chain_hash"]:
        raise Failed(expected, "CHAIN_BROKEN", "chain_hash does not follow from seq"
                     f" {expected - 1}")
    return chain


def _checkpoint(h: dict, c: dict, prev: str, last: int, spki: bytes, log_id: str | None,
                after: Predecessor | None) -> str:
    seq = c["seq"]
    problem = signature_problem(c, spki)
    if problem:
        raise Failed(seq, "SIGNATURE_INVALID", problem)
    if c["log_id"] != h["log_id"]:
        raise Failed(seq, "WRONG_LOG" if log_id is not None else "MALFORMED", "the checkpoint is"
                     f" of log '{c['log_id']}', the header says '{h['log_id']}'")
    if seq > last:
        raise Failed(last + 1, "TAIL_CUT", f"the export ends at seq {last} but the signed"
                     f" checkpoint covers up to seq {seq}")
    if seq < last:
        raise Failed(seq + 1, "ENTRY_INSERTED", f"entries after seq {seq}, the last one the"
                     " signed checkpoint covers")
    if c["chain_hash"] != prev:
        raise Failed(last, "CHAIN_BROKEN", f"the chain at seq {last} differs from the signed"
                     f" checkpoint: entries up to seq {last} were rewritten")
    if h["to_seq"] != seq:
        raise Failed(seq, "MALFORMED", f"the header's to_seq is {h['to_seq']}, but the export"
                     f" ends at the signed checkpoint's seq {seq}")
    return (f"OK: {last - h['from_seq'] + 1} entries, seq {h['from_seq']}..{last}"
            f"{' after ' + after.description if after else ''}, chain matches the checkpoint of"
            f" log '{h['log_id']}' recorded at {c['recorded_at']}, signed by key {key_id(spki)}")


def _parse(lines: list[str], number: int, expected: int) -> dict:
    try:
        return parse_line(lines[number - 1])
    except Malformed as e:
        raise Failed(expected, "MALFORMED", f"line {number}: {e}") from e


def verify(lines: list[str], spki: bytes, after: Predecessor | None = None,
           log_id: str | None = None) -> str:
    """The OK line, or raises Failed naming the first bad seq and the problem."""
    h = _parse(lines, 1, 1) if lines else None
    if h is None or h["type"] != "header":
        raise Failed(1, "MALFORMED", "the first line must be the header")
    _start(h, after, log_id)
    prev, expected = h["prev_chain_hash"], h["from_seq"]
    for number in range(2, len(lines) + 1):
        o = _parse(lines, number, expected)
        if o["type"] == "checkpoint":
            if number < len(lines):
                _parse(lines, number + 1, expected)
                raise Failed(expected, "MALFORMED", f"line {number + 1}: lines after the"
                             " checkpoint")
            return _checkpoint(h, o, prev, expected - 1, spki, log_id, after)
        if o["type"] == "header":
            raise Failed(expected, "MALFORMED", f"line {number}: a second header")
        prev = _entry_chain(o, expected, prev)
        expected += 1
    raise Failed(expected, "TAIL_CUT", "the file ends without a checkpoint line after seq"
                 f" {expected - 1}")


def _log_id(value: str) -> str:
    if not LOG_ID_RE.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"a log id is 1..64 of letters, digits, '.', '_' and '-', got '{value}'")
    return value


def main(argv: list[str] | None = None) -> int:
    vectors = Path(__file__).resolve().parent.parent / "test-vectors"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", default=vectors / "export-v1.jsonl", type=Path)
    ap.add_argument("--public-key", default=vectors / "checkpoint-test-key.pub.pem", type=Path)
    ap.add_argument("--after", metavar="PREDECESSOR",
                    help="for an export that does not start at seq 1: the trusted entry before"
                    " its first one, as a FILE whose first line is a checkpoint line (signed by"
                    " --public-key; the rest is ignored), SEQ:CHAIN_HASH, or CHAIN_HASH (64 hex"
                    " digits). Without it the export must start at seq 1 (else HEAD_CUT)")
    ap.add_argument("--log-id", metavar="ID", type=_log_id,
                    help="the log the header and the checkpoint must name (else WRONG_LOG)")
    args = ap.parse_args(argv)
    try:
        spki = read_public_key(args.public_key.read_text())
    except (OSError, ValueError, IndexError) as e:
        print(f"verify_export: --public-key {args.public_key}: {e}", file=sys.stderr)
        return 2
    try:
        after = None if args.after is None else parse_after(args.after, spki)
        log_id = expected_log(args.log_id, after)
    except (OSError, ValueError) as e:
        print(f"verify_export: --after {args.after}: {e}", file=sys.stderr)
        return 2
    try:
        # Split on LF only: U+2028, U+2029 and U+0085 occur raw inside strings.
        text = args.file.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        print(f"verify_export: {args.file}: {e}", file=sys.stderr)
        return 2
    lines = text.split("\n")
    try:
        print(verify(lines[:-1] if text.endswith("\n") else lines, spki, after, log_id))
        return 0
    except Failed as e:
        print(e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
