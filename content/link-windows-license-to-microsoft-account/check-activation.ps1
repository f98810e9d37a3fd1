<#
.SYNOPSIS
    Reports whether Windows is activated, what kind of license it runs on and
    whether you sign in with a Microsoft account, then says what to do next.

.DESCRIPTION
    Companion script for the guide "How to Link Your Windows License to a
    Microsoft Account". It is read-only: it queries the licensing service
    through CIM and reads two registry keys. It never changes a setting, never
    installs or removes a key and never contacts a server.

    Works in Windows PowerShell 5.1 and PowerShell 7 on Windows 10 and 11.
    No administrator rights are needed.

.PARAMETER AsObject
    Return the findings as one object instead of printing the report, so other
    scripts can use them.

.EXAMPLE
    powershell -NoProfile -ExecutionPolicy Bypass -File .\check-activation.ps1

.EXAMPLE
    .\check-activation.ps1 -AsObject | Format-List
#>
[CmdletBinding()]
param(
    [switch]$AsObject
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# Every Windows edition registers its licenses under this application ID in the
# licensing service; Office and add-ons such as extended security updates use
# their own IDs or flag themselves as add-ons, so this ID picks out Windows.
$WindowsApplicationId = '55c92734-d682-4d71-983e-d6ec3f16059f'

# SoftwareLicensingProduct.LicenseStatus, in words a reader can act on.
$LicenseStatusText = @{
    0 = 'Not activated (unlicensed)'
    1 = 'Activated'
    2 = 'Not activated yet (initial grace period)'          # OOBGrace
    3 = 'Activation lost after a hardware change (grace period)' # OOTGrace
    4 = 'Not genuine (grace period)'                        # NonGenuineGrace
    5 = 'Not activated (notification mode)'                 # Notification
    6 = 'Activated for an extended grace period'            # ExtendedGrace
}

# Last five characters of the generic installation keys that Windows Setup puts
# in place when no key is typed. A retail-channel Windows that is activated
# while carrying one of these keys cannot have been activated by the key itself:
# it was activated by a digital license (a hardware ID stored at Microsoft,
# from a free upgrade, a Store purchase or an earlier activation on this PC).
$GenericKeyEndings = @{
    '8HVX7' = 'Home'
    'WXCHW' = 'Home N'
    '3V66T' = 'Pro'
    'PKCKT' = 'Pro N'
    '2YV77' = 'Pro for Workstations'
    '7CFBY' = 'Education'
}

function Get-PropertyOrNull {
    # CIM classes gain properties between Windows releases; under strict mode a
    # missing one would stop the script, so ask for it by name.
    param($InputObject, [string]$Name)
    if ($null -eq $InputObject) { return $null }
    $property = $InputObject.PSObject.Properties[$Name]
    if ($null -eq $property) { return $null }
    return $property.Value
}

function Get-WindowsEdition {
    $os = Get-CimInstance -ClassName Win32_OperatingSystem
    $build = [int]$os.BuildNumber
    [pscustomobject]@{
        Caption   = ($os.Caption -replace '^Microsoft\s+', '').Trim()
        Build     = $build
        # Windows 11 still reports major version 10; the build number tells them apart.
        IsWindows11 = $build -ge 22000
    }
}

function Get-WindowsLicense {
    # Only products with a partial key are installed licenses; the class also
    # lists every edition Windows *could* be activated as.
    $filter = "ApplicationID='$WindowsApplicationId' AND PartialProductKey IS NOT NULL"
    $products = @(Get-CimInstance -ClassName SoftwareLicensingProduct -Filter $filter |
        Where-Object { -not (Get-PropertyOrNull $_ 'LicenseIsAddon') })
    if ($products.Count -eq 0) { return $null }

    # Prefer the activated product if Windows lists more than one.
    $product = @($products | Sort-Object { if ($_.LicenseStatus -eq 1) { 0 } else { 1 } })[0]
    $channel = [string](Get-PropertyOrNull $product 'ProductKeyChannel')
    $description = [string]$product.Description
    $status = [int]$product.LicenseStatus

    $kind = 'Unknown'
    $text = "$channel $description"
    if ($text -match 'OEM') { $kind = 'OEM' }
    elseif ($text -match 'Volume|VOLUME_|GVLK|MAK|KMS') { $kind = 'Volume' }
    elseif ($text -match 'Retail') { $kind = 'Retail' }

    $partial = [string]$product.PartialProductKey

    # Digital license heuristic, in order:
    #  * OEM:DM ("digital marker") means the key lives in the PC's firmware and
    #    was activated without anyone typing it: digital, tied to this motherboard.
    #  * A retail channel with a generic installation key (see the table above)
    #    can only be active through a digital license.
    #  * A retail key that was typed in and activated also leaves a digital
    #    license behind for this PC, but Windows shows it as a product key.
    #  * Volume channels are activated by an organization and are never digital
    #    licenses in this sense.
    $digital = $false
    $how = if ($status -eq 1) { 'product key' } else { 'nothing yet (not activated)' }
    if ($status -eq 1) {
        if ($channel -eq 'OEM:DM') {
            $digital = $true
            $how = 'digital license from the key stored in the PC firmware'
        }
        elseif ($kind -eq 'Retail' -and $GenericKeyEndings.ContainsKey($partial)) {
            $digital = $true
            $how = "digital license (generic $($GenericKeyEndings[$partial]) key installed)"
        }
        elseif ($kind -eq 'Volume') {
            $how = "your organization's activation service"
        }
    }

    $service = Get-CimInstance -ClassName SoftwareLicensingService
    # Report only whether a firmware key exists: a full product key does not
    # belong in screenshots or support chats.
    $firmwareKey = -not [string]::IsNullOrWhiteSpace([string](Get-PropertyOrNull $service 'OA3xOriginalProductKey'))

    $graceMinutes = [int](Get-PropertyOrNull $product 'GracePeriodRemaining')

    [pscustomobject]@{
        Name              = [string]$product.Name
        Status            = $status
        StatusText        = if ($LicenseStatusText.ContainsKey($status)) { $LicenseStatusText[$status] } else { "Unknown status $status" }
        IsActivated       = $status -eq 1
        Channel           = if ($channel) { $channel } else { $kind }
        ChannelKind       = $kind
        PartialKey        = $partial
        IsDigital         = $digital
        ActivatedBy       = $how
        FirmwareKey       = $firmwareKey
        GraceDaysLeft     = [math]::Floor($graceMinutes / 1440)
    }
}

function Get-SignInAccount {
    # A domain or Microsoft Entra ID (Azure AD) sign-in names a domain that is not
    # the PC itself.
    $domain = $env:USERDOMAIN
    if ($domain -and $domain -ne $env:COMPUTERNAME) {
        if ($domain -eq 'AzureAD') {
            return [pscustomobject]@{ Kind = 'Work'; Text = 'Work or school account (Microsoft Entra ID)' }
        }
        return [pscustomobject]@{ Kind = 'Work'; Text = "Domain account ($domain)" }
    }

    # Get-LocalUser knows where a local account comes from: 'MicrosoftAccount'
    # for an account connected to a Microsoft account, 'Local' otherwise. It can
    # be missing in 32-bit or trimmed-down PowerShell sessions, hence the fallback.
    try {
        $user = Get-LocalUser -Name $env:USERNAME -ErrorAction Stop
        if ("$($user.PrincipalSource)" -eq 'MicrosoftAccount') {
            return [pscustomobject]@{ Kind = 'Microsoft'; Text = 'Microsoft account' }
        }
        return [pscustomobject]@{ Kind = 'Local'; Text = 'Local account' }
    }
    catch {
        Write-Verbose "Get-LocalUser failed: $($_.Exception.Message)"
    }

    # Fallback: Windows keeps the Microsoft accounts used by this profile under
    # IdentityCRL. Store and other apps can add one there too, so this is only a hint.
    $stored = 'HKCU:\Software\Microsoft\IdentityCRL\StoredIdentities'
    if (Test-Path -LiteralPath $stored) {
        $names = @(Get-ChildItem -LiteralPath $stored | Where-Object { $_.PSChildName -like '*@*' })
        if ($names.Count -gt 0) {
            return [pscustomobject]@{ Kind = 'Microsoft'; Text = 'Probably a Microsoft account (could not confirm)' }
        }
    }
    [pscustomobject]@{ Kind = 'Unknown'; Text = 'Could not tell' }
}

$edition = Get-WindowsEdition
$license = Get-WindowsLicense
$account = Get-SignInAccount

if ($AsObject) {
    return [pscustomobject]@{
        Edition     = $edition.Caption
        Build       = $edition.Build
        IsActivated = ($null -ne $license) -and $license.IsActivated
        Status      = if ($license) { $license.StatusText } else { 'No Windows license installed' }
        Channel     = if ($license) { $license.Channel } else { $null }
        IsDigital   = ($null -ne $license) -and $license.IsDigital
        ActivatedBy = if ($license) { $license.ActivatedBy } else { $null }
        SignIn      = $account.Text
    }
}

#region Report
$activationPage = if ($edition.IsWindows11) { 'Settings › System › Activation' } else { 'Settings › Update & Security › Activation' }
$yourInfoPage = 'Settings › Accounts › Your info'

$report = New-Object System.Collections.Generic.List[string]
$report.Add('Windows license check – read only, nothing on this PC is changed')
$report.Add('')
$report.Add(('  Edition       : {0} (build {1})' -f $edition.Caption, $edition.Build))
if ($null -eq $license) {
    $report.Add('  Activation    : no Windows license key is installed')
}
else {
    $report.Add(('  Activation    : {0}' -f $license.StatusText))
    $report.Add(('  Channel       : {0}' -f $license.Channel))
    $report.Add(('  Activated by  : {0}' -f $license.ActivatedBy))
    $report.Add(('  Firmware key  : {0}' -f $(if ($license.FirmwareKey) { 'present' } else { 'none' })))
    if (-not $license.IsActivated -and $license.GraceDaysLeft -gt 0) {
        $report.Add(('  Grace period  : {0} days left' -f $license.GraceDaysLeft))
    }
}
$report.Add(('  Signed in with: {0}' -f $account.Text))
$report.Add('')
$report.Add('What to do next')

if ($null -eq $license -or -not $license.IsActivated) {
    $report.Add("  Windows is not activated, so there is nothing to link yet.")
    $report.Add("  Open $activationPage and select Troubleshoot. After a hardware change,")
    $report.Add("  choose 'I changed hardware on this device recently'.")
}
elseif ($license.ChannelKind -eq 'Volume') {
    $report.Add('  This PC is activated by an organization. Personal accounts cannot hold')
    $report.Add('  this license; ask whoever manages the PC before changing anything.')
}
elseif ($account.Kind -eq 'Microsoft') {
    $report.Add('  You sign in with a Microsoft account on an activated PC, so the license')
    $report.Add("  should already be linked. Confirm it on $activationPage :")
    $report.Add("  it should say 'linked to your Microsoft account'.")
}
elseif ($account.Kind -eq 'Local') {
    $report.Add('  Windows is activated but you sign in with a local account, so the')
    $report.Add("  license is not linked. Open $yourInfoPage and select")
    $report.Add("  'Sign in with a Microsoft account instead'.")
}
elseif ($account.Kind -eq 'Work') {
    $report.Add('  A work or school account cannot hold a personal Windows license. If this')
    $report.Add("  is your own PC, use 'Add an account' on $activationPage.")
}
else {
    $report.Add("  Check how you sign in on $yourInfoPage, then read the")
    $report.Add("  message on $activationPage.")
}

if ($license -and $license.IsActivated -and $license.ChannelKind -eq 'OEM') {
    $report.Add('')
    $report.Add('  Note: this license came with the PC. Linking helps after repairs of this')
    $report.Add('  PC, but the license cannot move to a different one.')
}

$report
#endregion
