# Reports the state – read only
$state = Get-CimInstance -ClassName SoftwareLicensingProduct
foreach ($p in $state) {
    if ($p.LicenseStatus -eq 1) { Write-Output "Licensed: $($p.Name)" }
}
