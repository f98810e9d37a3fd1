@echo off
REM plain ascii batch file
cscript //nologo %windir%\system32\slmgr.vbs /xpr
echo done
