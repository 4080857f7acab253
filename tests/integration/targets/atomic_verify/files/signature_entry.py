# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The extension API's JSON for a signature file: signature_entry.py FILE DIGEST [flip|armor].

With ``flip``, one hex digit of the digest the signed payload names is changed: a tampered signature
that still parses (Pulp refuses to store one it cannot parse). The message must be uncompressed
(the test's gpg.conf says compress-level 0), so that the payload is there to change.
With ``armor``, the same signature ASCII-armored: other bytes (registries that store signatures
by their digest take it for a new one), the same signed message to OpenPGP.
"""

import base64
import json
import os
import sys


def crc24(data):
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _bit in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def armor(data):
    body = base64.b64encode(data).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    checksum = base64.b64encode(crc24(data).to_bytes(3, "big")).decode()
    return ("-----BEGIN PGP MESSAGE-----\n\n%s\n=%s\n-----END PGP MESSAGE-----\n" % ("\n".join(lines), checksum)).encode()


def main():
    path, digest = sys.argv[1], sys.argv[2]
    with open(path, "rb") as handle:
        blob = bytearray(handle.read())
    if len(sys.argv) > 3 and sys.argv[3] == "flip":
        at = blob.find(digest.encode())
        if at < 0:
            sys.exit("%s does not name %s in the clear: is the signed message compressed?" % (path, digest))
        # The last hex digit: 0-9 and a-f XOR 1 stay hex digits, so the JSON stays valid.
        blob[at + len(digest) - 1] ^= 0x01
    if len(sys.argv) > 3 and sys.argv[3] == "armor":
        blob = armor(bytes(blob))
    print(json.dumps({"schemaVersion": 2, "type": "atomic", "name": "%s@%s" % (digest, os.urandom(16).hex()),
                      "content": base64.b64encode(bytes(blob)).decode()}))


if __name__ == "__main__":
    main()
