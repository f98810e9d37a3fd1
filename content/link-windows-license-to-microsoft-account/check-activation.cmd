@echo off
REM check-activation.cmd - read-only activation check for Command Prompt.
REM
REM Companion to the guide "How to Link Your Windows License to a Microsoft
REM Account". Use it where PowerShell scripts are blocked. It only asks the
REM built-in Software Licensing Manager, slmgr.vbs, to display information:
REM   /dli  license name, channel, last five key characters, status
REM   /xpr  whether activation is permanent or when it expires
REM Nothing is installed, removed or changed. No administrator rights needed.
REM
REM The //nologo switch keeps the Windows Script Host banner out of the output,
REM and running through cscript prints to this window instead of message boxes.

setlocal
set "SLMGR=%windir%\system32\slmgr.vbs"

if not exist "%SLMGR%" (
    echo Could not find %SLMGR%.
    echo Open Settings, then Activation, to read the status instead.
    goto :end
)

echo Windows license check - read only, nothing on this PC is changed
echo.
echo == License details ==
cscript //nologo "%SLMGR%" /dli
echo.
echo == Activation expiry ==
cscript //nologo "%SLMGR%" /xpr
echo.
echo How to read this:
echo   "permanently activated"   Windows is activated; you can link the license.
echo   "RETAIL channel"          A retail or digital license; it can move with you.
echo   "OEM_DM channel"          The key is in the PC firmware; it stays with this PC.
echo   "VOLUME_ channel"         Your organization manages activation.
echo   "Notification" or errors  Not activated: open Settings, Activation, Troubleshoot.
echo.
echo To see whether you sign in with a Microsoft account, open
echo Settings, Accounts, Your info.

:end
endlocal
REM Keep the window open when the file was started by double-clicking.
echo %cmdcmdline% | find /i "/c" >nul && pause
