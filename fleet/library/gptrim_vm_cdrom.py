#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gptrim_vm_cdrom: put an ISO from a datastore into the VM's first CD/DVD
drive, connected at power-on (state=present, iso='[ds] path'), or take it
out again (state=absent): the drive goes back to what it was (previous,
as this module returned it) or, without that, to a client device,
disconnected. Returns previous: {iso, start_connected} of the drive before.

Plain pyVmomi (ReconfigVM_Task): vmware_guest's cdrom option changes the
drive but then fails on Debian's pyVmomi 6.7.1 (module_utils/gptrim_vsphere.py)."""
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.gptrim_vsphere import (CONNECTION_ARGS, connect,
                                                  drive_state,
                                                  vm_by_moid, wait_task)

try:
    from pyVmomi import vim
except ImportError:
    pass  # connect() reports it


def main():
    args = dict(CONNECTION_ARGS)
    args.update(state=dict(choices=["present", "absent"], default="present"),
                iso=dict(type="str"), previous=dict(type="dict"))
    module = AnsibleModule(argument_spec=args,
                           required_if=[("state", "present", ["iso"])])
    p = module.params
    vm = vm_by_moid(module, connect(module))
    drives = [d for d in vm.config.hardware.device
              if isinstance(d, vim.vm.device.VirtualCdrom)]
    if not drives:
        module.fail_json(msg="%s has no CD/DVD drive" % vm.name)
    cd = drives[0]
    before = drive_state(cd)
    want = {"iso": p["iso"], "start_connected": True}
    if p["state"] == "absent":
        want = p["previous"] or {"iso": None, "start_connected": False}
    if before == want:
        module.exit_json(changed=False, previous=before)
    if want["iso"]:
        cd.backing = vim.vm.device.VirtualCdrom.IsoBackingInfo(
            fileName=want["iso"])
    else:
        cd.backing = vim.vm.device.VirtualCdrom.RemotePassthroughBackingInfo(
            deviceName="", exclusive=False)
    # Connected now only if the VM runs (a timed-out VM); at power-on
    # through startConnected.
    running = vm.runtime.powerState == "poweredOn"
    cd.connectable.startConnected = bool(want["start_connected"])
    cd.connectable.connected = running and bool(want["iso"])
    spec = vim.vm.ConfigSpec(deviceChange=[vim.vm.device.VirtualDeviceSpec(
        operation=vim.vm.device.VirtualDeviceSpec.Operation.edit, device=cd)])
    wait_task(module, vm.ReconfigVM_Task(spec), "%s: CD/DVD drive" % vm.name)
    module.exit_json(changed=True, previous=before)


if __name__ == "__main__":
    main()
