# Windows: try NK Desktop on the sample school (PowerShell). Needs Python 3.11 from python.org.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
if (-not (Test-Path .venv\Scripts\python.exe)) { py -3.11 -m venv .venv }
.venv\Scripts\python.exe -m pip install --upgrade pip
.venv\Scripts\python.exe -m pip install -e ".[test]"
$demo = if ($env:DEMO_DB) { $env:DEMO_DB } else { "demo\truong-demo.sqlite" }
$password = if ($env:DEMO_PASSWORD) { $env:DEMO_PASSWORD } else { "demo1234" }
if (-not (Test-Path $demo)) {
    New-Item -ItemType Directory -Force (Split-Path $demo) | Out-Null
    .venv\Scripts\nk-admin.exe --db $demo demo --password $password
}
Write-Host "Mật khẩu của mọi tài khoản mẫu: $password"
.venv\Scripts\nk-desktop.exe --db $demo
