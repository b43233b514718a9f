"""`bwc-desk station-config`: show or write the station configuration.

IT runs it at install (the MSI runs it with its properties; a Linux deployment script with
sudo) to write the machine-wide file; without --machine it writes the user's own file.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any, TextIO

from bwc_desk.domain.errors import DomainError

# option -> (field, type); empty values are ignored, so that an installer can pass every
# property whether IT set it or not.
OPTIONS: dict[str, tuple[str, str]] = {
    "--station-name": ("station_name", "str"),
    "--database-url": ("database_url", "str"),
    "--dock-host": ("dock_host", "str"),
    "--dock-port": ("dock_port", "int"),
    "--dock-token": ("dock_token", "str"),
    "--dock-feed": ("dock_feed_enabled", "bool"),
    "--backup-folder": ("backup_folder", "str"),
    "--station-id": ("station_id", "str"),
    "--user-may-override": ("user_may_override", "list"),
}


def add_station_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "station-config",
        help="show this station's configuration, or set it (--machine: the machine-wide "
        "file IT writes at install; docs/install.md)",
    )
    p.add_argument("--machine", action="store_true",
                   help="write the machine-wide file (administrator) instead of the user's")
    for option, (field, kind) in OPTIONS.items():
        hint = {"bool": "on|off", "list": "FIELD,FIELD", "int": "PORT"}.get(kind, "VALUE")
        p.add_argument(option, dest=field, metavar=hint, default="",
                       help=f"set {field}")
    p.set_defaults(func="cmd_station_config")


def _convert(field: str, kind: str, text: str) -> Any:
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise DomainError(f"{field}: {text!r} is not a port number (1-65535)") from None
    if kind == "bool":
        if text.lower() not in {"on", "off", "yes", "no", "true", "false", "1", "0"}:
            raise DomainError(f"{field}: say on or off, not {text!r}")
        return text.lower() in {"on", "yes", "true", "1"}
    if kind == "list":
        return [name.strip() for name in text.split(",") if name.strip()]
    return text


def cmd_station_config(args: argparse.Namespace, out: TextIO) -> int:
    from bwc_desk.store import config, paths

    changes = {
        field: _convert(field, kind, value.strip())
        for field, kind in OPTIONS.values()
        if (value := getattr(args, field, "")).strip()
    }
    if changes:
        if args.machine:
            try:
                path = config.update_machine_file(changes)
            except ValueError as exc:
                raise DomainError(f"Nothing was written: {exc}") from None
            except PermissionError:
                raise DomainError(
                    f"Nothing was written: {config.machine_config_file()} needs an "
                    "administrator (sudo, or an elevated prompt on Windows).") from None
        else:
            if "user_may_override" in changes:
                raise DomainError("--user-may-override belongs in the machine file "
                                  "(--machine)")
            config.save(config.load().with_changes(**changes))
            path = paths.config_file()
        print(f"wrote {path}", file=out)
    effective = asdict(config.load())
    if effective["dock_token"]:
        effective["dock_token"] = "(set)"
    print(f"machine file: {config.machine_config_file()}", file=out)
    print(f"user file:    {paths.config_file()}", file=out)
    for key, value in effective.items():
        print(f"  {key} = {value}", file=out)
    return 0
