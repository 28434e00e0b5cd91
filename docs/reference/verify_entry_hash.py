#!/usr/bin/env python3
"""Reference implementation of the audit-log entry hash and chain hash, format v1.

Specification: docs/hash-format.md.  Standard library only (Python 3.11+).

    python3 docs/reference/verify_entry_hash.py             # check the test vectors
    python3 docs/reference/verify_entry_hash.py --generate  # (re)write the test vectors

The canonical JSON serializer below is written by hand for the fixed entry
structure (RFC 8785 / JCS restricted to integers, strings and string->string
objects).  It deliberately does NOT use json.dumps, so that it is an
independent check of the escaping and key-ordering rules.
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import re
import sys
from pathlib import Path

FORMAT_NAME = "audit-entry-hash"
FORMAT_VERSION = 1

# The keys of an entry as they appear in an export / the test vectors.
# The hashed object is these plus "v" (the format version).
ENTRY_KEYS = (
    "seq",
    "recorded_at",
    "event_id",
    "user_id",
    "action",
    "target",
    "source_ip",
    "outcome",
    "occurred_at",
    "risk_signals",
    "attributes",
    "producer",
)
STRING_KEYS = ("recorded_at", "event_id", "user_id", "action", "target",
               "source_ip", "outcome", "occurred_at", "producer")
MAP_KEYS = ("risk_signals", "attributes")

OUTCOMES = frozenset({
    "OUTCOME_UNSPECIFIED",
    "OUTCOME_SUCCESS",
    "OUTCOME_FAILURE",
    "OUTCOME_DENIED",
    "OUTCOME_ERROR",
})

MAX_SEQ = 2**53 - 1  # 9007199254740991
ZERO_CHAIN_HASH = "00" * 32

TIMESTAMP_RE = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\Z")
UUID_RE = re.compile(r"\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
HEX64_RE = re.compile(r"\A[0-9a-f]{64}\Z")


# ---------------------------------------------------------------------------
# Canonical JSON (RFC 8785 subset), by hand
# ---------------------------------------------------------------------------

# JSON.stringify's short escapes.  Every other code point below U+0020 becomes
# \u00xx with lowercase hex.  Nothing else is escaped (not '/', not U+007F,
# not U+2028/U+2029, not non-ASCII).
_SHORT_ESCAPES = {
    0x22: '\\"',
    0x5C: "\\\\",
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
}
_HEX = "0123456789abcdef"


def _check_text(s: str) -> None:
    for ch in s:
        cp = ord(ch)
        if cp == 0:
            raise ValueError("string contains U+0000")
        if 0xD800 <= cp <= 0xDFFF:
            raise ValueError("string contains a lone surrogate (not valid Unicode text)")


def _quote(s: str) -> str:
    """Serialize a string exactly as ECMAScript JSON.stringify / RFC 8785 do."""
    _check_text(s)
    out = ['"']
    for ch in s:
        cp = ord(ch)
        esc = _SHORT_ESCAPES.get(cp)
        if esc is not None:
            out.append(esc)
        elif cp < 0x20:
            out.append("\\u00" + _HEX[cp >> 4] + _HEX[cp & 0xF])
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _utf16_code_units(s: str) -> list[int]:
    """The UTF-16 code units of s (what RFC 8785 sorts object member names by)."""
    units = []
    for ch in s:
        cp = ord(ch)
        if cp >= 0x10000:
            cp -= 0x10000
            units.append(0xD800 + (cp >> 10))
            units.append(0xDC00 + (cp & 0x3FF))
        else:
            units.append(cp)
    return units


def _sorted_keys(d: dict) -> list[str]:
    # Lists of ints compare lexicographically, and a proper prefix sorts first,
    # which is exactly the RFC 8785 rule.
    return sorted(d.keys(), key=_utf16_code_units)


def _int(n: int) -> str:
    if type(n) is not int:
        raise TypeError(f"expected an integer, got {type(n).__name__}")
    if not 0 <= n <= MAX_SEQ:
        raise ValueError(f"integer {n} outside 0..2^53-1")
    return str(n)  # plain decimal, no sign, no exponent, no leading zeros


def _string_map(m: dict) -> str:
    if not isinstance(m, dict):
        raise TypeError("expected a JSON object (string -> string map)")
    parts = []
    for k in _sorted_keys(m):
        v = m[k]
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError("map keys and values must all be strings")
        parts.append(_quote(k) + ":" + _quote(v))
    return "{" + ",".join(parts) + "}"


def hash_object(entry: dict) -> dict:
    """The object that is hashed: the entry's 12 fields plus v = 1."""
    missing = [k for k in ENTRY_KEYS if k not in entry]
    extra = [k for k in entry if k not in ENTRY_KEYS]
    if missing or extra:
        raise ValueError(f"entry keys wrong: missing={missing} extra={extra}")
    obj = {k: entry[k] for k in ENTRY_KEYS}
    obj["v"] = FORMAT_VERSION
    return obj


def canonical_json(entry: dict) -> bytes:
    """RFC 8785 canonical JSON of the hash object for `entry`, as UTF-8 bytes."""
    obj = hash_object(entry)
    parts = []
    for k in _sorted_keys(obj):
        v = obj[k]
        if k in ("v", "seq"):
            s = _int(v)
        elif k in MAP_KEYS:
            s = _string_map(v)
        else:
            if not isinstance(v, str):
                raise TypeError(f"{k} must be a string")
            s = _quote(v)
        parts.append(_quote(k) + ":" + s)
    return ("{" + ",".join(parts) + "}").encode("utf-8")


def entry_hash(entry: dict) -> str:
    return hashlib.sha256(canonical_json(entry)).hexdigest()


def chain_hash(prev_chain_hash: str, this_entry_hash: str) -> str:
    for h in (prev_chain_hash, this_entry_hash):
        if not HEX64_RE.match(h):
            raise ValueError(f"not a lowercase 64-digit hex SHA-256: {h!r}")
    return hashlib.sha256(bytes.fromhex(prev_chain_hash) + bytes.fromhex(this_entry_hash)).hexdigest()


# ---------------------------------------------------------------------------
# Field-level validation (the server guarantees these; a verifier may check)
# ---------------------------------------------------------------------------

def validate_entry(entry: dict) -> list[str]:
    """Return a list of problems with the field formats (empty if fine)."""
    problems = []
    try:
        hash_object(entry)
    except ValueError as e:
        return [str(e)]
    seq = entry["seq"]
    if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        problems.append(f"seq must be an integer in 1..2^53-1, got {seq!r}")
    for k in STRING_KEYS:
        if not isinstance(entry[k], str):
            problems.append(f"{k} must be a string")
    for k in MAP_KEYS:
        m = entry[k]
        if not isinstance(m, dict) or not all(isinstance(x, str) for kv in m.items() for x in kv):
            problems.append(f"{k} must be an object of string values")
    if problems:
        return problems
    for k in ("recorded_at", "occurred_at"):
        if entry[k] and not TIMESTAMP_RE.match(entry[k]):
            problems.append(f"{k} not RFC 3339 UTC with 6 fractional digits: {entry[k]!r}")
    if not entry["recorded_at"]:
        problems.append("recorded_at is empty")
    if entry["event_id"] and not UUID_RE.match(entry["event_id"]):
        problems.append(f"event_id not a lowercase canonical UUID: {entry['event_id']!r}")
    if entry["outcome"] not in OUTCOMES:
        problems.append(f"outcome not a known enum value name: {entry['outcome']!r}")
    ip = entry["source_ip"]
    if ip:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            problems.append(f"source_ip not an IP address: {ip!r}")
        else:
            # Python's str() of an address is dotted quad / RFC 5952.  It renders
            # IPv4-mapped IPv6 addresses in hex (::ffff:c000:201) where RFC 5952
            # section 5 recommends ::ffff:192.0.2.1, so those are not checked.
            mapped = isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None
            if not mapped and str(addr) != ip:
                problems.append(f"source_ip not in canonical form: {ip!r} (expected {str(addr)!r})")
    for k in STRING_KEYS:
        try:
            _check_text(entry[k])
        except ValueError as e:
            problems.append(f"{k}: {e}")
    return problems


# ---------------------------------------------------------------------------
# Test vectors
# ---------------------------------------------------------------------------

def _entry(seq, recorded_at, event_id, user_id, action, target, source_ip,
           outcome, occurred_at, risk_signals, attributes, producer):
    return {
        "seq": seq,
        "recorded_at": recorded_at,
        "event_id": event_id,
        "user_id": user_id,
        "action": action,
        "target": target,
        "source_ip": source_ip,
        "outcome": outcome,
        "occurred_at": occurred_at,
        "risk_signals": risk_signals,
        "attributes": attributes,
        "producer": producer,
    }


def vector_entries() -> tuple[list[tuple[str, dict]], list[tuple[str, dict]]]:
    """(chain cases in seq order 1..N, standalone cases)."""
    chain = [
        ("registration success, plain ASCII", _entry(
            1, "2026-11-23T09:15:00.123456Z", "0b9d6c52-3f1e-4a7b-9c2d-5e8f1a2b3c4d",
            "user-1001", "user.register", "account:user-1001", "192.0.2.10",
            "OUTCOME_SUCCESS", "2026-11-23T09:14:59.987654Z",
            {}, {"method": "email", "plan": "free"}, "registration-service")),
        ("registration failure with risk signals", _entry(
            2, "2026-11-23T09:16:00.000000Z", "1c2e7d63-4a2f-4b8c-8d3e-6f9a2b3c4d5e",
            "user-1002", "user.register", "account:user-1002", "198.51.100.7",
            "OUTCOME_FAILURE", "2026-11-23T09:15:59.500000Z",
            {"risk_score": "0.87", "ip_reputation": "bad", "velocity": "12"},
            {"reason": "risk_threshold_exceeded"}, "registration-service")),
        ("login from IPv6 address", _entry(
            3, "2026-11-23T09:17:30.000001Z", "2d3f8e74-5b3a-4c9d-9e4f-7a0b3c4d5e6f",
            "user-1001", "user.login", "session", "2001:db8::1",
            "OUTCOME_SUCCESS", "2026-11-23T09:17:29.999999Z",
            {"risk_score": "0.02"}, {"mfa": "totp"}, "auth-service")),
        ("absent occurred_at, empty maps, empty user_id/target/source_ip", _entry(
            4, "2026-11-23T09:18:00.000000Z", "3e4a9f85-6c4b-4dae-8f5a-8b1c4d5e6f70",
            "", "system.heartbeat", "", "",
            "OUTCOME_UNSPECIFIED", "",
            {}, {}, "scheduler")),
        ("non-ASCII text: Latin-1, CJK, emoji in value and key, U+2028/U+2029", _entry(
            5, "2026-11-23T09:19:12.345678Z", "4f5b0a96-7d5c-4ebf-9a6b-9c2d5e6f7081",
            "Zoë", "profile.update", "東京", "203.0.113.255",
            "OUTCOME_SUCCESS", "2026-11-23T09:19:12.000000Z",
            {"note": "naïve café"},
            {"display_name": "Zoë 😀", "😀": "grinning face", "city": "東京",
             "separators": "line\u2028para\u2029end"},
            "profile-service")),
        ("control characters, quote, backslash, slash; keys whose escaped order differs", _entry(
            6, "2026-11-23T09:20:00.000000Z", "5a6c1ba7-8e6d-4fc0-8b7c-0d3e6f708192",
            "user\t1003", "note.add", "path/to/resource", "::1",
            "OUTCOME_ERROR", "2026-11-23T09:19:58.250000Z",
            # "a\n" sorts before "a\"" on the raw strings (U+000A < U+0022),
            # but after it if one wrongly sorted the escaped text ('"' < 'n').
            {"a\"": "quoted key", "a\n": "newline key"},
            {"tab": "a\tb", "newline": "line1\nline2", "cr": "x\ry",
             "backspace_formfeed": "\b\f", "u0001": "\u0001", "u001f": "\u001f",
             "del": "\u007f", "backslash": "C:\\temp\\x", "quote": "say \"hi\"",
             "slash": "a/b</script>", "mixed": "\u0001\u001f\t\"\\/"},
            "notes-service")),
        ("map keys where UTF-16 order differs from code point order", _entry(
            7, "2026-11-23T09:21:00.654321Z", "6b7d2cb8-9f7e-40d1-9c8d-1e4f708192a3",
            "user-1004", "settings.update", "settings:user-1004", "2001:db8::1:0:0:1",
            "OUTCOME_DENIED", "2026-11-23T09:21:00.654000Z",
            {},
            {"\ue000": "private use U+E000", "\U0001F600": "U+1F600 (surrogates D83D DE00)",
             "\ufffd": "U+FFFD", "z": "ASCII", "é": "U+00E9", "": "empty key"},
            "settings-service")),
        ("risk acceptance with justification/approver/expires_at", _entry(
            8, "2026-11-23T10:00:00.000000Z", "7c8e3dc9-a08f-41e2-8d9e-2f508192a3b4",
            "user-2001", "risk.accept", "registration:1c2e7d63-4a2f-4b8c-8d3e-6f9a2b3c4d5e",
            "10.0.0.5", "OUTCOME_SUCCESS", "2026-11-23T09:59:58.000000Z",
            {"risk_score": "0.87"},
            {"justification": "Known customer; VPN exit node flagged by reputation feed.",
             "approver": "user-2001", "expires_at": "2026-12-23T10:00:00.000000Z"},
            "review-console")),
    ]
    standalone = [
        ("maximum seq 2^53-1", _entry(
            9007199254740991, "2026-11-23T11:00:00.000000Z", "8d9f4eda-b190-42f3-9eaf-3a6192a3b4c5",
            "user-1001", "user.logout", "session", "192.0.2.10",
            "OUTCOME_SUCCESS", "2026-11-23T10:59:59.999999Z",
            {}, {}, "auth-service")),
    ]
    return chain, standalone


def build_vectors() -> dict:
    chain, standalone = vector_entries()
    cases = []
    prev = ZERO_CHAIN_HASH
    for name, e in chain:
        problems = validate_entry(e)
        if problems:
            raise ValueError(f"vector {name!r} invalid: {problems}")
        eh = entry_hash(e)
        ch = chain_hash(prev, eh)
        cases.append({
            "name": name,
            "entry": e,
            "canonical_json": canonical_json(e).decode("utf-8"),
            "entry_hash": eh,
            "prev_chain_hash": prev,
            "chain_hash": ch,
        })
        prev = ch
    solo = []
    for name, e in standalone:
        problems = validate_entry(e)
        if problems:
            raise ValueError(f"vector {name!r} invalid: {problems}")
        solo.append({
            "name": name,
            "entry": e,
            "canonical_json": canonical_json(e).decode("utf-8"),
            "entry_hash": entry_hash(e),
        })
    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "cases": cases,
            "standalone_cases": solo}


def check_vectors(doc: dict) -> tuple[int, int]:
    passed = failed = 0

    def report(ok: bool, label: str, problems: list[str]) -> None:
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"ok    {label}")
        else:
            failed += 1
            print(f"FAIL  {label}")
            for p in problems:
                print(f"        {p}")

    if doc.get("format") != FORMAT_NAME or doc.get("version") != FORMAT_VERSION:
        report(False, "header", [f"unexpected format/version: {doc.get('format')!r} {doc.get('version')!r}"])

    prev = ZERO_CHAIN_HASH
    expected_seq = 1
    for case in doc.get("cases", []):
        e = case.get("entry", {})
        label = f"seq={e.get('seq')} {case.get('name')}"
        problems = []
        try:
            problems += validate_entry(e)
            cj = canonical_json(e)
            if cj != case["canonical_json"].encode("utf-8"):
                problems.append(f"canonical_json differs:\n          got      {cj.decode('utf-8')!r}"
                                f"\n          expected {case['canonical_json']!r}")
            # Independent sanity check: the canonical text parses back to the hash object.
            if json.loads(cj) != hash_object(e):
                problems.append("canonical_json does not parse back to the hash object")
            eh = entry_hash(e)
            if eh != case["entry_hash"]:
                problems.append(f"entry_hash {eh} != expected {case['entry_hash']}")
            if e.get("seq") != expected_seq:
                problems.append(f"seq {e.get('seq')!r} != expected {expected_seq} (gap, insertion or reorder)")
            if case["prev_chain_hash"] != prev:
                problems.append(f"prev_chain_hash {case['prev_chain_hash']} != previous chain_hash {prev}")
            ch = chain_hash(prev, eh)
            if ch != case["chain_hash"]:
                problems.append(f"chain_hash {ch} != expected {case['chain_hash']}")
        except (KeyError, TypeError, ValueError) as ex:
            problems.append(f"{type(ex).__name__}: {ex}")
            ch = case.get("chain_hash", ZERO_CHAIN_HASH)
        report(not problems, label, problems)
        prev = ch
        expected_seq += 1

    for case in doc.get("standalone_cases", []):
        e = case.get("entry", {})
        label = f"standalone seq={e.get('seq')} {case.get('name')}"
        problems = []
        try:
            problems += validate_entry(e)
            cj = canonical_json(e)
            if cj != case["canonical_json"].encode("utf-8"):
                problems.append(f"canonical_json differs: got {cj.decode('utf-8')!r}")
            eh = entry_hash(e)
            if eh != case["entry_hash"]:
                problems.append(f"entry_hash {eh} != expected {case['entry_hash']}")
        except (KeyError, TypeError, ValueError) as ex:
            problems.append(f"{type(ex).__name__}: {ex}")
        report(not problems, label, problems)

    return passed, failed


def default_vectors_path() -> Path:
    return Path(__file__).resolve().parent.parent / "test-vectors" / "entry-hash-v1.json"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generate", action="store_true",
                    help="write the test vectors file instead of checking it")
    ap.add_argument("--vectors", type=Path, default=default_vectors_path(),
                    help="path of the test vectors file (default: %(default)s)")
    args = ap.parse_args(argv)

    if args.generate:
        doc = build_vectors()
        # ASCII-only file: non-ASCII and invisible characters (U+007F, U+2028,
        # U+E000, ...) appear as JSON \u escapes, which any JSON parser decodes.
        text = json.dumps(doc, ensure_ascii=True, indent=2) + "\n"
        args.vectors.parent.mkdir(parents=True, exist_ok=True)
        args.vectors.write_text(text, encoding="utf-8")
        print(f"wrote {len(doc['cases'])} chain cases and "
              f"{len(doc['standalone_cases'])} standalone cases to {args.vectors}")
        return 0

    try:
        doc = json.loads(args.vectors.read_text(encoding="utf-8"))
    except (OSError, ValueError) as ex:
        print(f"cannot read {args.vectors}: {ex}", file=sys.stderr)
        return 2
    passed, failed = check_vectors(doc)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
