#!/usr/bin/env python3
"""A second verifier of C2SP tlog-cosignature `cosignature/v1` (Ed25519) lines.

Written from the specification text alone (https://c2sp.org/tlog-cosignature,
https://c2sp.org/signed-note), sharing no code with accord-tlog, so that a
framing, key-ID or timestamp bug in the Rust code cannot hide behind the
same bug in its own tests.

Usage: verify.py NOTE_FILE VKEY...

Each VKEY is a cosigner verifier key `<name>+<hex key ID>+<base64(0x04 || key)>`.
For each one, the note must carry a signature line with its name and key ID
whose signature is a `timestamped_signature` (8-byte big-endian timestamp, at
most 2^63 - 1, then a 64-byte Ed25519 signature) over

    "cosignature/v1\n" "time <timestamp>\n" <note text, final newline included>

Lines of other keys are ignored. Prints one line per verified cosigner
(`ok <name> <timestamp>`) and exits 1 naming the first failure.
"""

import base64
import hashlib
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EM_DASH = "\u2014"


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def parse_vkey(vkey):
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        fail(f"verifier key {vkey!r}: expected name+keyid+key")
    name, key_id_hex, key_b64 = parts
    raw = base64.b64decode(key_b64, validate=True)
    if len(raw) != 33 or raw[0] != 0x04:
        fail(f"verifier key {vkey!r}: not type 0x04 with a 32-byte Ed25519 key")
    public = raw[1:]
    # Key ID: SHA-256(<name> || "\n" || 0x04 || public key)[:4].
    expected = hashlib.sha256(name.encode() + b"\n" + b"\x04" + public).digest()[:4]
    if bytes.fromhex(key_id_hex) != expected:
        fail(f"verifier key {vkey!r}: key ID is not SHA-256(name || 0x0A || 0x04 || key)[:4]")
    return name, expected, Ed25519PublicKey.from_public_bytes(public)


def split_note(data):
    # The text ends at the last blank line; signature lines follow it.
    text_end = data.rfind("\n\n")
    if text_end < 0:
        fail("the note has no blank line before its signatures")
    text = data[: text_end + 1]
    lines = data[text_end + 2 :].split("\n")
    if lines[-1] != "":
        fail("the last signature line does not end in a newline")
    sigs = []
    for line in lines[:-1]:
        if not line.startswith(EM_DASH + " "):
            fail(f"signature line {line!r} does not start with an em dash and a space")
        name, _, b64 = line[2:].partition(" ")
        sigs.append((name, base64.b64decode(b64, validate=True)))
    return text, sigs


def main():
    if len(sys.argv) < 3:
        fail("usage: verify.py NOTE_FILE VKEY...")
    with open(sys.argv[1], encoding="utf-8") as f:
        text, sigs = split_note(f.read())
    for vkey in sys.argv[2:]:
        name, key_id, public = parse_vkey(vkey)
        mine = [raw for (n, raw) in sigs if n == name and raw[:4] == key_id]
        if not mine:
            fail(f"no cosignature line of {name} with key ID {key_id.hex()}")
        raw = mine[0]
        if len(raw) != 4 + 8 + 64:
            fail(f"{name}: the signature is {len(raw) - 4} bytes, not 8 + 64")
        timestamp = int.from_bytes(raw[4:12], "big")
        if timestamp > 2**63 - 1:
            fail(f"{name}: timestamp {timestamp} exceeds 2^63 - 1")
        message = b"cosignature/v1\n" + b"time " + str(timestamp).encode() + b"\n" + text.encode()
        try:
            public.verify(raw[12:], message)
        except InvalidSignature:
            fail(f"{name}: the Ed25519 signature does not verify over the cosignature/v1 message")
        print(f"ok {name} {timestamp}")


if __name__ == "__main__":
    main()
