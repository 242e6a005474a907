# SPDX-License-Identifier: MIT
# gptrim across a fleet with VMware PowerCLI: the steps of fleet/gptrim.yml
# for Windows-only shops. UNTESTED: this project has no PowerShell or
# vCenter to run it against (the playbook is what fleet/test/fleet.sh
# tests). Try it on one VM first, with the report-only ISO.
#
#   .\gptrim-fleet.ps1 -Server vcenter.example.com -Folder windows `
#       -IsoPath "[datastore1] gptrim/gptrim-report.iso" -BatchSize 5
#   (then again with gptrim-apply.iso; both from `make fleet-isos`, already
#   uploaded to the datastore)
param(
    [Parameter(Mandatory = $true)] [string] $Server,
    [string[]] $Name = @(), [string] $Folder = "", [string] $Tag = "",
    [Parameter(Mandatory = $true)] [string] $IsoPath,
    [int] $BatchSize = 5, [int] $TimeoutSeconds = 600,
    [switch] $ShutdownGuest, [switch] $PowerOnAfter, [switch] $IsoSigned
)
$ErrorActionPreference = "Stop"
Connect-VIServer -Server $Server | Out-Null
$vms = Get-VM
if ($Folder) { $vms = Get-VM -Location (Get-Folder -Name $Folder) }
if ($Tag) { $vms = $vms | Where-Object { (Get-TagAssignment -Entity $_).Tag.Name -contains $Tag } }
if ($Name.Count) { $vms = $vms | Where-Object { $Name -contains $_.Name } }
if (-not ($Name.Count -or $Folder -or $Tag)) { throw "name the VMs: -Name, -Folder or -Tag" }
$results = @()

function Refusal($vm) {  # why the VM must not be booted, or ""
    $v = $vm.ExtensionData
    if ($v.Config.Firmware -ne "efi") { return "firmware $($v.Config.Firmware), not EFI" }
    if ($v.Config.BootOptions.EfiSecureBootEnabled -and -not $IsoSigned) { return "Secure Boot on and the ISO is not signed" }
    if ($v.Runtime.ConsolidationNeeded) { return "consolidation needed" }
    $busy = Get-Task -Status Running, Queued | Where-Object { $_.ObjectId -eq $vm.Id }
    if ($busy) { return "task in progress: $($busy.Name -join ', ')" }
    if (-not (Get-CDDrive -VM $vm)) { return "no CD/DVD drive" }
    if ((Get-VM -Id $vm.Id).PowerState -eq "PoweredOn" -and -not $ShutdownGuest) { return "powered on (-ShutdownGuest not given)" }
    return ""
}

function Reconfigure($vm, $spec) { $vm.ExtensionData.ReconfigVM($spec) }

function Console-Result($text) {  # fixed / would fix / nothing to do / refused / failed
    $exit = [regex]::Match($text, "gptrim: exit status (\d+)")
    $disks = [regex]::Matches($text, "gptrim: disk (\d+) [^\r\n]*?: ([a-z][^\r\n]*)") | ForEach-Object { "disk $($_.Groups[1]): $($_.Groups[2])" }
    if (-not $exit.Success) { return "no result", "no 'gptrim: exit status' line on the console" }
    switch ([int]$exit.Groups[1].Value) {
        0 { if ($disks -match "removed [1-9]") { return "fixed", ($disks -match "removed [1-9]" -join "; ") } else { return "nothing to do", "" } }
        1 { return "would fix", ($disks -match "would remove" -join "; ") }
        4 { return "refused", ($disks -match "refused:" -join "; ") }
        default { return "failed", "exit status $($exit.Groups[1].Value); $($disks -join '; ')" }
    }
}

for ($i = 0; $i -lt @($vms).Count; $i += $BatchSize) {
    $batch = @(@($vms)[$i..([Math]::Min($i + $BatchSize, @($vms).Count) - 1)])
    $running = @()
    foreach ($vm in $batch) {
        $why = Refusal $vm
        if (-not $why -and $vm.PowerState -eq "PoweredOn") {
            Shutdown-VMGuest -VM $vm -Confirm:$false | Out-Null
            $t = 0; while ((Get-VM -Id $vm.Id).PowerState -ne "PoweredOff" -and $t -lt 300) { Start-Sleep 5; $t += 5 }
            if ((Get-VM -Id $vm.Id).PowerState -ne "PoweredOff") { $why = "still on 300 s after the guest shutdown" }
        }
        if ($why) { $results += [pscustomobject]@{ VM = $vm.Name; Result = "refused"; Detail = $why }; continue }
        $v = $vm.ExtensionData
        $dir = $v.Config.Files.VmPathName -replace "/[^/]*$", ""
        $serial = "$dir/gptrim-$(Get-Date -Format yyyyMMdd-HHmmss).log"
        $state = @{ VM = $vm; Order = $v.Config.BootOptions.BootOrder; Cd = Get-CDDrive -VM $vm | Select-Object -First 1; Serial = $serial }
        $state.CdIso = $state.Cd.IsoPath; $state.CdStart = $state.Cd.ConnectionState.StartConnected
        # The firmware console on a serial port writing to a file beside the VM.
        New-AdvancedSetting -Entity $vm -Name efi.serialConsole.enabled -Value TRUE -Force -Confirm:$false | Out-Null
        $port = New-Object VMware.Vim.VirtualSerialPort
        $port.Key = -1; $port.YieldOnPoll = $true
        $port.Backing = New-Object VMware.Vim.VirtualSerialPortFileBackingInfo -Property @{ FileName = $serial }
        $port.Connectable = New-Object VMware.Vim.VirtualDeviceConnectInfo -Property @{ StartConnected = $true; Connected = $true }
        $dev = New-Object VMware.Vim.VirtualDeviceConfigSpec -Property @{ Operation = "add"; Device = $port }
        Reconfigure $vm (New-Object VMware.Vim.VirtualMachineConfigSpec -Property @{ DeviceChange = @($dev) })
        Set-CDDrive -CD $state.Cd -IsoPath $IsoPath -StartConnected:$true -Confirm:$false | Out-Null
        $boot = New-Object VMware.Vim.VirtualMachineBootOptions
        $boot.BootOrder = @(New-Object VMware.Vim.VirtualMachineBootOptionsBootableCdromDevice) + @($state.Order | Where-Object { $_ -isnot [VMware.Vim.VirtualMachineBootOptionsBootableCdromDevice] })
        Reconfigure $vm (New-Object VMware.Vim.VirtualMachineConfigSpec -Property @{ BootOptions = $boot })
        Start-VM -VM $vm -Confirm:$false | Out-Null
        $state.Started = Get-Date
        $running += $state
    }
    foreach ($s in $running) {
        $vm = $s.VM
        while ((Get-VM -Id $vm.Id).PowerState -ne "PoweredOff" -and ((Get-Date) - $s.Started).TotalSeconds -lt $TimeoutSeconds) { Start-Sleep 5 }
        $off = (Get-VM -Id $vm.Id).PowerState -eq "PoweredOff"
        # Put back the boot order and the CD drive; the serial port and the setting once off.
        $boot = New-Object VMware.Vim.VirtualMachineBootOptions -Property @{ BootOrder = @($s.Order) }
        Reconfigure $vm (New-Object VMware.Vim.VirtualMachineConfigSpec -Property @{ BootOptions = $boot })
        if ($s.CdIso) { Set-CDDrive -CD $s.Cd -IsoPath $s.CdIso -StartConnected:$s.CdStart -Confirm:$false | Out-Null }
        else { Set-CDDrive -CD $s.Cd -NoMedia -Confirm:$false | Out-Null }
        if (-not $off) { $results += [pscustomobject]@{ VM = $vm.Name; Result = "timed out"; Detail = "still on after $TimeoutSeconds s (left running)" }; continue }
        $port = $vm.ExtensionData.Config.Hardware.Device | Where-Object { $_.Backing.FileName -eq $s.Serial }
        $dev = New-Object VMware.Vim.VirtualDeviceConfigSpec -Property @{ Operation = "remove"; Device = $port }
        Reconfigure $vm (New-Object VMware.Vim.VirtualMachineConfigSpec -Property @{ DeviceChange = @($dev) })
        Get-AdvancedSetting -Entity $vm -Name efi.serialConsole.enabled | Remove-AdvancedSetting -Confirm:$false
        $ds = Get-Datastore -Name ($s.Serial -replace "^\[([^\]]+)\].*", '$1')
        New-PSDrive -Name gptrimds -PSProvider VimDatastore -Root "\" -Location $ds | Out-Null
        $local = Join-Path $env:TEMP "$($vm.Name)-gptrim.log"
        Copy-DatastoreItem -Item ("gptrimds:\" + ($s.Serial -replace "^\[[^\]]+\] ?", "")) -Destination $local
        Remove-PSDrive -Name gptrimds
        $r = Console-Result (Get-Content -Raw $local)
        $results += [pscustomobject]@{ VM = $vm.Name; Result = $r[0]; Detail = $r[1] }
        if ($PowerOnAfter) { Start-VM -VM $vm -Confirm:$false | Out-Null }
    }
}
$results | Sort-Object VM | Format-Table -AutoSize
