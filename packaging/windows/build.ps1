# Build the BWC Desk MSI on a Windows build machine (it cannot run on Linux).
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
#
# Needs: Python 3.11 (x64), the .NET SDK 8 (for the WiX v4 tool). Steps:
#   1. a fresh virtual environment with BWC Desk and its pinned dependencies, PyInstaller;
#   2. PyInstaller on build.spec: the one-folder bundle dist\bwc-desk (bwc-desk.exe, windowed,
#      and bwc-desk-cli.exe, console);
#   3. harvest.py: obj\bundle-files.wxs (every file of the bundle) and obj\version.wxi;
#   4. wix build: dist\bwc-desk-VERSION-x64.msi, and SHA256SUMS beside it.
[CmdletBinding()]
param(
    [string]$Python = "py -3.11",
    [string]$WixVersion = "4.0.5"
)
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

$Root = Resolve-Path (Join-Path $PSScriptRoot "..\..")
$Here = $PSScriptRoot
Set-Location $Root

function Invoke-Checked([string]$What, [scriptblock]$Command) {
    Write-Host "== $What"
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)" }
}

# 1. Build environment
if (-not (Test-Path ".venv-win\Scripts\python.exe")) {
    Invoke-Checked "virtual environment" { Invoke-Expression "$Python -m venv .venv-win" }
}
$Py = Join-Path $Root ".venv-win\Scripts\python.exe"
Invoke-Checked "dependencies" { & $Py -m pip install --quiet --upgrade pip }
Invoke-Checked "BWC Desk and PyInstaller" { & $Py -m pip install --quiet -e ".[dev]" }

# The version: bwc_desk/__init__.py is the one source (the MSI needs X.Y.Z).
$Version = & $Py -c "import bwc_desk; print(bwc_desk.__version__)"
if ($Version -notmatch '^\d+\.\d+\.\d+$') { throw "version '$Version' is not X.Y.Z" }
Write-Host "BWC Desk $Version"

# 2. PyInstaller
Invoke-Checked "PyInstaller" { & $Py -m PyInstaller --noconfirm --clean build.spec }
$Bundle = Join-Path $Root "dist\bwc-desk"
foreach ($exe in "bwc-desk.exe", "bwc-desk-cli.exe") {
    if (-not (Test-Path (Join-Path $Bundle $exe))) { throw "the bundle has no $exe" }
}
Invoke-Checked "frozen self-test" {
    $env:BWC_DESK_HOME = Join-Path $env:TEMP "bwc-desk-msi-selftest"
    & (Join-Path $Bundle "bwc-desk-cli.exe") self-test
    Remove-Item Env:\BWC_DESK_HOME
}

# 3. Harvest the bundle
$Obj = Join-Path $Here "obj"
Invoke-Checked "harvest" { & $Py (Join-Path $Here "harvest.py") $Bundle $Obj }

# 4. WiX v4
Invoke-Checked "WiX $WixVersion" { dotnet tool update --global wix --version $WixVersion }
$Msi = Join-Path $Root "dist\bwc-desk-$Version-x64.msi"
Invoke-Checked "wix build" {
    wix build -arch x64 -d "BundleDir=$Bundle" -o $Msi `
        (Join-Path $Here "bwc-desk.wxs") (Join-Path $Obj "bundle-files.wxs")
}

$Sums = Get-ChildItem (Join-Path $Root "dist") -Include *.msi, *.deb -File -Recurse:$false |
    ForEach-Object { "{0}  {1}" -f (Get-FileHash $_.FullName -Algorithm SHA256).Hash.ToLower(), $_.Name }
Set-Content -Path (Join-Path $Root "dist\SHA256SUMS") -Value $Sums -Encoding ascii
Write-Host "== $Msi"
Get-Content (Join-Path $Root "dist\SHA256SUMS")
