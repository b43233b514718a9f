#!/usr/bin/env python3
"""Build dist/bwc-desk_VERSION_amd64.deb from the PyInstaller one-folder bundle.

    python3 packaging/debian/build_deb.py [--bundle dist/bwc-desk] [--out dist]
                                          [--version V]

The program goes to /opt/bwc-desk, with /usr/bin/bwc-desk and /usr/bin/bwc-desk-cli, a
desktop entry, the hicolor icon and AppStream metainfo. `Depends` is computed from the bundle:
every library its ELF files link against that the bundle does not ship itself, mapped to the
Debian package that owns it on this (the build) machine, with the minimum version from that
package's shlibs file. No maintainer scripts: installing, upgrading and removing never touch
a user's data. Writes SHA256SUMS beside the packages. Standard library only; needs dpkg-deb.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
LINUX = HERE.parent / "linux"
APP_ID = "io.github.bwcdesk.BwcDesk"
PACKAGE = "bwc-desk"
MAINTAINER = "BWC Desk maintainers <maintainers@bwc-desk.invalid>"
# Not libraries, so not in the computed Depends: fonts and fontconfig's configuration, without
# which Qt draws no text. apt installs Recommends by default.
RECOMMENDS = "fontconfig-config, fonts-dejavu-core"
ARCH = "amd64"


def package_version(root: Path = ROOT) -> str:
    text = (root / "bwc_desk" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'__version__ = "([^"]+)"', text)
    assert match, "no __version__ in bwc_desk/__init__.py"
    return match.group(1)


def is_elf(path: Path) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as fh:
        return fh.read(4) == b"\x7fELF"


def needed(path: Path) -> list[str]:
    out = subprocess.run(["objdump", "-p", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return re.findall(r"^\s*NEEDED\s+(\S+)", out, re.MULTILINE)


def external_sonames(bundle: Path) -> set[str]:
    """Libraries the bundle's ELF files link against and the bundle does not ship."""
    shipped = {p.name for p in bundle.rglob("*") if p.is_file() or p.is_symlink()}
    wanted: set[str] = set()
    for path in bundle.rglob("*"):
        if is_elf(path):
            wanted.update(needed(path))
    return {name for name in wanted if name not in shipped}


def _ldconfig() -> dict[str, str]:
    out = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True,
                         check=True).stdout
    found: dict[str, str] = {}
    for line in out.splitlines():
        match = re.match(r"\s*(\S+) \(([^)]*)\) => (\S+)", line)
        if match and "x86-64" in match.group(2):
            found.setdefault(match.group(1), match.group(3))
    return found


def owner(path: str) -> str:
    """The Debian package that owns a library file (merged /usr or not)."""
    real = os.path.realpath(path)
    candidates = [path, real]
    for p in (path, real):
        if p.startswith("/usr/lib/"):
            candidates.append(p[len("/usr"):])
        elif p.startswith("/lib"):
            candidates.append("/usr" + p)
    for candidate in candidates:
        result = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(":", 1)[0].split(",")[0].strip()
    raise SystemExit(f"no Debian package owns {path}: install it from Debian, or ship it "
                     "in the bundle")


def shlibs_dependency(package: str, soname: str) -> str:
    """The dependency the package's shlibs file declares for this library, else its name."""
    match = re.match(r"(.+)\.so\.(.+)$", soname) or re.match(r"(.+)-(\d[\d.]*)\.so$", soname)
    if match:
        lib, version = match.group(1), match.group(2)
        for name in (f"{package}:{ARCH}.shlibs", f"{package}.shlibs"):
            shlibs = Path("/var/lib/dpkg/info") / name
            if not shlibs.exists():
                continue
            for line in shlibs.read_text(encoding="utf-8").splitlines():
                fields = line.split(None, 2)
                if len(fields) == 3 and fields[0] == lib and fields[1] == version:
                    return fields[2].strip()
    return package


def compute_depends(bundle: Path) -> list[str]:
    libs = _ldconfig()
    deps: dict[str, str] = {}
    for soname in sorted(external_sonames(bundle)):
        path = libs.get(soname)
        if path is None:
            raise SystemExit(f"the bundle links against {soname}, which this build machine "
                             "does not have: install the Debian package that provides it")
        package = owner(path)
        dep = shlibs_dependency(package, soname)
        name = dep.split()[0]
        # Several sonames of one package: keep the strictest (longest) declaration.
        if name not in deps or len(dep) > len(deps[name]):
            deps[name] = dep
    return [deps[name] for name in sorted(deps)]


def _runpath(path: Path) -> str:
    out = subprocess.run(["objdump", "-p", str(path)], capture_output=True, text=True,
                         check=True).stdout
    match = re.search(r"^\s*(?:RUNPATH|RPATH)\s+(\S+)", out, re.MULTILINE)
    return match.group(1) if match else ""


def drop_build_machine_paths(opt: Path) -> int:
    """Remove library search paths of the build machine (a pyenv prefix, say) from the
    bundled ELF files; the bundle's own $ORIGIN paths stay. Returns how many were changed."""
    changed = 0
    for path in opt.rglob("*"):
        if not is_elf(path):
            continue
        runpath = _runpath(path)
        if not runpath:
            continue
        kept = [p for p in runpath.split(":") if p.startswith("$ORIGIN")]
        if len(kept) == len(runpath.split(":")):
            continue
        if shutil.which("patchelf") is None:
            raise SystemExit(f"{path} searches {runpath}: install patchelf to remove it")
        command = ["--set-rpath", ":".join(kept)] if kept else ["--remove-rpath"]
        subprocess.run(["patchelf", *command, str(path)], check=True)
        changed += 1
    return changed


def _normalise_modes(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_symlink():
            continue
        if path.is_dir() or (os.access(path, os.X_OK) and ".so" not in path.name):
            path.chmod(0o755)
        else:
            path.chmod(0o644)


def _gzip(text: str, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                                filename="") as fh:
        fh.write(text.encode("utf-8"))


def _debian_changelog(version: str, when: float) -> str:
    stamp = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(when))
    return (f"{PACKAGE} ({version}) stable; urgency=medium\n\n"
            f"  * BWC Desk {version}: see /usr/share/doc/{PACKAGE}/CHANGELOG.md.gz.\n\n"
            f" -- {MAINTAINER}  {stamp}\n")


def stage(bundle: Path, root: Path, version: str, when: float) -> None:
    opt = root / "opt" / PACKAGE
    shutil.copytree(bundle, opt, symlinks=True)
    drop_build_machine_paths(opt)
    usr = root / "usr"
    (usr / "bin").mkdir(parents=True)
    for name in ("bwc-desk", "bwc-desk-cli"):
        (usr / "bin" / name).symlink_to(f"/opt/{PACKAGE}/{name}")
    share = usr / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy(LINUX / f"{APP_ID}.desktop", share / "applications" / f"{APP_ID}.desktop")
    icons = share / "icons" / "hicolor" / "scalable" / "apps"
    icons.mkdir(parents=True)
    shutil.copy(ROOT / "bwc_desk" / "resources" / "icons" / "bwc-desk.svg", icons / f"{APP_ID}.svg")
    (share / "metainfo").mkdir(parents=True)
    metainfo = (LINUX / f"{APP_ID}.metainfo.xml").read_text(encoding="utf-8")
    metainfo = metainfo.replace("@VERSION@", version).replace(
        "@DATE@", time.strftime("%Y-%m-%d", time.gmtime(when)))
    (share / "metainfo" / f"{APP_ID}.metainfo.xml").write_text(metainfo, encoding="utf-8")
    man = share / "man" / "man1"
    _gzip((LINUX / "bwc-desk.1").read_text(encoding="utf-8"), man / "bwc-desk.1.gz")
    (man / "bwc-desk-cli.1.gz").symlink_to("bwc-desk.1.gz")
    doc = share / "doc" / PACKAGE
    doc.mkdir(parents=True)
    shutil.copy(HERE / "copyright", doc / "copyright")
    _gzip(_debian_changelog(version, when), doc / "changelog.gz")
    if (ROOT / "CHANGELOG.md").exists():
        _gzip((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), doc / "CHANGELOG.md.gz")
    (doc / "examples").mkdir()
    shutil.copy(HERE.parent / "station.example.json", doc / "examples" / "station.json")
    overrides = share / "lintian" / "overrides"
    overrides.mkdir(parents=True)
    shutil.copy(HERE / "lintian-overrides", overrides / PACKAGE)
    _normalise_modes(root)


def control(root: Path, version: str, depends: list[str]) -> str:
    size_kib = sum(
        (p.lstat().st_size + 1023) // 1024 for p in root.rglob("*")
        if p.is_file() or p.is_symlink()
    )
    return (
        f"Package: {PACKAGE}\n"
        f"Version: {version}\n"
        f"Architecture: {ARCH}\n"
        f"Maintainer: {MAINTAINER}\n"
        f"Installed-Size: {size_kib}\n"
        f"Depends: {', '.join(depends)}\n"
        f"Recommends: {RECOMMENDS}\n"
        "Section: misc\n"
        "Priority: optional\n"
        "Description: body-worn camera custody for police evidence rooms\n"
        " BWC Desk keeps the inventory of an agency's body-worn cameras, checks them\n"
        " in and out at the evidence-room counter with a barcode scanner, follows the\n"
        " dock bays and keeps a tamper-evident custody ledger. One station runs on a\n"
        " SQLite file; several share a PostgreSQL server.\n"
        " .\n"
        " The machine-wide configuration is /etc/bwc-desk/station.json, written by\n"
        " the agency's IT (see /usr/share/doc/bwc-desk/examples/station.json).\n"
    )


def md5sums(root: Path) -> str:
    lines = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and "DEBIAN" not in path.parts:
            digest = hashlib.md5(path.read_bytes()).hexdigest()
            lines.append(f"{digest}  {path.relative_to(root).as_posix()}\n")
    return "".join(lines)


def write_sha256sums(out: Path) -> Path:
    """SHA256SUMS beside the artifacts: every .deb and .msi in the folder."""
    lines = []
    for path in sorted([*out.glob("*.deb"), *out.glob("*.msi")]):
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n")
    sums = out / "SHA256SUMS"
    sums.write_text("".join(lines), encoding="utf-8")
    return sums


def build(bundle: Path, out: Path, version: str, compression: str = "xz") -> Path:
    if not (bundle / "bwc-desk").exists():
        raise SystemExit(f"no bundle at {bundle}: run `make build` first")
    when = float(os.environ.get("SOURCE_DATE_EPOCH", time.time()))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bwc-deb-") as tmp:
        root = Path(tmp) / "root"
        stage(bundle, root, version, when)
        depends = compute_depends(root / "opt" / PACKAGE)
        debian = root / "DEBIAN"
        debian.mkdir()
        (debian / "control").write_text(control(root, version, depends), encoding="utf-8")
        (debian / "md5sums").write_text(md5sums(root), encoding="utf-8")
        for path in debian.iterdir():
            path.chmod(0o644)
        debian.chmod(0o755)
        deb = out / f"{PACKAGE}_{version}_{ARCH}.deb"
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", f"-Z{compression}",
             "-z1" if compression == "gzip" else "-z6", "--build", str(root), str(deb)],
            check=True, stdout=subprocess.DEVNULL,
        )
    write_sha256sums(out)
    return deb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "bwc-desk")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--version", default=None, help="default: bwc_desk.__version__")
    parser.add_argument("--compression", choices=["xz", "gzip"], default="xz",
                        help="xz (the release) or gzip (quicker, for tests)")
    args = parser.parse_args(argv)
    deb = build(args.bundle, args.out, args.version or package_version(), args.compression)
    print(f"{deb} ({deb.stat().st_size / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
