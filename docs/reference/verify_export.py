#!/usr/bin/env python3
"""Independent verifier of audit export files (docs/export-format.md), standard library only.

A second statement of the export and checkpoint formats, versions 1 and 2, written from the
documents: it checks that the export starts at seq 1, right after a trusted predecessor, or
where the Merkle tree places it, recomputes every entry hash and the chain, checks the
checkpoint's Ed25519 signature with a pure-Python RFC 8032 verifier, checks that the entries
end at the checkpoint, of the expected log, and, when the checkpoint has a Merkle root,
recomputes the root from the entries and the left frontier and checks the signed note.

    python3 docs/reference/verify_export.py FILE (--public-key KEY.pub.pem | --verifier-key VKEY)
        [--after CHECKPOINT_FILE | --after SEQ:CHAIN_HASH | --after CHAIN_HASH] [--from-seq N]
        [--log-id ID]
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
from tlog import (  # noqa: E402
    Frontier, NoteError, VerifierKey, ed25519_verify, leaf_hash, note_verifies,
    check_key_name, parse_checkpoint, parse_note, parse_verifier_key)

GENESIS = "0" * 64
SPKI_ED25519_PREFIX = bytes.fromhex("302a300506032b6570032100")

# --- keys and checkpoints -------------------------------------------------------------------


def read_public_key(pem: str) -> bytes:
    body = pem.split("-----BEGIN PUBLIC KEY-----")[1].split("-----END PUBLIC KEY-----")[0]
    der = base64.b64decode("".join(body.split()))
    if len(der) != 44 or not der.startswith(SPKI_ED25519_PREFIX):
        raise ValueError("not an Ed25519 SubjectPublicKeyInfo")
    return der


def checkpoint_bytes(c: dict) -> bytes:
    """RFC 8785 of {chain_hash, log_id, recorded_at, seq}, and merkle_root and tree_size when
    the checkpoint has a root: the members in sorted order."""
    tree = "merkle_root" in c
    return ('{"chain_hash":' + _quote(c["chain_hash"]) + ',"log_id":' + _quote(c["log_id"])
            + (',"merkle_root":' + _quote(c["merkle_root"]) if tree else "")
            + ',"recorded_at":' + _quote(c["recorded_at"]) + ',"seq":' + str(c["seq"])
            + (',"tree_size":' + str(c["tree_size"]) if tree else "") + "}").encode("utf-8")


# --- lines -------------------------------------------------------------------------------

HEADER_MEMBERS = frozenset({"type", "format", "version", "log_id", "from_seq", "to_seq",
                            "prev_chain_hash"})
HEADER_2_MEMBERS = HEADER_MEMBERS | {"left_frontier"}
ENTRY_MEMBERS = frozenset(ENTRY_KEYS) | {"type", "entry_hash", "chain_hash"}
CHECKPOINT_MEMBERS = frozenset({"type", "log_id", "seq", "chain_hash", "recorded_at", "key_id",
                                "signature"})
CHECKPOINT_TREE_MEMBERS = CHECKPOINT_MEMBERS | {"tree_size", "merkle_root", "note"}
ANY_VERSION = 0
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
    """Members are strings, integers, objects of strings or arrays of strings; every string is
    valid text."""
    for name, value in obj.items():
        _text(name, "a member name")
        if isinstance(value, str):
            _text(value, f"member {name}")
        elif isinstance(value, list):
            for v in value:
                if not isinstance(v, str):
                    raise Malformed(f"member {name} must be an array of strings")
                _text(v, f"member {name}")
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


def _members(obj: dict, version: int) -> frozenset:
    """The members a line of its type has, in a file of `version` (ANY_VERSION: either)."""
    t = obj.get("type")
    if t == "header":
        return HEADER_2_MEMBERS if obj.get("version") == 2 else HEADER_MEMBERS
    if t == "checkpoint":
        tree = "merkle_root" in obj and version != 1
        return CHECKPOINT_TREE_MEMBERS if tree else CHECKPOINT_MEMBERS
    return ENTRY_MEMBERS if t == "entry" else None


def parse_line(line: str, version: int = ANY_VERSION) -> dict:
    """One line, strictly: a JSON object with exactly its type's members (in a file of
    `version`), of their types."""
    try:
        obj = json.loads(line, object_pairs_hook=_no_duplicates)
    except Malformed:
        raise
    except ValueError as e:
        raise Malformed(f"not a JSON object as the format allows: {e}") from e
    if not isinstance(obj, dict):
        raise Malformed("not a JSON object")
    _check_values(obj)
    if obj.get("type") == "header" and (obj.get("format") != "audit-export"
                                        or type(obj.get("version")) is not int
                                        or obj.get("version") not in (1, 2)):
        raise Malformed(f"not an audit-export version 1 or 2 file: format {obj.get('format')}"
                        f" version {obj.get('version')}")
    members = _members(obj, version)
    if members is None:
        raise Malformed(f"unknown line type {obj.get('type')}")
    if set(obj) != members:
        raise Malformed(f"{obj['type']} line: missing {sorted(members - set(obj))},"
                        f" unknown {sorted(set(obj) - members)}")
    {"header": _header, "entry": _entry, "checkpoint": _checkpoint_line}[obj["type"]](obj)
    return obj


def _header(h: dict) -> None:
    if _integer(h, "from_seq") < 1:
        raise Malformed(f"header from_seq must be >= 1, got {h['from_seq']}")
    _integer(h, "to_seq")
    _string(h, "log_id")
    _hash(h, "prev_chain_hash")
    for x in h.get("left_frontier", []):
        if not HEX64_RE.match(x):
            raise Malformed("left_frontier must hold 64 lowercase hex digits each")


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
    if "merkle_root" in c:
        if _integer(c, "tree_size") != c["seq"]:
            raise Malformed(f"checkpoint tree_size must equal its seq {c['seq']}, got"
                            f" {c['tree_size']}")
        _hash(c, "merkle_root")
        _string(c, "note")


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


@dataclass(frozen=True)
class Expected:
    """What the file must be besides signed by the key: where it starts, its log, the
    verifier key its note must verify with."""
    after: Predecessor | None = None
    log_id: str | None = None
    from_seq: int | None = None
    vkey: VerifierKey | None = None


def _popcount(n: int) -> int:
    return bin(n).count("1")


def _start(h: dict, x: Expected) -> None:
    """The header's log, where the export starts, and the shape of its left frontier."""
    frm, frontier = h["from_seq"], h.get("left_frontier", [])
    if x.log_id is not None and h["log_id"] != x.log_id:
        raise Failed(frm, "WRONG_LOG", f"the export is of log '{h['log_id']}', expected"
                     f" '{x.log_id}'")
    if x.from_seq is not None and frm != x.from_seq:
        missing = (f": entries {x.from_seq}..{frm - 1} are not in it" if frm > x.from_seq
                   else "")
        raise Failed(min(frm, x.from_seq), "HEAD_CUT", f"the export starts at seq {frm}, but it"
                     f" is to start at seq {x.from_seq}{missing}")
    if frm == 1 and h["prev_chain_hash"] != GENESIS:
        raise Failed(1, "CHAIN_BROKEN", "an export from seq 1 must start from the genesis chain"
                     f" hash (64 zeros), header has {h['prev_chain_hash']}")
    if len(frontier) not in (0, _popcount(frm - 1)):
        raise Failed(frm, "FRONTIER_MALFORMED", f"left_frontier has {len(frontier)} hashes, but"
                     f" the {frm - 1} entries before seq {frm} make {_popcount(frm - 1)} perfect"
                     " subtrees (one per bit set), or none without a Merkle root")
    after = x.after
    if after is None:
        if frm != 1 and not frontier:
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


def _entry_chain(o: dict, expected: int, prev: str) -> tuple[str, str]:
    """Checks one entry; returns its entry and chain hashes or raises Failed (the plain
    check's names)."""
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
    return h_entry, chain


def _note_problem(c: dict, spki: bytes, vkey: VerifierKey | None) -> str | None:
    """Why the note does not state the checkpoint's tree or is not signed; None if it holds."""
    try:
        note = parse_note(c["note"])
        body = parse_checkpoint(note.text)
    except NoteError as e:
        return f"the note is not a signed checkpoint: {e}"
    if not body.origin.endswith("/" + c["log_id"]):
        return f"the note's origin '{body.origin}' is not of log '{c['log_id']}'"
    if body.size != c["tree_size"] or body.root.hex() != c["merkle_root"]:
        return (f"the note states tree size {body.size} and root {body.root.hex()}, the signed"
                f" checkpoint {c['tree_size']} and {c['merkle_root']}")
    try:
        check_key_name(body.origin)
    except NoteError as e:
        return f"the note's origin '{body.origin}' cannot name its key: {e}"
    if not note_verifies(note, body.origin, spki[12:]):
        return f"the note is not signed by key {key_id(spki)} under the name '{body.origin}'"
    if vkey is not None and vkey.name != body.origin:
        return f"the note is of '{body.origin}', the verifier key of '{vkey.name}'"
    if vkey is not None and not note_verifies(note, vkey.name, vkey.public):
        return f"the note's signature does not verify with the verifier key {vkey}"
    return None


def _tree(h: dict, c: dict, tree: Frontier | None, spki: bytes, x: Expected) -> None:
    """The Merkle tree on its own, beside the chain: the root and the note."""
    frm, seq = h["from_seq"], c["seq"]
    if "merkle_root" not in c:
        if h.get("left_frontier"):
            raise Failed(frm, "FRONTIER_MALFORMED", "the header has a left_frontier, but the"
                         " checkpoint has no Merkle root")
        if x.vkey is not None:
            raise Failed(seq, "NOTE_INVALID", "the checkpoint has no Merkle root, so no note to"
                         " verify with the verifier key")
        return
    if tree is None:
        raise Failed(frm, "FRONTIER_MALFORMED", "the checkpoint has a Merkle root, but the header"
                     f" has no left_frontier for the {frm - 1} entries before seq {frm}")
    root = tree.root().hex()
    if root != c["merkle_root"]:
        raise Failed(seq, "MERKLE_ROOT_MISMATCH", "the entries' leaf hashes on the left frontier"
                     f" give the Merkle root {root}, the signed checkpoint's is"
                     f" {c['merkle_root']}: an entry or the frontier was changed")
    problem = _note_problem(c, spki, x.vkey)
    if problem:
        raise Failed(seq, "NOTE_INVALID", problem)


def _checkpoint(h: dict, c: dict, prev: str, last: int, tree: Frontier | None, spki: bytes,
                x: Expected) -> str:
    seq = c["seq"]
    problem = signature_problem(c, spki)
    if problem:
        raise Failed(seq, "SIGNATURE_INVALID", problem)
    if c["log_id"] != h["log_id"]:
        raise Failed(seq, "WRONG_LOG" if x.log_id is not None else "MALFORMED", "the checkpoint"
                     f" is of log '{c['log_id']}', the header says '{h['log_id']}'")
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
    _tree(h, c, tree, spki, x)
    frm = h["from_seq"]
    placed = (f" after {x.after.description}" if x.after else "" if frm == 1 else
              f" (a range: seq 1..{frm - 1} are not in the file, the signed Merkle root places"
              " it)")
    matches = "chain and Merkle tree match" if "merkle_root" in c else "chain matches"
    return (f"OK: {last - frm + 1} entries, seq {frm}..{last}{placed}, {matches} the checkpoint"
            f" of log '{h['log_id']}' recorded at {c['recorded_at']}, signed by key"
            f" {key_id(spki)}{', note verified with ' + str(x.vkey) if x.vkey else ''}")


def _parse(lines: list[str], number: int, expected: int, version: int) -> dict:
    try:
        return parse_line(lines[number - 1], version)
    except Malformed as e:
        raise Failed(expected, "MALFORMED", f"line {number}: {e}") from e


def _frontier(h: dict) -> Frontier | None:
    """The tree of entries 1..from_seq - 1, if the header's frontier fits it."""
    frontier = [bytes.fromhex(x) for x in h.get("left_frontier", [])]
    before = h["from_seq"] - 1
    return Frontier(before, frontier) if len(frontier) == _popcount(before) else None


def verify(lines: list[str], spki: bytes, x: Expected = Expected()) -> str:
    """The OK line, or raises Failed naming the first bad seq and the problem."""
    h = _parse(lines, 1, 1, ANY_VERSION) if lines else None
    if h is None or h["type"] != "header":
        raise Failed(1, "MALFORMED", "the first line must be the header")
    _start(h, x)
    tree = _frontier(h)
    prev, expected = h["prev_chain_hash"], h["from_seq"]
    for number in range(2, len(lines) + 1):
        o = _parse(lines, number, expected, h["version"])
        if o["type"] == "checkpoint":
            if number < len(lines):
                _parse(lines, number + 1, expected, h["version"])
                raise Failed(expected, "MALFORMED", f"line {number + 1}: lines after the"
                             " checkpoint")
            return _checkpoint(h, o, prev, expected - 1, tree, spki, x)
        if o["type"] == "header":
            raise Failed(expected, "MALFORMED", f"line {number}: a second header")
        h_entry, prev = _entry_chain(o, expected, prev)
        if tree is not None:
            tree.append(leaf_hash(bytes.fromhex(h_entry)))
        expected += 1
    raise Failed(expected, "TAIL_CUT", "the file ends without a checkpoint line after seq"
                 f" {expected - 1}")


def _log_id(value: str) -> str:
    if not LOG_ID_RE.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"a log id is 1..64 of letters, digits, '.', '_' and '-', got '{value}'")
    return value


def _from_seq(value: str) -> int:
    if not re.fullmatch(r"[0-9]{1,18}", value) or int(value) < 1:
        raise argparse.ArgumentTypeError(f"the first seq must be >= 1, got '{value}'")
    return int(value)


def _keys(args, vectors: Path) -> tuple[bytes, VerifierKey | None]:
    """The SubjectPublicKeyInfo to check signatures with, and the verifier key if given."""
    vkey = None if args.verifier_key is None else parse_verifier_key(args.verifier_key)
    if args.public_key is None and vkey is not None:
        return SPKI_ED25519_PREFIX + vkey.public, vkey
    path = args.public_key or vectors / "checkpoint-test-key.pub.pem"
    spki = read_public_key(path.read_text())
    if vkey is not None and spki[12:] != vkey.public:
        raise ValueError(f"--public-key {path} and --verifier-key {args.verifier_key} are"
                         " different keys")
    return spki, vkey


def main(argv: list[str] | None = None) -> int:
    vectors = Path(__file__).resolve().parent.parent / "test-vectors"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", default=vectors / "export-v1.jsonl", type=Path)
    ap.add_argument("--public-key", type=Path,
                    help="the log's public key (PEM); without it and --verifier-key, the test"
                    " key of docs/test-vectors")
    ap.add_argument("--verifier-key", metavar="VKEY",
                    help="the log's C2SP verifier key: the checkpoint's note must be of log NAME"
                    " and verify with it (else NOTE_INVALID); without --public-key its key"
                    " checks the checkpoint's signature too")
    ap.add_argument("--after", metavar="PREDECESSOR",
                    help="for an export that does not start at seq 1: the trusted entry before"
                    " its first one, as a FILE whose first line is a checkpoint line (signed by"
                    " the key; the rest is ignored), SEQ:CHAIN_HASH, or CHAIN_HASH (64 hex"
                    " digits). Without it the export must start at seq 1 (else HEAD_CUT) unless"
                    " the checkpoint's Merkle root places it")
    ap.add_argument("--from-seq", metavar="N", type=_from_seq,
                    help="the seq the export must start at (else HEAD_CUT)")
    ap.add_argument("--log-id", metavar="ID", type=_log_id,
                    help="the log the header and the checkpoint must name (else WRONG_LOG)")
    args = ap.parse_args(argv)
    try:
        spki, vkey = _keys(args, vectors)
    except (OSError, ValueError, IndexError) as e:
        print(f"verify_export: --public-key/--verifier-key: {e}", file=sys.stderr)
        return 2
    try:
        after = None if args.after is None else parse_after(args.after, spki)
        log_id = expected_log(args.log_id, after)
        if after and after.seq is not None and args.from_seq not in (None, after.seq + 1):
            raise ValueError(f"--from-seq {args.from_seq}: {after.description} puts the start"
                             f" at seq {after.seq + 1}")
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
        x = Expected(after, log_id, args.from_seq, vkey)
        print(verify(lines[:-1] if text.endswith("\n") else lines, spki, x))
        return 0
    except Failed as e:
        print(e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
