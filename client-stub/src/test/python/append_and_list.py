#!/usr/bin/env python3
"""A Python client of audit.v1.AuditLog, from stubs generated out of proto/ with grpc_tools.

Appends a registration failure with risk signals over mutual TLS as auth-backend, lists it
back as auditor, recomputes its entry hash with docs/reference/verify_entry_hash.py, and
checks that intruder is refused. Prints one JSON object with what it saw; exits non-zero
when a check fails. Debian: apt-get install python3-grpcio python3-grpc-tools.

    append_and_list.py GENERATED_DIR REPO_DIR HOST:PORT
"""

import json
import sys
import uuid

generated, repo, target = sys.argv[1:4]
sys.path[:0] = [generated, f"{repo}/docs/reference"]

import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402

from audit.v1 import audit_pb2, audit_pb2_grpc  # noqa: E402
import verify_entry_hash  # noqa: E402


def stub(identity):
    def read(name):
        with open(f"{repo}/certs-dev/{name}", "rb") as f:
            return f.read()

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read("ca.pem"),
        private_key=read(f"{identity}.key"),
        certificate_chain=read(f"{identity}.pem"))
    return audit_pb2_grpc.AuditLogStub(grpc.secure_channel(target, credentials))


def timestamp(ts, present=True):
    """RFC 3339 UTC with six fractional digits, as the hash format wants it."""
    if not present:
        return ""
    return ts.ToDatetime().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hash_input(entry):
    return {
        "seq": entry.seq,
        "recorded_at": timestamp(entry.recorded_at),
        "event_id": entry.event_id,
        "user_id": entry.user_id,
        "action": entry.action,
        "target": entry.target,
        "source_ip": entry.source_ip,
        "outcome": audit_pb2.Outcome.Name(entry.outcome),
        "occurred_at": timestamp(entry.occurred_at, entry.HasField("occurred_at")),
        "risk_signals": dict(entry.risk_signals),
        "attributes": dict(entry.attributes),
        "producer": entry.producer,
    }


def main():
    event = audit_pb2.AuditEvent(
        event_id=str(uuid.uuid4()),
        user_id="user-py",
        action="user.register",
        target="tenant/acme",
        source_ip="2001:DB8:0::7",
        outcome=audit_pb2.OUTCOME_FAILURE,
        risk_signals={"risk_score": "0.91", "ip_reputation": "bad"})
    appended = stub("auth-backend").Append(audit_pb2.AppendRequest(event=event), timeout=30)
    listed = stub("auditor").List(audit_pb2.ListRequest(action="user.register"), timeout=30)
    try:
        stub("intruder").List(audit_pb2.ListRequest(), timeout=30)
        intruder = "OK"
    except grpc.RpcError as e:
        intruder = e.code().name

    entry = next(e for e in listed.entries if e.event_id == event.event_id)
    recomputed = verify_entry_hash.entry_hash(hash_input(entry))
    print(json.dumps({
        "appended": json_format.MessageToDict(appended, preserving_proto_field_name=True),
        "entry": json_format.MessageToDict(entry, preserving_proto_field_name=True),
        "recomputed_entry_hash": recomputed,
        "intruder": intruder,
    }))
    ok = (entry.seq == appended.seq and recomputed == entry.entry_hash
          and intruder == "PERMISSION_DENIED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
