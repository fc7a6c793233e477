#!/usr/bin/env python3
"""A gpu-render-protocol client for RustChain wallets, in Python: the standard library and PyNaCl only.

It signs the way RustChain's own Python wallets do, so a RustChain key works here unchanged:
Ed25519 over json.dumps(action, sort_keys=True, separators=(",", ":")).encode(), with json's default
ensure_ascii (non-ASCII characters written as \\uXXXX). The market accepts those bytes as well as RFC 8785
canonical JSON (docs/CONTRACT.md, "Identities and signatures").

The key file holds the wallet's 32-byte Ed25519 seed as 64 hex characters (the format of the market's
`npm run wallet -- new FILE` and of the node agent's key); it is created, mode 0600, when missing. The
address is RustChain's: "RTC" + the first 40 hex characters of SHA-256 over the raw public key.

    python3 gpr_client.py --key bot.key address
    python3 gpr_client.py --key bot.key balance
    python3 gpr_client.py --key bot.key lock --job-id render-42 --to RTC... --amount-rtc 2.5
    python3 gpr_client.py --key bot.key release --job-id render-42
    python3 gpr_client.py --key gpu.key refund --job-id render-42 --reason "frames failed"
    python3 gpr_client.py --key gpu.key attest node.json     # challenge, sign, attest

Each command prints the server's JSON answer on one line; the exit status is 0 when it says ok, 1 when it
refuses (the answer names the error code), 2 when the server cannot be reached or the arguments are wrong.
The signing commands take --dry-run (print the signed request body, send nothing) and --nonce.
"""

import argparse
import hashlib
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal, InvalidOperation

try:
    from nacl.signing import SigningKey
except ImportError:  # the one dependency outside the standard library
    sys.exit("gpr_client needs PyNaCl: apt install python3-nacl (Debian, Ubuntu) or pip install PyNaCl")

URTC_PER_RTC = 1_000_000
# Which path family serves which job type.
FAMILY = {"render": "/render", "tts": "/voice", "stt": "/voice", "llm": "/llm"}


class UsageError(Exception):
    pass


# --- wallet ---------------------------------------------------------------------------------------------


def address_from_public_key(public_key: bytes) -> str:
    """RustChain's address_from_pubkey: "RTC" + the first 40 hex characters of SHA-256 of the raw key."""
    return "RTC" + hashlib.sha256(public_key).hexdigest()[:40]


def load_or_create_key(path: str) -> SigningKey:
    if not os.path.exists(path):
        seed = secrets.token_bytes(32)
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(seed.hex() + "\n")
        key = SigningKey(seed)
        print(f"created key file {path} for {address_from_public_key(bytes(key.verify_key))}", file=sys.stderr)
        return key
    with open(path) as f:
        text = f.read().strip()
    try:
        seed = bytes.fromhex(text)
    except ValueError:
        seed = b""
    if len(seed) != 32:
        raise UsageError(f"{path} is not a wallet key file: it must hold 64 hex characters (a 32-byte Ed25519 seed)")
    return SigningKey(seed)


class Wallet:
    def __init__(self, key: SigningKey):
        self.key = key
        self.public_key = bytes(key.verify_key).hex()
        self.address = address_from_public_key(bytes(key.verify_key))

    def sign(self, action: dict) -> str:
        """Ed25519 over the bytes RustChain's wallets sign (json.dumps sorted, compact, ensure_ascii on)."""
        message = json.dumps(action, sort_keys=True, separators=(",", ":")).encode()
        return self.key.sign(message).signature.hex()

    def signed_body(self, action_name: str, fields: dict) -> dict:
        """The request body: the action's fields as they are signed, plus public_key and signature."""
        signature = self.sign({"action": action_name, **fields})
        return {**fields, "public_key": self.public_key, "signature": signature}


# --- HTTP -----------------------------------------------------------------------------------------------


def request(server: str, method: str, path: str, body: dict = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        server.rstrip("/") + path,
        data=data,
        method=method,
        headers={"content-type": "application/json", "accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            text = res.read().decode()
    except urllib.error.HTTPError as error:  # 4xx and 5xx answers carry the contract's error body
        text = error.read().decode()
    except (urllib.error.URLError, OSError) as error:
        raise ConnectionError(f"cannot reach {server}: {getattr(error, 'reason', error)}") from error
    try:
        return json.loads(text)
    except ValueError:
        return {"ok": False, "error": {"code": "NOT_JSON", "message": text[:200]}}


# --- commands -------------------------------------------------------------------------------------------


def nonce_of(args) -> str:
    return args.nonce or f"py-{int(time.time() * 1000)}-{secrets.token_hex(4)}"


def urtc_of(args) -> str:
    """µRTC as a digit string, from --amount-urtc, or from --amount-rtc read as an exact decimal."""
    if (args.amount_urtc is None) == (args.amount_rtc is None):
        raise UsageError("give exactly one of --amount-urtc and --amount-rtc")
    if args.amount_urtc is not None:
        if not args.amount_urtc.isdigit() or int(args.amount_urtc) == 0:
            raise UsageError("--amount-urtc must be a positive whole number of µRTC")
        return str(int(args.amount_urtc))
    try:
        rtc = Decimal(args.amount_rtc)
    except InvalidOperation:
        raise UsageError(f"--amount-rtc {args.amount_rtc!r} is not a decimal number") from None
    urtc = rtc * URTC_PER_RTC
    if not rtc.is_finite() or urtc != urtc.to_integral_value() or urtc <= 0:
        raise UsageError("--amount-rtc must be positive, with at most 6 decimals (1 µRTC = 0.000001 RTC)")
    return str(int(urtc))


def same_wallet(a: str, b: str) -> bool:
    """Addresses name one wallet whatever the case of their hex ("RTC" itself is always uppercase)."""
    return a[:3] == b[:3] == "RTC" and a[3:].lower() == b[3:].lower()


def cmd_address(wallet: Wallet, args):
    return {"ok": True, "address": wallet.address, "public_key": wallet.public_key, "key_file": args.key}


def cmd_balance(wallet: Wallet, args):
    address = args.wallet or wallet.address
    return request(args.server, "GET", "/wallet/balance?" + urllib.parse.urlencode({"wallet": address}))


def cmd_escrow(wallet: Wallet, args):
    return request(args.server, "GET", "/render/escrow/" + urllib.parse.quote(args.job_id, safe=""))


def cmd_lock(wallet: Wallet, args):
    # The payer's address as the request writes it; the signature covers that spelling.
    from_wallet = args.from_wallet or wallet.address
    if not same_wallet(from_wallet, wallet.address):
        raise UsageError(f"--from-wallet {from_wallet} is not this key's wallet ({wallet.address})")
    fields = {
        "job_id": args.job_id,
        "job_type": args.job_type,
        "from_wallet": from_wallet,
        "to_wallet": args.to,
        "amount_urtc": urtc_of(args),
        "nonce": nonce_of(args),
    }
    if args.ttl_s is not None:
        fields["ttl_s"] = str(args.ttl_s)
    return send(args, FAMILY[args.job_type] + "/escrow", wallet.signed_body("escrow.lock", fields))


def cmd_release(wallet: Wallet, args):
    fields = {"job_id": args.job_id, "job_type": args.job_type, "nonce": nonce_of(args)}
    if args.amount_urtc is not None:
        fields["amount_urtc"] = args.amount_urtc
    return send(args, FAMILY[args.job_type] + "/release", wallet.signed_body("escrow.release", fields))


def cmd_refund(wallet: Wallet, args):
    fields = {"job_id": args.job_id, "job_type": args.job_type, "nonce": nonce_of(args)}
    if args.reason is not None:
        fields["reason"] = args.reason
    return send(args, FAMILY[args.job_type] + "/refund", wallet.signed_body("escrow.refund", fields))


def cmd_attest(wallet: Wallet, args):
    """Attests this wallet's GPU node: the file holds the attestation's fields other than miner_id and challenge."""
    with open(args.file) as f:
        node = json.load(f)  # numbers stay as Python reads them: 80.0 is signed and sent as 80.0
    if not isinstance(node, dict) or "miner_id" in node or "challenge" in node:
        raise UsageError(f"{args.file} must be a JSON object without miner_id and challenge (this command adds them)")
    challenge = args.challenge
    if challenge is None:
        answer = request(args.server, "POST", "/gpu/challenge", {"miner_id": wallet.address})
        if not answer.get("ok"):
            return answer
        challenge = answer["challenge"]
    fields = {"miner_id": wallet.address, "challenge": challenge, **node}
    return send(args, "/gpu/attest", wallet.signed_body("gpu.attest", fields))


def send(args, path: str, body: dict) -> dict:
    if args.dry_run:
        return {"ok": True, "dry_run": True, "method": "POST", "path": path, "body": body}
    return request(args.server, "POST", path, body)


# --- command line ---------------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gpr_client.py", description="Sign and send gpu-render-protocol requests.")
    p.add_argument("--server", default=os.environ.get("GRP_SERVER", "http://127.0.0.1:4000"),
                   help="the market's URL (default $GRP_SERVER or http://127.0.0.1:4000)")
    p.add_argument("--key", default=os.environ.get("GRP_KEY_FILE", "wallet.key"),
                   help="the wallet key file, created when missing (default $GRP_KEY_FILE or wallet.key)")
    sub = p.add_subparsers(dest="command", required=True)

    address = sub.add_parser("address", help="print the wallet's address and public key")
    address.add_argument("--plain", action="store_true", help="print the address alone (for shell scripts)")
    balance = sub.add_parser("balance", help="a wallet's balances (default: this key's)")
    balance.add_argument("--wallet", help="any RTC address")
    escrow = sub.add_parser("escrow", help="one escrow")
    escrow.add_argument("--job-id", required=True)

    def signed(name: str, text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=text)
        command.add_argument("--nonce", help="the signed request's nonce (default: a fresh one); never reuse one")
        command.add_argument("--dry-run", action="store_true", help="print the signed body instead of sending it")
        return command

    def job(name: str, text: str) -> argparse.ArgumentParser:
        command = signed(name, text)
        command.add_argument("--job-id", required=True)
        command.add_argument("--job-type", default="render", choices=sorted(FAMILY))
        return command

    lock = job("lock", "lock RTC from this wallet for a job (signed by the payer)")
    lock.add_argument("--to", required=True, help="the GPU node's RTC address")
    lock.add_argument("--amount-urtc")
    lock.add_argument("--amount-rtc")
    lock.add_argument("--ttl-s", type=int, help="seconds until an undelivered escrow is refunded (default 86400)")
    lock.add_argument("--from-wallet", help="this wallet's address as the request should write it (hex in any case)")
    release = job("release", "pay the GPU node (signed by the payer)")
    release.add_argument("--amount-urtc", help="a milestone: pay this much and keep the rest locked")
    refund = job("refund", "return the escrow to the payer (signed by the GPU node, or by the payer after expiry)")
    refund.add_argument("--reason")
    attest = signed("attest", "attest this wallet's GPU node from a JSON file of its fields")
    attest.add_argument("file")
    attest.add_argument("--challenge", help="a challenge already obtained (default: ask for one)")
    return p


COMMANDS = {
    "address": cmd_address,
    "balance": cmd_balance,
    "escrow": cmd_escrow,
    "lock": cmd_lock,
    "release": cmd_release,
    "refund": cmd_refund,
    "attest": cmd_attest,
}


def explain(answer: dict, wallet: Wallet) -> str:
    error = answer.get("error") or {}
    code, message = error.get("code"), error.get("message", "")
    if code == "INVALID_SIGNATURE":
        return (
            f"the server did not accept the signature ({message}). The request was signed by {wallet.address}"
            " over json.dumps(action, sort_keys=True, separators=(',', ':')); check that --key is the wallet's key"
            " and that no field was changed after signing."
        )
    if code == "FORBIDDEN":
        return f"this wallet ({wallet.address}) may not do that: {message}"
    return f"{code}: {message}"


def main(argv=None) -> int:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")  # JSON is UTF-8, whatever the terminal's locale says
    args = parser().parse_args(argv)
    try:
        wallet = Wallet(load_or_create_key(args.key))
        if args.command == "address" and args.plain:
            print(wallet.address)
            return 0
        answer = COMMANDS[args.command](wallet, args)
    except UsageError as error:
        print(f"gpr_client: {error}", file=sys.stderr)
        return 2
    except ConnectionError as error:
        print(f"gpr_client: {error}", file=sys.stderr)
        return 2
    print(json.dumps(answer, ensure_ascii=False, separators=(",", ":")))
    if answer.get("ok"):
        return 0
    print(f"gpr_client: {explain(answer, wallet)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
