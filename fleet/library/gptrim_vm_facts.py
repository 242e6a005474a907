#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gptrim_vm_facts: what the fleet playbook checks before it touches a VM
and polls while gptrim runs, for the VM with the given managed object ID (moid).

Returns firmware (efi, bios), secure_boot, vtpm (a virtual TPM device),
vbs (Virtualization Based Security on: config.flags.vbsEnabled), boot_order (kinds, as
vmware_guest_boot_manager takes them: cdrom, disk, ethernet, floppy),
power_state, consolidation_needed (runtime.consolidationNeeded:
a snapshot removal left delta disks behind), busy_tasks (tasks on the VM
still queued or running: a backup's snapshot, a consolidation, a vMotion;
"Name (state)" each), cdroms (how many CD/DVD drives), serial_files (the
file of each serial port, "" for one not backed by a file), instance_uuid (what
community.vmware's modules find it by: with Debian's pyVmomi 6.7.1 they
cannot by moid, and a BIOS UUID is shared by copied VMs) and vmx (the
datastore path of its .vmx: the VM's directory holds the serial file),
cdrom (the first CD/DVD drive's {iso, start_connected}, None without one),
serial_console (efi.serialConsole.enabled, "" when unset) and putback (the
gptrim.putback record a run left, "" when none). Read-only.
Plain pyVmomi: see module_utils/gptrim_vsphere.py for why not
vmware_guest_info; vmware_guest_boot_info finds a VM by BIOS UUID or name
only (by instance UUID it looks up a kind of ID its helper does not know;
by moid it needs pyVmomi > 6.7.1)."""
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.gptrim_vsphere import (CONNECTION_ARGS, PUTBACK_KEY,
                                                  boot_order, connect,
                                                  drive_state, option,
                                                  secure_boot, vm_by_moid)


def busy_tasks(vm):
    busy = []
    for task in vm.recentTask or []:
        info = task.info
        if info.state in ("queued", "running"):
            busy.append("%s (%s)" % (info.descriptionId or info.name,
                                     info.state))
    return busy


def main():
    module = AnsibleModule(argument_spec=dict(CONNECTION_ARGS),
                           supports_check_mode=True)
    vm = vm_by_moid(module, connect(module))
    cdroms = [d for d in vm.config.hardware.device
              if type(d).__name__.endswith("VirtualCdrom")]
    serials = [d for d in vm.config.hardware.device
               if type(d).__name__.endswith("VirtualSerialPort")]
    module.exit_json(
        changed=False, name=vm.name, firmware=vm.config.firmware,
        secure_boot=secure_boot(vm),
        vtpm=any(type(d).__name__.endswith("VirtualTPM")
                 for d in vm.config.hardware.device),
        vbs=bool(vm.config.flags and vm.config.flags.vbsEnabled),
        boot_order=boot_order(vm), power_state=vm.runtime.powerState,
        consolidation_needed=bool(vm.runtime.consolidationNeeded),
        busy_tasks=busy_tasks(vm), cdroms=len(cdroms),
        serial_files=[getattr(d.backing, "fileName", "") or ""
                      for d in serials],
        instance_uuid=vm.config.instanceUuid,
        cdrom=drive_state(cdroms[0]) if cdroms else None,
        serial_console=option(vm, "efi.serialConsole.enabled"),
        putback=option(vm, PUTBACK_KEY),
        vmx=vm.config.files.vmPathName)


if __name__ == "__main__":
    main()
