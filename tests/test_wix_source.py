"""The Windows MSI recipe, checked here where it cannot be built (no Windows, no WiX): the
source parses, every file it names is in the bundle layout, the version is the package's, and
the installer's command line for the station configuration is one the program accepts."""

from __future__ import annotations

import re
import shlex
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import bwc_desk
from bwc_desk.__main__ import build_parser

ROOT = Path(__file__).resolve().parents[1]
WINDOWS = ROOT / "packaging" / "windows"
WXS = WINDOWS / "bwc-desk.wxs"
NS = {"w": "http://wixtoolset.org/schemas/v4/wxs"}
UPGRADE_CODE = "93E189AF-7F34-4530-A160-D480817E8F3A"  # never changes: upgrades find it
sys.path.insert(0, str(WINDOWS))
import harvest  # noqa: E402


def package() -> ET.Element:
    found = ET.parse(WXS).getroot().find("w:Package", NS)
    assert found is not None
    return found


def spec_programs() -> set[str]:
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    return set(re.findall(r'EXE\([^)]*name="([^"]+)"', spec, re.DOTALL))


def test_a_per_machine_package_with_a_fixed_upgrade_code():
    pkg = package()
    assert pkg.get("Scope") == "perMachine"
    assert pkg.get("UpgradeCode") == UPGRADE_CODE
    assert pkg.get("Version") == "$(var.Version)"
    upgrade = pkg.find("w:MajorUpgrade", NS)
    assert upgrade is not None and "newer version" in upgrade.get("DowngradeErrorMessage", "")


def test_program_files_start_menu_and_program_data():
    pkg = package()
    dirs = {d.get("Id") for d in pkg.iter(f"{{{NS['w']}}}StandardDirectory")}
    assert {"ProgramFiles64Folder", "ProgramMenuFolder", "CommonAppDataFolder"} <= dirs
    shortcut = pkg.find(".//w:Shortcut", NS)
    assert shortcut is not None and shortcut.get("Target") == "[#BwcDeskExe]"
    refs = {r.get("Id") for r in pkg.iter() if r.tag.endswith(("ComponentRef",
                                                                "ComponentGroupRef"))}
    components = {c.get("Id") for c in pkg.iter(f"{{{NS['w']}}}Component")}
    assert components | {"BundleFiles"} == refs  # every component is installed


def test_every_file_the_source_names_is_in_the_bundle_layout():
    programs = spec_programs()
    assert programs == {"bwc-desk", "bwc-desk-cli"}
    for file in package().iter(f"{{{NS['w']}}}File"):
        source = file.get("Source", "")
        assert source.startswith("$(var.BundleDir)\\"), source
        name = source.removeprefix("$(var.BundleDir)\\")
        assert name.endswith(".exe") and name.removesuffix(".exe") in programs, name
    built = ROOT / "dist" / "bwc-desk"
    if built.exists():  # a Linux build at hand: the same two programs at the top
        assert {p.name for p in built.iterdir() if p.name != "_internal"} == programs


def test_silent_install_properties_become_a_command_the_program_accepts():
    pkg = package()
    action = pkg.find("w:CustomAction[@Id='WriteStationConfig']", NS)
    assert action is not None and action.get("FileRef") == "BwcDeskCliExe"
    assert action.get("Execute") == "deferred" and action.get("Impersonate") == "no"
    command = action.get("ExeCommand", "")
    properties = set(re.findall(r"\[([A-Z_]+)\]", command))
    declared = {p.get("Id") for p in pkg.findall("w:Property", NS) if p.get("Secure") == "yes"}
    assert {"STATION_NAME", "DATABASE_URL", "DOCK_PORT", "DOCK_TOKEN",
            "BACKUP_FOLDER"} <= properties
    assert properties <= declared  # Secure: passed from the command line to the server side
    sample = {"STATION_NAME": "NORTH-1", "DATABASE_URL": "postgresql+psycopg://st@db/bwc",
              "DOCK_PORT": "47900", "DOCK_FEED": "on", "USER_MAY_OVERRIDE": "backup_folder"}
    formatted = re.sub(r"\[([A-Z_]+)\]", lambda m: sample.get(m.group(1), ""), command)
    args = build_parser().parse_args(shlex.split(formatted))
    assert args.func == "cmd_station_config" and args.machine
    assert (args.station_name, args.dock_port, args.dock_token) == ("NORTH-1", "47900", "")
    condition = pkg.find("w:InstallExecuteSequence/w:Custom", NS)
    assert condition is not None
    for prop in properties:
        assert prop in condition.get("Condition", "")


def test_the_installer_runs_only_the_cli_when_properties_are_given(tmp_path, monkeypatch):
    """The formatted command, run here, writes the machine file as the MSI would."""
    import json

    from bwc_desk.__main__ import main

    machine = tmp_path / "ProgramData" / "station.json"
    monkeypatch.setenv("BWC_DESK_MACHINE_CONFIG", str(machine))
    command = package().find("w:CustomAction", NS).get("ExeCommand", "")  # type: ignore[union-attr]
    values = {"STATION_NAME": "NORTH-1", "DOCK_PORT": "47900", "DOCK_TOKEN": "tok-123"}
    formatted = re.sub(r"\[([A-Z_]+)\]", lambda m: values.get(m.group(1), ""), command)
    assert main(shlex.split(formatted)) == 0
    assert json.loads(machine.read_text()) == {"station_name": "NORTH-1", "dock_port": 47900,
                                               "dock_token": "tok-123"}


def fake_bundle(root: Path) -> Path:
    bundle = root / "bwc-desk"
    for relative in ("bwc-desk.exe", "bwc-desk-cli.exe", "_internal/python311.dll",
                     "_internal/PySide6/Qt6Core.dll", "_internal/PySide6/plugins/a b.dll",
                     "_internal/bwc_desk/store/migrations/versions/0001_foundation.py"):
        (bundle / relative).parent.mkdir(parents=True, exist_ok=True)
        (bundle / relative).write_bytes(b"x")
    return bundle


def test_harvest_names_every_bundle_file_once_with_stable_ids(tmp_path):
    bundle = fake_bundle(tmp_path)
    assert harvest.main([str(bundle), str(tmp_path / "obj")]) == 0
    text = (tmp_path / "obj" / "bundle-files.wxs").read_text()
    root = ET.fromstring(text)
    files = [f.get("Source") for f in root.iter(f"{{{NS['w']}}}File")]
    assert sorted(files) == sorted(
        "$(var.BundleDir)\\" + p.relative_to(bundle).as_posix().replace("/", "\\")
        for p in bundle.rglob("*") if p.is_file() and p.parent != bundle)
    ids = [e.get("Id") for e in root.iter() if e.get("Id") and not e.tag.endswith("Ref")]
    assert len(ids) == len(set(ids)) and all(len(i) <= 72 for i in ids)
    refs = {r.get("Id") for r in root.iter(f"{{{NS['w']}}}ComponentRef")}
    assert refs == {c.get("Id") for c in root.iter(f"{{{NS['w']}}}Component")}
    harvest.main([str(bundle), str(tmp_path / "again")])
    assert (tmp_path / "again" / "bundle-files.wxs").read_text() == text


def test_the_msi_version_is_the_package_version(tmp_path):
    harvest.main([str(fake_bundle(tmp_path)), str(tmp_path / "obj")])
    include = (tmp_path / "obj" / "version.wxi").read_text()
    defined = re.search(r'<\?define Version = "([^"]+)" \?>', include)
    assert defined and defined.group(1) == bwc_desk.__version__
    assert "obj\\version.wxi" in WXS.read_text()


def test_the_docs_say_plainly_that_the_msi_is_not_built_here():
    doc = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
    assert "msiexec /i" in doc and "STATION_NAME=" in doc
    assert "not built or tested on Linux" in doc


@pytest.mark.parametrize("script", ["build.ps1"])
def test_the_build_script_builds_the_spec_and_the_wxs(script):
    text = (WINDOWS / script).read_text(encoding="utf-8")
    assert "PyInstaller" in text and "build.spec" in text and "wix build" in text
    assert "harvest.py" in text and "SHA256SUMS" in text
