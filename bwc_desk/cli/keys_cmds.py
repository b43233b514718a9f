"""`bwc-desk keys ...` and `bwc-desk anchor`: station keys and anchors of the chain heads."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from bwc_desk.cli.signer import signed_ctx
from bwc_desk.services import anchors, key_revocation, signing


def cmd_keys_show(args: argparse.Namespace, out: TextIO) -> int:
    ctx = signed_ctx(args, sign_in=False)
    try:
        info = signing.this_station_key(ctx, create=True)
        none_registered = not signing.list_keys(ctx)
    finally:
        ctx.close()
    assert info is not None
    print(f"station:     {info.station}", file=out)
    print(f"public key:  {info.public_key}", file=out)
    print(f"fingerprint: {info.fingerprint}", file=out)
    print(f"kept in:     {info.kept_in}", file=out)
    if info.revoked is not None:
        print(f"REVOKED: {info.revoked.text()}. This station signs nothing until it has a "
              "new registered key. " + signing.NEW_KEY_HINT.format(station=info.station),
              file=out)
        return 0
    if none_registered:
        print("No station key is registered in this database yet. "
              + signing.INIT_ROOT_HINT.format(station=info.station), file=out)
        return 0
    print("registered in this database" if info.registered else
          "NOT registered in this database: an administrator registers it at a station "
          f"whose key is: bwc-desk keys register --station {info.station} --public-key "
          f"{info.public_key} --as ADMIN", file=out)
    return 0


def cmd_keys_list(args: argparse.Namespace, out: TextIO) -> int:
    ctx = signed_ctx(args, sign_in=False)
    try:
        rows = signing.list_keys(ctx)
    finally:
        ctx.close()
    if not rows:
        print("no station key is registered", file=out)
    for row in rows:
        print(f"{row.station}\t{row.fingerprint}\t{'root' if row.root else 'endorsed'}\t"
              f"registered {row.registered_at:%Y-%m-%d %H:%M} UTC by {row.registered_by}\t"
              f"{row.state}", file=out)
    return 0


def cmd_keys_revoke(args: argparse.Namespace, out: TextIO) -> int:
    ctx = signed_ctx(args)
    try:
        done = key_revocation.revoke_key(ctx, args.station, args.reason, args.key_id)
    finally:
        ctx.close()
    print(f"revoked the key of {done.station}: {done.fingerprint}, "
          f"{done.revocation.text()}. Nothing it signs from now on is trusted.", file=out)
    if done.own:
        print("That was this station's own key: it signs nothing until it has a new "
              "registered key. " + signing.NEW_KEY_HINT.format(station=done.station), file=out)
    return 0


def cmd_keys_new(args: argparse.Namespace, out: TextIO) -> int:
    ctx = signed_ctx(args)
    try:
        info = key_revocation.new_station_key(ctx)
    finally:
        ctx.close()
    print(f"station:     {info.station}", file=out)
    print(f"public key:  {info.public_key}", file=out)
    print(f"fingerprint: {info.fingerprint}", file=out)
    print(f"kept in:     {info.kept_in}", file=out)
    print("A new key for this station. It signs nothing until an administrator registers "
          "it at a station whose key is active: bwc-desk keys register --station "
          f"{info.station} --public-key {info.public_key} --as ADMIN", file=out)
    return 0


def cmd_keys_register(args: argparse.Namespace, out: TextIO) -> int:
    ctx = signed_ctx(args)
    try:
        row = signing.register_key(ctx, args.station or ctx.station, args.public_key)
    finally:
        ctx.close()
    print(f"registered the key of {row.station}: {row.fingerprint}"
          f"{' (trust root)' if row.root else ''}", file=out)
    return 0


def cmd_keys_init_root(args: argparse.Namespace, out: TextIO) -> int:
    import socket

    from bwc_desk.cli.signer import os_user
    from bwc_desk.services import trust_root

    ctx = signed_ctx(args)
    try:
        row = trust_root.init_root(ctx, args.station, args.reason, os_user=os_user(),
                                   host=socket.gethostname())
    finally:
        ctx.close()
    print(f"registered the key of {row.station} as a trust root: {row.fingerprint}. Every "
          "chain's head is signed now; compare the fingerprint with `bwc-desk keys show` on "
          "each station later.", file=out)
    if args.reason:
        print("Now revoke the key of the PC you no longer have, here: bwc-desk keys revoke "
              "--station NAME --reason TEXT --as ADMIN", file=out)
    else:
        print("Register every other station's key here: on that station `bwc-desk keys "
              "show`, then here `bwc-desk keys register --station NAME --public-key HEX --as "
              "ADMIN`.", file=out)
    return 0


def cmd_anchor(args: argparse.Namespace, out: TextIO) -> int:
    ctx = signed_ctx(args)
    try:
        anchor = anchors.anchor_now(ctx, Path(args.folder) if args.folder else None)
    finally:
        ctx.close()
    heads = ", ".join(f"{c} #{s}" for c, (s, _h) in anchor.heads.items())
    unsigned = "" if anchor.signed else " (unsigned: this station has no registered key)"
    print(f"anchored {heads} to {anchor.path}{unsigned}", file=out)
    return 0
