#!/usr/bin/python3
"""An independent gRPC client for the keytrail log server.

Shares no code with keytrail: the stubs are generated at test time from
proto/*.proto with Debian's grpc_tools, the protocol checks below are written
from docs/PROTOCOL.md alone, and the health and reflection services are
called with hand-encoded protobuf bytes.

Talks to a running server, checks what it can check on its own, and saves
the signed checkpoints, every entry and the server's proofs as JSON for
verify_tlog.go (Go's golang.org/x/mod/sumdb/note and sumdb/tlog).

Exits 1 with "grpc_client: FAIL: ..." lines on the first mismatch.
"""

import argparse
import base64
import hashlib
import hmac
import importlib
import json
import struct
import sys

import grpc

ACCOUNT_LOG_KEY = "keytrail.v1.KeyTransparencyLog"
# docs/PROTOCOL.md, "Commitment".
COMMITMENT_KEY_HEX = "ddbfa8ee9abf43bc6562fa88c8977c295be5dbff0a0bd528795bd7fe624d9fa0"
# docs/PROTOCOL.md, "Limits".
EXPECTED_LIMITS = {
    "max_account_id_bytes": 256,
    "max_device_id_bytes": 64,
    "max_device_key_bytes": 8192,
    "max_devices": 32,
    "max_key_set_bytes": 65536,
    "max_batch_updates": 1000,
    "max_request_bytes": 8 * 1024 * 1024,
    "max_history_versions": 10000,
    "max_entries_per_request": 1000,
    "max_batch_lookups": 128,
}
TIMEOUT = 30  # seconds per call

checks = 0
problems = []  # failures that later checks do not depend on; reported at the end


def defer(cond, msg):
    """A check whose failure is reported at exit, after every other check ran."""
    global checks
    checks += 1
    if not cond:
        print("grpc_client: FAIL: " + msg, file=sys.stderr)
        problems.append(msg)
    return cond


def fail(msg):
    print("grpc_client: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    global checks
    checks += 1
    if not cond:
        fail(msg)


def b64(data):
    return base64.b64encode(data).decode("ascii")


def rpc_error(fn, *args, **kwargs):
    """Runs a call that must fail; returns the grpc.RpcError."""
    try:
        resp = fn(*args, timeout=TIMEOUT, **kwargs)
    except grpc.RpcError as e:
        return e
    fail("%s succeeded but should have failed; answer: %r" % (getattr(fn, "_method", fn), resp))


# ---------------------------------------------------------------- protobuf
# A minimal protobuf wire-format reader for the health and reflection answers
# (their .proto files are not installed on this machine).

def read_varint(buf, pos):
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def parse_fields(buf):
    """Returns [(field_number, wire_type, value)]; value is int or bytes."""
    out, pos = [], 0
    while pos < len(buf):
        key, pos = read_varint(buf, pos)
        field, wt = key >> 3, key & 7
        if wt == 0:
            v, pos = read_varint(buf, pos)
        elif wt == 2:
            n, pos = read_varint(buf, pos)
            if pos + n > len(buf):
                raise ValueError("truncated length-delimited field")
            v, pos = buf[pos:pos + n], pos + n
        elif wt == 1:
            v, pos = buf[pos:pos + 8], pos + 8
        elif wt == 5:
            v, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        out.append((field, wt, v))
    return out


def encode_varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode_string_field(field, data):
    assert len(data) < 128
    return bytes([(field << 3) | 2, len(data)]) + data


# ---------------------------------------------------------------- protocol
# docs/PROTOCOL.md, written again from the text.

def encode_key_set(devices):
    """key_set with no account key; devices: [(device_id, device_key)]."""
    out = bytes([1, 0]) + struct.pack(">H", len(devices))
    for device_id, device_key in sorted(devices):
        out += bytes([len(device_id)]) + device_id
        out += struct.pack(">H", len(device_key)) + device_key
    return out


def commitment(opening, account, version, key_set):
    msg = (bytes([len(opening)]) + opening + struct.pack(">H", len(account)) + account +
           struct.pack(">Q", version) + key_set)
    return hmac.new(bytes.fromhex(COMMITMENT_KEY_HEX), msg, hashlib.sha256).digest()


def decode_entry(i, e):
    """Returns a dict for log entry number i, or fails."""
    check(len(e) >= 2 and e[0] == 1, "entry %d: format byte is not 1: %s" % (i, e[:2].hex()))
    if e[1] == 1:
        check(len(e) == 82, "entry %d: update entry is %d bytes, want 82" % (i, len(e)))
        version, epoch = struct.unpack(">QQ", e[34:50])
        check(version >= 1, "entry %d: update entry version 0" % i)
        return {"kind": "update", "index": e[2:34], "version": version, "epoch": epoch,
                "commitment": e[50:82]}
    if e[1] == 2:
        check(len(e) == 58, "entry %d: epoch entry is %d bytes, want 58" % (i, len(e)))
        epoch, ts = struct.unpack(">QQ", e[2:18])
        (count,) = struct.unpack(">Q", e[50:58])
        return {"kind": "epoch", "epoch": epoch, "timestamp_ms": ts, "map_root": e[18:50],
                "update_count": count}
    fail("entry %d: unknown kind %d" % (i, e[1]))


def parse_checkpoint(note, origin):
    """Splits a C2SP signed note; returns (size, root) of its checkpoint body."""
    check(note.endswith("\n"), "checkpoint does not end in a newline: %r" % note)
    body, sep, sigs = note.partition("\n\n")
    check(sep == "\n\n", "checkpoint has no blank line before its signatures: %r" % note)
    lines = body.split("\n")
    check(len(lines) == 3,
          "checkpoint body has %d lines, want 3 (origin, size, root; no extensions): %r"
          % (len(lines), body))
    check(lines[0] == origin, "checkpoint origin %r, want %r" % (lines[0], origin))
    check(lines[1].isdigit() and str(int(lines[1])) == lines[1],
          "checkpoint size line is not a canonical decimal: %r" % lines[1])
    root = base64.b64decode(lines[2], validate=True)
    check(len(root) == 32, "checkpoint root is %d bytes, want 32" % len(root))
    sig_lines = sigs.rstrip("\n").split("\n")
    check(all(l.startswith("\u2014 ") for l in sig_lines),
          "checkpoint signature lines must start with an em dash: %r" % sigs)
    check(any(l.split(" ")[1] == origin for l in sig_lines),
          "checkpoint carries no signature named %r: %r" % (origin, sigs))
    return int(lines[1]), root


def split_proof(name, proof):
    check(len(proof) % 32 == 0, "%s is %d bytes, not a multiple of 32" % (name, len(proof)))
    return [proof[i:i + 32] for i in range(0, len(proof), 32)]


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--stubs", required=True, help="directory holding proto/*_pb2*.py")
    ap.add_argument("--token_file", required=True)
    ap.add_argument("--note_pub", required=True, help="the note verifier key file from keygen")
    ap.add_argument("--origin", required=True)
    ap.add_argument("--epoch_interval_ms", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    sys.path.insert(0, args.stubs)
    pb = importlib.import_module("proto.keytrail_pb2")
    svc_pb = importlib.import_module("proto.log_service_pb2")
    svc_grpc = importlib.import_module("proto.log_service_pb2_grpc")

    token = open(args.token_file).read().strip()
    note_vkey = open(args.note_pub).read().strip()
    auth = [("authorization", "Bearer " + token)]

    channel = grpc.insecure_channel(args.server)
    try:
        grpc.channel_ready_future(channel).result(timeout=TIMEOUT)
    except grpc.FutureTimeoutError:
        fail("could not connect to %s within %ds" % (args.server, TIMEOUT))
    stub = svc_grpc.KeyTransparencyLogStub(channel)

    # ---- GetLogInfo
    info = stub.GetLogInfo(pb.GetLogInfoRequest(), timeout=TIMEOUT)
    check(info.origin == args.origin, "GetLogInfo origin %r, want %r" % (info.origin, args.origin))
    check(info.note_verifier_key == note_vkey,
          "GetLogInfo note_verifier_key %r differs from the keygen public key file %r"
          % (info.note_verifier_key, note_vkey))
    check(info.protocol_version == 1, "GetLogInfo protocol_version %d, want 1" % info.protocol_version)
    check(info.commitment_key == hashlib.sha256(b"keytrail commitment key v1").digest()
          and info.commitment_key.hex() == COMMITMENT_KEY_HEX,
          "GetLogInfo commitment_key %s, want %s" % (info.commitment_key.hex(), COMMITMENT_KEY_HEX))
    check(len(info.vrf_public_key) == 33 and info.vrf_public_key[0] in (2, 3),
          "GetLogInfo vrf_public_key is not a 33-byte compressed point: %s"
          % info.vrf_public_key.hex())
    check(info.epoch_interval_ms == args.epoch_interval_ms,
          "GetLogInfo epoch_interval_ms %d, want %d" % (info.epoch_interval_ms, args.epoch_interval_ms))
    for field, want in EXPECTED_LIMITS.items():
        got = getattr(info.limits, field)
        check(got == want, "GetLogInfo limits.%s = %d, PROTOCOL.md says %d" % (field, got, want))
    print("grpc_client: GetLogInfo: origin %s, protocol %d, limits as documented"
          % (info.origin, info.protocol_version))

    # ---- grpc.health.v1.Health/Check, raw bytes
    health = channel.unary_unary("/grpc.health.v1.Health/Check")
    got = health(b"", timeout=TIMEOUT)  # HealthCheckRequest{service: ""}
    check(got == b"\x08\x01",
          "Health/Check(\"\") answered %r, want b'\\x08\\x01' (status SERVING)" % got)
    e = rpc_error(health, encode_string_field(1, b"no.such.Service"))
    check(e.code() == grpc.StatusCode.NOT_FOUND,
          "Health/Check(unknown service) gave %s, the health protocol says NOT_FOUND" % e.code())
    print("grpc_client: health: SERVING")

    # ---- server reflection v1alpha, raw bytes
    reflect = channel.stream_stream(
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")
    # ServerReflectionRequest{list_services: ""} (field 7) and
    # {file_containing_symbol: <service>} (field 4).
    answers = list(reflect(iter([encode_string_field(7, b""),
                                 encode_string_field(4, ACCOUNT_LOG_KEY.encode())]),
                           timeout=TIMEOUT))
    check(len(answers) == 2, "reflection gave %d answers to 2 requests" % len(answers))
    services = []
    list_resp = [v for f, _, v in parse_fields(answers[0]) if f == 6]
    check(len(list_resp) == 1, "reflection list_services: no list_services_response in %r" % answers[0])
    for f, _, svc in parse_fields(list_resp[0]):
        if f == 1:
            services += [v.decode() for f2, _, v in parse_fields(svc) if f2 == 1]
    check(ACCOUNT_LOG_KEY in services,
          "reflection lists %r, without %s" % (services, ACCOUNT_LOG_KEY))
    # The descriptor the server serves for the service must match ours.
    from google.protobuf import descriptor_pb2
    fd_resp = [v for f, _, v in parse_fields(answers[1]) if f == 4]
    # ErrorResponse (field 7): error_code = 1, error_message = 2.
    errors = ["code %d %r" % (dict((f, v) for f, _, v in parse_fields(err)).get(1, 0),
                              dict((f, v) for f, _, v in parse_fields(err)).get(2, b"").decode())
              for f, _, err in parse_fields(answers[1]) if f == 7]
    served = {}
    defer(len(fd_resp) == 1,
          "reflection file_containing_symbol(%s) gave no file_descriptor_response but %s; "
          "clients that describe the service by reflection (grpcurl, grpc_cli) cannot use it"
          % (ACCOUNT_LOG_KEY, errors or repr(answers[1][:200])))
    for f, _, raw in (parse_fields(fd_resp[0]) if fd_resp else []):
        if f != 1:
            continue
        fdp = descriptor_pb2.FileDescriptorProto.FromString(raw)
        for s in fdp.service:
            if "%s.%s" % (fdp.package, s.name) == ACCOUNT_LOG_KEY:
                served = {m.name: (m.input_type, m.output_type) for m in s.method}
    ours = {m.name: ("." + m.input_type.full_name, "." + m.output_type.full_name)
            for m in svc_pb.DESCRIPTOR.services_by_name["KeyTransparencyLog"].methods}
    if fd_resp:
        defer(served == ours, "reflection serves methods %r, proto/log_service.proto has %r"
              % (served, ours))
    print("grpc_client: reflection: lists %s; service descriptor %s"
          % (sorted(services), "matches proto/log_service.proto (%d methods)" % len(ours)
             if fd_resp and served == ours else "NOT SERVED CORRECTLY"))

    # ---- helpers
    def update_req(account, devices, expected_version=None):
        req = pb.UpdateRequest(account=account)
        req.key_set.SetInParent()
        for device_id, device_key in devices:
            req.key_set.devices.add(device_id=device_id, device_key=device_key)
        if expected_version is not None:
            req.expected_version = expected_version
            check(req.HasField("expected_version")
                  and b"\x18" + bytes([expected_version]) in req.SerializeToString(),
                  "the generated UpdateRequest does not put expected_version %d on the wire: %s"
                  % (expected_version, req.SerializeToString().hex()))
        return req

    def get_checkpoint():
        note = stub.GetCheckpoint(pb.GetCheckpointRequest(), timeout=TIMEOUT).checkpoint
        size, root = parse_checkpoint(note, args.origin)
        return {"note": note, "size": size, "root": root}

    accepted = []  # (account, version, devices, UpdateResponse)

    def update(account, devices, expected_version=None):
        resp = stub.Update(update_req(account, devices, expected_version), metadata=auth,
                           timeout=TIMEOUT)
        accepted.append((account, resp.version, devices, resp))
        return resp

    # ---- credentials and bad input
    req = update_req(b"mallory", [(b"phone", b"k")])
    e = rpc_error(stub.Update, req)
    check(e.code() == grpc.StatusCode.UNAUTHENTICATED,
          "Update without a token gave %s (%r), want UNAUTHENTICATED" % (e.code(), e.details()))
    e = rpc_error(stub.BatchUpdate, pb.BatchUpdateRequest(updates=[req]))
    check(e.code() == grpc.StatusCode.UNAUTHENTICATED,
          "BatchUpdate without a token gave %s, want UNAUTHENTICATED" % e.code())
    e = rpc_error(stub.Update, req, metadata=[("authorization", "Bearer " + "0" * len(token))])
    wrong_token_code = e.code()
    check(e.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED),
          "Update with a wrong token gave %s, want it refused" % e.code())
    e = rpc_error(stub.Update, update_req(b"", [(b"phone", b"k")]), metadata=auth)
    check(e.code() == grpc.StatusCode.INVALID_ARGUMENT,
          "Update with an empty account gave %s, want INVALID_ARGUMENT" % e.code())
    check("account id" in (e.details() or ""),
          "INVALID_ARGUMENT for an empty account does not name the field: %r" % e.details())
    print("grpc_client: no token -> UNAUTHENTICATED; wrong token -> %s; "
          "empty account -> INVALID_ARGUMENT %r" % (wrong_token_code.name, e.details()))

    # ---- first updates, then the "earlier" checkpoint
    genesis = get_checkpoint()
    r = update(b"alice@example.org", [(b"phone", b"\x0a\x0b\x0c"), (b"laptop", b"\x0d\x0e\x0f")])
    check(r.version == 1, "alice's first update became version %d, want 1" % r.version)
    r = update(b"bob@example.org", [(b"phone", bytes(range(32)))])
    check(r.version == 1, "bob's first update became version %d, want 1" % r.version)
    earlier = get_checkpoint()
    check(earlier["size"] >= r.tree_size,
          "checkpoint size %d is older than the acknowledged update's tree_size %d"
          % (earlier["size"], r.tree_size))

    # ---- more updates, including a BatchUpdate
    r = update(b"bob@example.org", [(b"phone", bytes(range(32))), (b"tablet", b"T" * 1568)],
               expected_version=1)
    check(r.version == 2, "bob's second update became version %d, want 2" % r.version)
    e = rpc_error(stub.Update, update_req(b"bob@example.org", [(b"x", b"y")], expected_version=1),
                  metadata=auth)
    check(e.code() == grpc.StatusCode.ABORTED,
          "Update with a stale expected_version gave %s, want ABORTED" % e.code())
    # expected_version = 0 ("never had a version") must reach the server as
    # set: its presence, not its value, is what matters.
    r = update(b"erin@example.org", [(b"phone", b"e1")], expected_version=0)
    check(r.version == 1, "erin's update with expected_version 0 became version %d, want 1" % r.version)
    e = rpc_error(stub.Update, update_req(b"erin@example.org", [(b"phone", b"e2")],
                                          expected_version=0), metadata=auth)
    check(e.code() == grpc.StatusCode.ABORTED,
          "a second update with expected_version 0 gave %s, want ABORTED (was the 0 sent?)"
          % e.code())
    batch = [
        (b"carol@example.org", [(b"phone", b"c1")]),
        (b"dave@example.org", [(b"desktop", b"d1"), (b"phone", b"d2")]),
        (b"", [(b"phone", b"k")]),  # fails on its own
        (b"alice@example.org", [(b"phone", b"\x0a\x0b\x0c")]),
    ]
    # More accounts, so the tree has a few levels and uneven edges.
    batch += [(b"user%02d@example.org" % i, [(b"phone", b"u%d" % i)]) for i in range(37)]
    bresp = stub.BatchUpdate(
        pb.BatchUpdateRequest(updates=[update_req(a, d) for a, d in batch]),
        metadata=auth, timeout=TIMEOUT)
    check(len(bresp.results) == len(batch),
          "BatchUpdate gave %d results for %d updates" % (len(bresp.results), len(batch)))
    want_versions = [1, 1, None, 2] + [1] * 37
    for (account, devices), res, want in zip(batch, bresp.results, want_versions):
        if want is None:
            check(res.code == grpc.StatusCode.INVALID_ARGUMENT.value[0],
                  "BatchUpdate: empty account gave code %d, want 3" % res.code)
            check("account id" in res.message,
                  "BatchUpdate: empty account's message does not name the field: %r" % res.message)
            continue
        check(res.code == 0, "BatchUpdate: %r failed: %d %s" % (account, res.code, res.message))
        check(res.response.version == want,
              "BatchUpdate: %r became version %d, want %d" % (account, res.response.version, want))
        accepted.append((account, res.response.version, devices, res.response))
    print("grpc_client: %d updates accepted (one BatchUpdate of %d, one part refused)"
          % (len(accepted), len(batch)))

    # ---- a Lookup, to check a commitment from its opening
    lookup = stub.Lookup(pb.LookupRequest(account=b"alice@example.org",
                                          last_verified_size=earlier["size"]), timeout=TIMEOUT)
    lookup_size, _ = parse_checkpoint(lookup.log.checkpoint, args.origin)
    check(lookup.HasField("current") and lookup.current.version == 2,
          "Lookup(alice) current version %s, want 2" % (lookup.current.version
                                                        if lookup.HasField("current") else None))

    # ---- a BatchLookup: one log proof, then answers whose bytes after that
    # log proof are each account's Lookup answer (PROTOCOL.md, "Batch
    # lookups"). Compared under one checkpoint: a Lookup answered from a
    # newer epoch than the batch is asked again.
    names = [b"alice@example.org", b"nobody@example.org", b"alice@example.org"]
    for attempt in range(20):
        batch = stub.BatchLookup(pb.BatchLookupRequest(accounts=names,
                                                       last_verified_size=earlier["size"]),
                                 timeout=TIMEOUT)
        singles = [stub.Lookup(pb.LookupRequest(account=a, last_verified_size=earlier["size"]),
                               timeout=TIMEOUT) for a in names]
        if all(one.log.checkpoint == batch.log.checkpoint for one in singles):
            break
    check(len(batch.answers) == len(names),
          "BatchLookup of %d accounts gave %d answers" % (len(names), len(batch.answers)))
    log_bytes = batch.log.SerializeToString()
    log_field = bytes([0x0A]) + encode_varint(len(log_bytes)) + log_bytes
    for i, (name, one) in enumerate(zip(names, singles)):
        check(one.log.checkpoint == batch.log.checkpoint, "the log kept publishing epochs")
        check(log_field + batch.answers[i].SerializeToString() == one.SerializeToString(),
              "BatchLookup answer %d (%r) with the batch's log proof is not the Lookup answer"
              % (i, name))
    check(not batch.answers[1].HasField("current"), "BatchLookup: nobody has a current version")
    for bad, why in (([], "no account"), ([b"x"] * 129, "129 accounts"), ([b"a", b""], "empty id")):
        e = rpc_error(stub.BatchLookup, pb.BatchLookupRequest(accounts=bad))
        check(e.code() == grpc.StatusCode.INVALID_ARGUMENT,
              "BatchLookup with %s gave %s, want INVALID_ARGUMENT" % (why, e.code()))
    print("grpc_client: BatchLookup of %d accounts: each answer after the shared log proof "
          "is the Lookup answer, byte for byte" % len(names))

    # ---- the latest checkpoint and the whole log
    latest = get_checkpoint()
    check(latest["size"] >= lookup_size, "GetCheckpoint went back from %d to %d"
          % (lookup_size, latest["size"]))
    for account, version, _, resp in accepted:
        check(resp.tree_size <= latest["size"] and resp.log_index < resp.tree_size,
              "update %r v%d: log_index %d / tree_size %d outside the latest size %d"
              % (account, version, resp.log_index, resp.tree_size, latest["size"]))
    entries = []
    while len(entries) < latest["size"]:
        got = stub.GetEntries(pb.GetEntriesRequest(start=len(entries),
                                                   count=latest["size"] - len(entries)),
                              timeout=TIMEOUT).entries
        check(0 < len(got) <= EXPECTED_LIMITS["max_entries_per_request"],
              "GetEntries(start=%d) returned %d entries" % (len(entries), len(got)))
        entries += list(got)
    check(len(entries) == latest["size"],
          "GetEntries returned %d entries for a tree of %d" % (len(entries), latest["size"]))
    e = rpc_error(stub.GetEntries, pb.GetEntriesRequest(start=1 << 40, count=1))
    check(e.code() == grpc.StatusCode.OUT_OF_RANGE,
          "GetEntries beyond the log gave %s, want OUT_OF_RANGE" % e.code())

    # The entries tell the story of the updates (PROTOCOL.md, "Log entries").
    decoded = [decode_entry(i, e) for i, e in enumerate(entries)]
    next_epoch, in_epoch, last_ts = 0, 0, 0
    for i, d in enumerate(decoded):
        check(d["epoch"] == next_epoch, "entry %d: epoch %d, want %d" % (i, d["epoch"], next_epoch))
        if d["kind"] == "update":
            in_epoch += 1
            continue
        check(d["update_count"] == in_epoch, "entry %d: epoch %d says %d updates, %d precede it"
              % (i, d["epoch"], d["update_count"], in_epoch))
        check(d["timestamp_ms"] >= last_ts, "entry %d: epoch timestamp goes back" % i)
        if d["epoch"] == 0:
            check(d["map_root"] == bytes(32), "genesis epoch's map root is not 32 zero bytes")
        last_ts, next_epoch, in_epoch = d["timestamp_ms"], next_epoch + 1, 0
    n_updates = sum(1 for d in decoded if d["kind"] == "update")
    check(n_updates == len(accepted),
          "the log holds %d update entries, but %d updates were accepted (a refused one got in?)"
          % (n_updates, len(accepted)))
    for cp in (genesis, earlier, latest):
        check(decoded[cp["size"] - 1]["kind"] == "epoch",
              "checkpoint of size %d does not end on an epoch entry" % cp["size"])
    for account, version, _, resp in accepted:
        d = decoded[resp.log_index]
        check(d["kind"] == "update" and d["version"] == version and d["epoch"] == resp.epoch,
              "update %r v%d: entry %d is %r, want an update entry of version %d, epoch %d"
              % (account, version, resp.log_index, d, version, resp.epoch))
        check(decoded[resp.tree_size - 1]["kind"] == "epoch"
              and decoded[resp.tree_size - 1]["epoch"] == resp.epoch,
              "update %r v%d: tree_size %d does not end on epoch %d's entry"
              % (account, version, resp.tree_size, resp.epoch))
    # Alice's current version: key set encoding and commitment from the opening.
    alice = [a for a in accepted if a[0] == b"alice@example.org" and a[1] == 2][0]
    cur = lookup.current
    check(cur.log_index == alice[3].log_index and cur.epoch == alice[3].epoch,
          "Lookup(alice) says log_index %d epoch %d, Update said %d %d"
          % (cur.log_index, cur.epoch, alice[3].log_index, alice[3].epoch))
    check(cur.key_set == encode_key_set(alice[2]),
          "Lookup(alice) key_set %s, PROTOCOL.md encoding of what was sent is %s"
          % (cur.key_set.hex(), encode_key_set(alice[2]).hex()))
    check(16 <= len(cur.opening) <= 64, "opening is %d bytes" % len(cur.opening))
    c = commitment(cur.opening, b"alice@example.org", 2, cur.key_set)
    check(c == decoded[cur.log_index]["commitment"],
          "alice v2: HMAC commitment from the opening is %s, the log entry holds %s"
          % (c.hex(), decoded[cur.log_index]["commitment"].hex()))
    check(lookup.log.epoch_entry == entries[lookup_size - 1],
          "Lookup's epoch_entry is not leaf %d of the log" % (lookup_size - 1))
    print("grpc_client: %d entries in %d epochs decode as PROTOCOL.md says; "
          "alice's commitment recomputes" % (len(entries), next_epoch))

    # ---- proofs
    def inclusion(index, size):
        p = stub.GetInclusionProof(pb.GetInclusionProofRequest(index=index, tree_size=size),
                                   timeout=TIMEOUT).proof
        split_proof("inclusion proof %d in %d" % (index, size), p)
        return {"checkpoint": size, "index": index, "proof": b64(p)}

    def consistency(first, second):
        p = stub.GetConsistencyProof(
            pb.GetConsistencyProofRequest(first_size=first, second_size=second),
            timeout=TIMEOUT).proof
        split_proof("consistency proof %d -> %d" % (first, second), p)
        return {"first": first, "second": second, "proof": b64(p)}

    inclusions = [inclusion(i, latest["size"]) for i in range(latest["size"])]
    inclusions += [inclusion(i, earlier["size"]) for i in range(earlier["size"])]
    consistencies = [consistency(earlier["size"], latest["size"]),
                     consistency(genesis["size"], latest["size"]),
                     consistency(genesis["size"], earlier["size"])]
    e = rpc_error(stub.GetInclusionProof,
                  pb.GetInclusionProofRequest(index=0, tree_size=latest["size"] + (1 << 30)))
    check(e.code() == grpc.StatusCode.OUT_OF_RANGE,
          "GetInclusionProof beyond the log gave %s, want OUT_OF_RANGE" % e.code())

    out = {
        "origin": args.origin,
        "note_verifier_key": note_vkey,
        "checkpoints": [genesis["note"], earlier["note"], lookup.log.checkpoint, latest["note"]],
        "entries": [b64(e) for e in entries],
        "inclusion_proofs": inclusions + [{
            "checkpoint": lookup_size, "index": lookup_size - 1,
            "proof": b64(lookup.log.epoch_inclusion_proof), "what": "Lookup epoch_inclusion_proof",
        }],
        "consistency_proofs": consistencies + [{
            "first": earlier["size"], "second": lookup_size,
            "proof": b64(lookup.log.consistency_proof), "what": "Lookup consistency_proof",
        }],
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    print("grpc_client: saved %d checkpoints (sizes %d, %d, %d, %d), %d entries, "
          "%d inclusion and %d consistency proofs; %d checks passed"
          % (len(out["checkpoints"]), genesis["size"], earlier["size"], lookup_size,
             latest["size"], len(entries), len(out["inclusion_proofs"]),
             len(out["consistency_proofs"]), checks - len(problems)))
    if problems:
        fail("%d check(s) failed (listed above); the rest passed" % len(problems))


if __name__ == "__main__":
    main()
