; NK Desktop — Windows installer (NSIS 3, Unicode, Modern UI 2, Vietnamese).
;
; Packs the PyInstaller onedir (installer/nk-desktop.spec) into one setup .exe that installs for
; all users into "$PROGRAMFILES64\NK Desktop", with Start-menu and desktop shortcuts and an uninstaller.
; Build on Windows after PyInstaller (or on Linux: apt-get install nsis), from the repository root:
;     makensis installer\nk-desktop.nsi
;     makensis -DDIST_DIR=C:\path\to\dist\nk-desktop -DVERSION=0.2.0 installer\nk-desktop.nsi
;
; The school's database is NOT in the program folder: it lives machine-wide in ProgramData
; (platformdirs site_data_dir: C:\ProgramData\NguyenKhuyen\NK Desktop\nk-desktop.sqlite, see
; nk_desktop/paths.py), so every Windows account on the PC opens the same school. The installer
; creates that folder and lets ordinary users modify files in it; the uninstaller never deletes it
; (the school's records outlive any one installation).

Unicode true
!include "MUI2.nsh"
!include "x64.nsh"

!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!ifndef DIST_DIR
  !define DIST_DIR "..\dist\nk-desktop"   ; relative to this script's folder
!endif
!ifndef OUTFILE
  !define OUTFILE "..\dist\NK-Desktop-Setup-${VERSION}.exe"
!endif

!define APP_NAME "NK Desktop"
!define APP_EXE "nk-desktop.exe"
!define DATA_DIR "$APPDATA\NguyenKhuyen\NK Desktop"   ; $APPDATA is C:\ProgramData after SetShellVarContext all
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\NKDesktop"

Name "${APP_NAME}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP_NAME}"
InstallDirRegKey HKLM "Software\${APP_NAME}" "InstallDir"
RequestExecutionLevel admin
SetCompressor /SOLID lzma
BrandingText "${APP_NAME} ${VERSION}"

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=1066 "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=1066 "FileDescription" "Cài đặt ${APP_NAME}"
VIAddVersionKey /LANG=1066 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1066 "LegalCopyright" "GPL-3.0-or-later"

!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP_EXE}"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "Vietnamese"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "${APP_NAME} cần Windows 64-bit."
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Section "${APP_NAME}" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  RMDir /r "$INSTDIR\_internal"   ; an upgrade must not keep libraries of the previous version
  File /r "${DIST_DIR}\*"

  ; Machine-wide data folder; Users (S-1-5-32-545) may modify the database and its backups.
  CreateDirectory "${DATA_DIR}"
  nsExec::ExecToLog 'icacls "${DATA_DIR}" /grant *S-1-5-32-545:(OI)(CI)M /T /Q'
  Pop $0

  CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}"
  CreateShortcut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}"

  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "Software\${APP_NAME}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "NK Desktop"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  Delete "$DESKTOP\${APP_NAME}.lnk"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${APP_EXE}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  DeleteRegKey HKLM "Software\${APP_NAME}"
  ; The database in ${DATA_DIR} is deliberately kept.
  DetailPrint "Dữ liệu của trường vẫn được giữ tại ${DATA_DIR}"
SectionEnd
