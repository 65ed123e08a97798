; The Windows installer of Statement Room (电子笔录室), for NSIS 3 (makensis).
;
; It wraps a PyInstaller one-folder build made on Windows from installer/statement-room.spec
; (statement-room.exe beside its _internal folder) and installs it for every user of the
; machine. Build:
;
;     makensis -DDIST=path\to\dist\statement-room -DVERSION=0.1.0 -DOUTFILE=setup.exe statement-room.nsi
;
; What it does, and why (decision 0049):
; - Per-machine: into $PROGRAMFILES64\StatementRoom, with the Start menu shortcut for all users,
;   because an interview-room PC is shared by the officers of a squad.
; - The court package is a .zip (BagIt, see verification/package.py). The installer does not
;   take .zip away from the officer's archive program: it registers its own ProgID and offers
;   it in Explorer's "Open with" list (.zip\OpenWithProgids), which is how Windows expects a
;   program to add itself to an extension it shares.
; - Uninstalling removes the program, its shortcut and registry entries, and KEEPS the
;   officers' data (the encrypted store, the vault, the logs: platformdirs' user_data_dir,
;   %LOCALAPPDATA%\statement-room), unless the officer ticks "Also delete my data" on the
;   uninstaller's components page, or runs it silently with /REMOVEDATA:
;       uninstall.exe /S              keep the data
;       uninstall.exe /S /REMOVEDATA  delete it too
;   Only the uninstalling user's data folder is removed; other accounts' folders stay.
; - An upgrade installs over the earlier version: the old _internal folder is removed first
;   (no stale modules of the old version are left to be imported), the data is not touched;
;   the program migrates its store itself, after taking a backup.
; The file is UTF-8 with a byte order mark, so makensis reads the Chinese text the same on
; Windows and Linux.

Unicode true
Target amd64-unicode
ManifestDPIAware true
RequestExecutionLevel admin
; Solid LZMA: the smallest setup (a 307 MB one-folder program gave 76 MB), but slow to build
; (about 5 minutes on a busy two-core machine); a CI check may pass -DCOMPRESSOR=zlib.
!ifndef COMPRESSOR
  !define COMPRESSOR "/SOLID lzma"
!endif
SetCompressor ${COMPRESSOR}

!ifndef DIST
  !error "Give the frozen folder: -DDIST=path\to\dist\statement-room"
!endif
!if ! /FileExists "${DIST}\statement-room.exe"
  !error "${DIST} has no statement-room.exe: build it on Windows with installer\statement-room.spec"
!endif
!ifndef VERSION
  !error "Give the version: -DVERSION=0.1.0 (pyproject.toml's version)"
!endif
!ifndef OUTFILE
  !define OUTFILE "statement-room-${VERSION}-setup.exe"
!endif
; What the Start menu starts: the spec's windowed twin statement-room-window.exe when the
; folder has it (no console behind the window), else statement-room.exe. statement-room.exe
; stays the console program: the subcommands and the "Open with" verb print to it.
!ifndef GUI_EXE
  !if /FileExists "${DIST}\statement-room-window.exe"
    !define GUI_EXE "statement-room-window.exe"
  !else
    !define GUI_EXE "statement-room.exe"
  !endif
!endif
!if ! /FileExists "${DIST}\${GUI_EXE}"
  !error "${DIST} has no ${GUI_EXE} (-DGUI_EXE)"
!endif
!ifndef PUBLISHER
  !define PUBLISHER "Statement Room"
!endif

!define APP_ID "StatementRoom"
!define APP_NAME "电子笔录室"
!define APP_EXE "statement-room.exe"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"
!define PACKAGE_PROGID "StatementRoom.CourtPackage"
!define PACKAGE_EXT ".zip"
; Windows Error Reporting would send (and can keep) a crashed process's memory: decrypted
; statements, the party's ID data, the store's key. The program's executables are excluded.
!define WER_EXCLUDED "Software\Microsoft\Windows\Windows Error Reporting\ExcludedApplications"
; platformdirs.user_data_dir("statement-room", appauthor=False) on Windows.
!define DATA_FOLDER "statement-room"

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include Integration.nsh
!include Sections.nsh

Name "${APP_NAME}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP_ID}"
InstallDirRegKey HKLM "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "${APP_NAME} ${VERSION}"

; The version resource of setup.exe itself (Explorer's Details tab); VIProductVersion
; needs four numbers.
VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=0 "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=0 "FileDescription" "${APP_NAME} ${VERSION} setup"
VIAddVersionKey /LANG=0 "LegalCopyright" "${PUBLISHER}"

!define MUI_ABORTWARNING
; No "Run now" on the finish page: started from this elevated setup, the program would run
; as the administrator who typed the UAC password and keep its data in that account.
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!define MUI_COMPONENTSPAGE_NODESC
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

; The first language is the default when Windows' UI language is neither.
!insertmacro MUI_LANGUAGE "SimpChinese"
!insertmacro MUI_LANGUAGE "English"

LangString SecProgram ${LANG_SIMPCHINESE} "电子笔录室程序"
LangString SecProgram ${LANG_ENGLISH} "Statement Room program"
LangString SecRemoveData ${LANG_SIMPCHINESE} "同时删除我的数据（笔录库、音视频、日志；无法恢复）"
LangString SecRemoveData ${LANG_ENGLISH} "Also delete my data (statements, recordings, logs; cannot be undone)"
LangString PackageType ${LANG_SIMPCHINESE} "电子笔录室法庭证据包"
LangString PackageType ${LANG_ENGLISH} "Statement Room court package"
LangString PackageVerb ${LANG_SIMPCHINESE} "用电子笔录室核验"
LangString PackageVerb ${LANG_ENGLISH} "Verify with Statement Room"
LangString NotAdmin ${LANG_SIMPCHINESE} "电子笔录室为本机所有用户安装，需要管理员权限。请以管理员身份运行安装程序。"
LangString NotAdmin ${LANG_ENGLISH} "Statement Room is installed for every user of this computer, which needs administrator rights. Run the installer as an administrator."
LangString NotOurFolder ${LANG_SIMPCHINESE} "$INSTDIR 不是电子笔录室的安装文件夹，卸载程序不会删除其中的文件。"
LangString NotOurFolder ${LANG_ENGLISH} "$INSTDIR is not a Statement Room folder; the uninstaller leaves its files alone."

Function .onInit
  SetShellVarContext all
  UserInfo::GetAccountType
  Pop $0
  ${If} $0 != "admin"
    MessageBox MB_ICONSTOP|MB_OK "$(NotAdmin)" /SD IDOK
    SetErrorLevel 740 ; ERROR_ELEVATION_REQUIRED
    Quit
  ${EndIf}
FunctionEnd

Section "$(SecProgram)" SecProgramId
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; An upgrade: the old version's modules go first, so none of them is imported by the new.
  ${If} ${FileExists} "$INSTDIR\${APP_EXE}"
    RMDir /r "$INSTDIR\_internal"
  ${EndIf}
  File /r "${DIST}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${GUI_EXE}" "" "$INSTDIR\${GUI_EXE}" 0

  ; Programs and Features ("Apps") entry.
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${APP_EXE}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" "$0"

  ; The court package: our own ProgID, offered in "Open with" for .zip, never the default.
  WriteRegStr HKLM "Software\Classes\${PACKAGE_PROGID}" "" "$(PackageType)"
  WriteRegStr HKLM "Software\Classes\${PACKAGE_PROGID}" "FriendlyTypeName" "$(PackageType)"
  WriteRegStr HKLM "Software\Classes\${PACKAGE_PROGID}\DefaultIcon" "" "$INSTDIR\${APP_EXE},0"
  WriteRegStr HKLM "Software\Classes\${PACKAGE_PROGID}\shell" "" "open"
  WriteRegStr HKLM "Software\Classes\${PACKAGE_PROGID}\shell\open" "" "$(PackageVerb)"
  WriteRegStr HKLM "Software\Classes\${PACKAGE_PROGID}\shell\open\command" "" \
    '"$INSTDIR\${APP_EXE}" verify-package --pause "%1"'
  WriteRegStr HKLM "Software\Classes\${PACKAGE_EXT}\OpenWithProgids" "${PACKAGE_PROGID}" ""
  WriteRegStr HKLM "Software\Classes\Applications\${APP_EXE}" "FriendlyAppName" "${APP_NAME}"
  WriteRegStr HKLM "Software\Classes\Applications\${APP_EXE}\SupportedTypes" "${PACKAGE_EXT}" ""
  ${NotifyShell_AssocChanged}

  WriteRegDWORD HKLM "${WER_EXCLUDED}" "${APP_EXE}" 1
  WriteRegDWORD HKLM "${WER_EXCLUDED}" "${GUI_EXE}" 1
SectionEnd

Section "un.$(SecProgram)" SecUnProgramId
  SectionIn RO
  ; Delete only what an installation of ours holds: the uninstaller is never a recursive
  ; delete of whatever folder InstallLocation names.
  ${IfNot} ${FileExists} "$INSTDIR\${APP_EXE}"
  ${AndIfNot} ${FileExists} "$INSTDIR\_internal\*.*"
    MessageBox MB_ICONEXCLAMATION|MB_OK "$(NotOurFolder)" /SD IDOK
  ${Else}
    Delete "$INSTDIR\${APP_EXE}"
    Delete "$INSTDIR\${GUI_EXE}"
    RMDir /r "$INSTDIR\_internal"
  ${EndIf}
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR" ; only when empty: files someone put there stay

  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  DeleteRegKey HKLM "Software\Classes\${PACKAGE_PROGID}"
  DeleteRegValue HKLM "Software\Classes\${PACKAGE_EXT}\OpenWithProgids" "${PACKAGE_PROGID}"
  DeleteRegKey /ifempty HKLM "Software\Classes\${PACKAGE_EXT}\OpenWithProgids"
  DeleteRegKey HKLM "Software\Classes\Applications\${APP_EXE}"
  ${NotifyShell_AssocChanged}
  DeleteRegValue HKLM "${WER_EXCLUDED}" "${APP_EXE}"
  DeleteRegValue HKLM "${WER_EXCLUDED}" "${GUI_EXE}"
SectionEnd

Section /o "un.$(SecRemoveData)" SecRemoveDataId
  ; The data folder is per user (%LOCALAPPDATA%): the account running the uninstaller.
  SetShellVarContext current
  RMDir /r "$LOCALAPPDATA\${DATA_FOLDER}"
  SetShellVarContext all
SectionEnd

; After the sections: it selects one by its index.
Function un.onInit
  SetShellVarContext all
  UserInfo::GetAccountType
  Pop $0
  ${If} $0 != "admin"
    MessageBox MB_ICONSTOP|MB_OK "$(NotAdmin)" /SD IDOK
    SetErrorLevel 740
    Quit
  ${EndIf}
  ; /REMOVEDATA ticks "Also delete my data" (the only way to ask for it with /S).
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/REMOVEDATA" $1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecRemoveDataId}
  ${EndIf}
FunctionEnd
