"""The Debian package, proven on a clean Debian 12 root that is not the build machine.

A minimal bookworm root (debootstrap, cached in /var/cache/bwc-desk-test between runs) is
copied per test; the package is installed there with apt, which fetches its Depends from
Debian: a library only the build machine has is caught. Slow; needs root (CI runs as root).

Version N is this worktree's bundle; N+1 is a second build of a copy of the source with the
version bumped and one more migration, as a real next release would be.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import bwc_desk
from tests.conftest import PASSWORD
from tests.frozen import ROOT, build_bundle, shared_bundle

sys.path.insert(0, str(ROOT / "packaging" / "debian"))
import build_deb

pytestmark = pytest.mark.slow
CACHE = Path(os.environ.get("BWC_TEST_DEB_CACHE", "/var/cache/bwc-desk-test"))
ROOT_TAR = CACHE / "bookworm-minbase.tar"
APT_ARCHIVES = CACHE / "apt-archives"
TOOLS = ("debootstrap", "dpkg-deb", "chroot", "objdump", "patchelf", "mount")
DATA = "home/officer/.local/share/BWC Desk"
NEXT_REVISION = "upgrade_probe"


def _skip_reason() -> str | None:
    if sys.platform != "linux" or not Path("/var/lib/dpkg/status").exists():
        return "needs a Debian build machine"
    if os.geteuid() != 0:
        return "needs root (debootstrap, chroot, mount); CI runs as root"
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return f"missing {', '.join(missing)}: apt-get install debootstrap dpkg-dev patchelf"
    return None


if (_reason := _skip_reason()) is not None:
    pytestmark = [pytest.mark.slow, pytest.mark.skip(reason=_reason)]


def run(*args: str, check: bool = True, **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(list(args), capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if check:
        assert result.returncode == 0, f"{args}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result  # type: ignore[no-any-return]


# ---- the packages ---------------------------------------------------------------------------


def next_release_source(dest: Path) -> Path:
    """A copy of the source as the next release: version + 1, one more migration."""
    for name in ("bwc_desk", "resources"):
        shutil.copytree(ROOT / name, dest / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "build.spec", dest / "build.spec")
    init = dest / "bwc_desk" / "__init__.py"
    major, minor, patch = (int(x) for x in bwc_desk.__version__.split("."))
    text = init.read_text(encoding="utf-8")
    init.write_text(text.replace(f'"{bwc_desk.__version__}"', f'"{major}.{minor}.{patch + 1}"'),
                    encoding="utf-8")
    migrate_py = dest / "bwc_desk" / "store" / "migrate.py"
    head = re.search(r'^HEAD = "([^"]+)"', migrate_py.read_text(), re.MULTILINE)
    assert head
    migrate_py.write_text(migrate_py.read_text().replace(
        head.group(0), f'HEAD = "{NEXT_REVISION}"'), encoding="utf-8")
    (dest / "bwc_desk" / "store" / "migrations" / "versions" / "9999_upgrade_probe.py").write_text(
        f'"""The next release\'s migration (a test of upgrades)."""\n\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f'revision = "{NEXT_REVISION}"\ndown_revision = "{head.group(1)}"\n'
        "branch_labels = None\ndepends_on = None\n\n\n"
        "def upgrade() -> None:\n"
        '    op.create_table("upgrade_probe", sa.Column("id", sa.Integer, primary_key=True))\n'
        "\n\ndef downgrade() -> None:\n"
        '    op.drop_table("upgrade_probe")\n',
        encoding="utf-8",
    )
    return dest


def next_version() -> str:
    major, minor, patch = (int(x) for x in bwc_desk.__version__.split("."))
    return f"{major}.{minor}.{patch + 1}"


@pytest.fixture(scope="module")
def deb_n(tmp_path_factory: pytest.TempPathFactory) -> Path:
    bundle = shared_bundle(tmp_path_factory)
    out = tmp_path_factory.mktemp("deb-n")
    return build_deb.build(bundle, out, bwc_desk.__version__, compression="gzip")


@pytest.fixture(scope="module")
def deb_n1(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("release-n1")
    source = next_release_source(work / "src")
    bundle = build_bundle(source, work / "pyinstaller")
    return build_deb.build(bundle, work / "out", next_version(), compression="gzip")


# ---- a clean Debian 12 root -----------------------------------------------------------------


def cached_root_tar() -> Path:
    """A debootstrapped minimal bookworm, made once per machine and kept."""
    if ROOT_TAR.exists():
        return ROOT_TAR
    CACHE.mkdir(parents=True, exist_ok=True)
    staging = CACHE / "debootstrap.partial"
    shutil.rmtree(staging, ignore_errors=True)
    run("debootstrap", "--variant=minbase", "bookworm", str(staging), timeout=1800)
    partial = ROOT_TAR.with_suffix(".tar.partial")
    run("tar", "-C", str(staging), "-cf", str(partial), ".")
    partial.rename(ROOT_TAR)
    shutil.rmtree(staging, ignore_errors=True)
    return ROOT_TAR


class Chroot:
    def __init__(self, path: Path) -> None:
        self.path = path

    def sh(self, script: str, check: bool = True, user: str | None = None,
           stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
               "DEBIAN_FRONTEND": "noninteractive", "QT_QPA_PLATFORM": "offscreen",
               "HOME": f"/home/{user}" if user else "/root"}
        userspec = ["--userspec", f"{user}:{user}"] if user else []
        return run("chroot", *userspec, str(self.path), "/bin/sh", "-c", script, check=check,
                   env=env, input=stdin, timeout=1800)

    def officer(self, script: str, check: bool = True,
                stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return self.sh(script, check=check, user="officer", stdin=stdin)

    def apt_install(self, deb: Path, *flags: str, check: bool = True
                    ) -> subprocess.CompletedProcess[str]:
        shutil.copy(deb, self.path / "tmp" / deb.name)
        result = self.sh(f"apt-get install -y -q {' '.join(flags)} /tmp/{deb.name}",
                         check=check)
        # Keep what apt fetched for the next run (Depends come from Debian, not from here).
        APT_ARCHIVES.mkdir(parents=True, exist_ok=True)
        for fetched in (self.path / "var/cache/apt/archives").glob("*.deb"):
            if not (APT_ARCHIVES / fetched.name).exists():
                shutil.copy(fetched, APT_ARCHIVES / fetched.name)
        return result

    def file(self, relative: str) -> Path:
        return self.path / relative


@pytest.fixture
def debian(tmp_path: Path) -> Iterator[Chroot]:
    tar = cached_root_tar()
    root = tmp_path / "bookworm"
    root.mkdir()
    with tarfile.open(tar) as archive:
        archive.extractall(root, filter="fully_trusted")
    root.chmod(0o755)  # "/" as on any system, whatever the cached tar says
    shutil.copy("/etc/resolv.conf", root / "etc" / "resolv.conf")
    archives = root / "var/cache/apt/archives"
    archives.mkdir(parents=True, exist_ok=True)
    for cached in APT_ARCHIVES.glob("*.deb") if APT_ARCHIVES.exists() else []:
        shutil.copy(cached, archives / cached.name)
    run("mount", "-t", "proc", "proc", str(root / "proc"))
    try:
        chroot = Chroot(root)
        chroot.sh("apt-get update -q")
        chroot.sh("useradd --create-home --shell /bin/sh officer")
        yield chroot
    finally:
        run("umount", "-l", str(root / "proc"), check=False)
    if not os.path.ismount(root / "proc"):
        shutil.rmtree(root, ignore_errors=True)


# ---- the package itself ---------------------------------------------------------------------


def control_field(deb: Path, field: str) -> str:
    return run("dpkg-deb", "--field", str(deb), field).stdout.strip()


def test_the_package_holds_the_program_the_launchers_and_the_desktop_files(deb_n):
    assert deb_n.name == f"bwc-desk_{bwc_desk.__version__}_amd64.deb"
    listing = run("dpkg-deb", "--contents", str(deb_n)).stdout
    for path in ("./opt/bwc-desk/bwc-desk", "./usr/bin/bwc-desk -> /opt/bwc-desk/bwc-desk",
                 "./usr/bin/bwc-desk-cli -> /opt/bwc-desk/bwc-desk-cli",
                 "./usr/share/applications/io.github.bwcdesk.BwcDesk.desktop",
                 "./usr/share/icons/hicolor/scalable/apps/io.github.bwcdesk.BwcDesk.svg",
                 "./usr/share/metainfo/io.github.bwcdesk.BwcDesk.metainfo.xml",
                 "./usr/share/doc/bwc-desk/copyright", "./usr/share/man/man1/bwc-desk.1.gz"):
        assert path in listing, path


def test_bundled_libraries_search_only_the_bundle(deb_n, tmp_path):
    """No library search path of the build machine (a pyenv prefix) is left in the package."""
    run("dpkg-deb", "--extract", str(deb_n), str(tmp_path))
    foreign = {}
    for path in (tmp_path / "opt" / "bwc-desk").rglob("*"):
        if build_deb.is_elf(path) and (runpath := build_deb._runpath(path)):
            outside = [p for p in runpath.split(":") if not p.startswith("$ORIGIN")]
            if outside:
                foreign[path.name] = outside
    assert foreign == {}


def test_no_maintainer_script(deb_n, tmp_path):
    run("dpkg-deb", "--control", str(deb_n), str(tmp_path / "control"))
    assert sorted(p.name for p in (tmp_path / "control").iterdir()) == ["control", "md5sums"]


def test_depends_are_computed_from_the_bundle(deb_n, tmp_path_factory):
    depends = control_field(deb_n, "Depends")
    names = {dep.split()[0] for dep in depends.split(", ")}
    bundle = shared_bundle(tmp_path_factory)
    assert names == {build_deb.owner(build_deb._ldconfig()[so])
                     for so in build_deb.external_sonames(bundle)}
    assert "libc6" in names and "libxcb1" in names
    assert not any("gtk" in name for name in names)


def test_sha256sums_beside_the_package(deb_n):
    sums = (deb_n.parent / "SHA256SUMS").read_text()
    assert f"{hashlib.sha256(deb_n.read_bytes()).hexdigest()}  {deb_n.name}\n" in sums


def test_lintian_reports_no_errors(deb_n):
    if shutil.which("lintian") is None:
        pytest.skip("lintian is not installed (apt-get install lintian)")
    result = run("lintian", "--tag-display-limit", "0", str(deb_n), check=False)
    errors = [line for line in result.stdout.splitlines() if line.startswith("E:")]
    assert errors == [], "\n".join(errors[:40])


# ---- on a clean Debian 12 -------------------------------------------------------------------


def sqlite_content(chroot: Chroot) -> list[str]:
    """The station database's content (SQL), read from outside the root."""
    with sqlite3.connect(chroot.file(f"{DATA}/bwc-desk.sqlite3")) as conn:
        return list(conn.iterdump())


def test_install_run_and_remove_on_a_clean_debian(debian, deb_n):
    debian.apt_install(deb_n)
    assert debian.sh("bwc-desk --version").stdout.strip() == f"BWC Desk {bwc_desk.__version__}"
    # IT's machine-wide file names the station.
    (debian.file("etc/bwc-desk")).mkdir(parents=True)
    debian.file("etc/bwc-desk/station.json").write_text('{"station_name": "NORTH-1"}')

    test = debian.officer("bwc-desk-cli self-test")
    assert "self-test passed" in test.stdout, test.stdout + test.stderr
    assert "Traceback" not in test.stdout + test.stderr
    debian.officer("bwc-desk-cli users add admin --role admin --password-stdin",
                   stdin=PASSWORD + "\n")
    gui = debian.officer("bwc-desk --sign-in-stdin --exit-when-idle",
                         stdin=f"admin\n{PASSWORD}\n")
    assert "BWC-DESK-IDLE" in gui.stdout, gui.stdout + gui.stderr
    assert "Traceback" not in gui.stdout + gui.stderr
    # The station name in IT's file is the one on the records made here.
    debian.officer("printf 'asset_tag,serial,model,status,warranty_until\\n"
                   "HPD-BWC-0001,X60A0001,Axon Body 3,,\\n' > /tmp/units.csv && "
                   f"printf '{PASSWORD}\\n' | bwc-desk-cli import units /tmp/units.csv "
                   "--as admin --password-stdin && "
                   f"printf '{PASSWORD}\\n' | bwc-desk-cli export custody /tmp/custody.csv "
                   "--as admin --password-stdin")
    assert ",NORTH-1,import units.csv," in debian.file("tmp/custody.csv").read_text()

    data_before = sqlite_content(debian)
    debian.sh("apt-get remove -y -q bwc-desk")
    assert not debian.file("opt/bwc-desk").exists()
    assert not debian.file("usr/bin/bwc-desk").exists()
    assert sqlite_content(debian) == data_before
    assert debian.file("etc/bwc-desk/station.json").exists()  # IT's, not the package's


def test_upgrade_backs_up_and_migrates_and_a_downgrade_is_refused(debian, deb_n, deb_n1):
    debian.apt_install(deb_n)
    debian.officer("bwc-desk-cli users add admin --role admin --password-stdin",
                   stdin=PASSWORD + "\n")
    debian.officer("printf 'asset_tag,serial,model,status,warranty_until\\n"
                   "HPD-BWC-0001,X60A0001,Axon Body 3,,\\n' > /tmp/units.csv && "
                   f"printf '{PASSWORD}\\n' | bwc-desk-cli import units /tmp/units.csv "
                   "--as admin --password-stdin")

    debian.apt_install(deb_n1)
    assert debian.sh("bwc-desk-cli --version").stdout.strip() == f"BWC Desk {next_version()}"
    test = debian.officer("bwc-desk-cli self-test")
    assert "self-test passed" in test.stdout, test.stdout + test.stderr
    backups = list(debian.file(f"{DATA}/backups").glob(f"*before-{NEXT_REVISION}*.sqlite3"))
    assert len(backups) == 1, list(debian.file(DATA).rglob("*"))
    debian.officer(f"printf '{PASSWORD}\\n' | bwc-desk-cli export units /tmp/after.csv "
                   "--as admin --password-stdin && bwc-desk-cli verify")
    assert "HPD-BWC-0001,X60A0001,Axon Body 3" in debian.file("tmp/after.csv").read_text()

    # apt itself refuses to go back...
    refused = debian.apt_install(deb_n, check=False)
    assert refused.returncode != 0
    assert "downgrade" in (refused.stdout + refused.stderr).lower()
    # ...and when IT forces it, the older program refuses the newer database, untouched.
    debian.apt_install(deb_n, "--allow-downgrades")
    before = sqlite_content(debian)
    old = debian.officer("bwc-desk-cli self-test", check=False)
    assert old.returncode != 0
    assert "newer BWC Desk" in old.stdout + old.stderr
    assert "Traceback" not in old.stdout + old.stderr
    assert sqlite_content(debian) == before


def test_desktop_entry_and_metainfo_validate(deb_n, tmp_path):
    if shutil.which("desktop-file-validate") is None or shutil.which("appstreamcli") is None:
        pytest.skip("apt-get install desktop-file-utils appstream")
    run("dpkg-deb", "--extract", str(deb_n), str(tmp_path))
    share = tmp_path / "usr" / "share"
    run("desktop-file-validate", str(share / "applications" / f"{build_deb.APP_ID}.desktop"))
    metainfo = share / "metainfo" / f"{build_deb.APP_ID}.metainfo.xml"
    assert f'version="{bwc_desk.__version__}"' in metainfo.read_text()
    run("appstreamcli", "validate", "--no-net", str(metainfo))
