#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gptrim_putback: the put-back records runs of the fleet playbook leave on
VMs (the advanced setting gptrim.putback, JSON: what the run will put back,
written before it changes the VM, removed once everything is back; a run
that died left it there) and their put-back (docs/fleet.md, "A run that
dies").

  state=find, moids: the VMs among moids that carry a record, as vms:
      [{moid, name, power_state, record}], record the parsed JSON ({} when
      it is not a JSON object).
  state=restore, moid: one powered-off VM put back as its record says, in
      one reconfiguration that also removes the record: the boot order (by
      kind, as vmware_guest_boot_manager sets it), the first CD/DVD drive
      ({iso, start_connected}), the serial port the run added (removed),
      efi.serialConsole.enabled (its value before, "" removes it); Secure
      Boot, when the record says it was on (secure_boot: true), first, in
      a reconfiguration of its own, read back from vCenter: the record
      stays, and the module fails, when it is not on. Returns
      run and mode (the record's) and put_back: what differed and was put
      back, keyed as summary-MODE.json's put_back. Fails on a powered-on VM
      (a serial port cannot be removed from it; it may be booting) and on
      a record that does not say what to put back, leaving it as it is.

Plain pyVmomi, like the other modules here."""
import json

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.gptrim_vsphere import (CONNECTION_ARGS, PUTBACK_KEY,
                                                  boot_order, connect,
                                                  drive_state, option,
                                                  secure_boot,
                                                  set_secure_boot,
                                                  vm_by_moid, wait_task)

try:
    from pyVmomi import vim, vmodl
except ImportError:
    pass  # connect() reports it

OPTION = "efi.serialConsole.enabled"
def record_of(vm):
    raw = option(vm, PUTBACK_KEY)
    if raw == "":
        return None
    try:
        r = json.loads(raw)
    except ValueError:
        return {}
    return r if isinstance(r, dict) else {}


def boot_devices(vm, kinds):
    devs = vm.config.hardware.device
    disks = [d for d in devs if isinstance(d, vim.vm.device.VirtualDisk)]
    nics = [d for d in devs
            if isinstance(d, vim.vm.device.VirtualEthernetCard)]
    floppies = [d for d in devs if isinstance(d, vim.vm.device.VirtualFloppy)]
    out = []
    for k in kinds:
        if k == "cdrom":
            out.append(vim.vm.BootOptions.BootableCdromDevice())
        elif k == "disk" and disks:
            out.append(vim.vm.BootOptions.BootableDiskDevice(
                deviceKey=disks[0].key))
        elif k == "ethernet" and nics:
            out.append(vim.vm.BootOptions.BootableEthernetDevice(
                deviceKey=nics[0].key))
        elif k == "floppy" and floppies:
            out.append(vim.vm.BootOptions.BootableFloppyDevice())
    return out


def find(module, si):
    vms = []
    for moid in module.params["moids"]:
        vm = vim.VirtualMachine(moid, si._stub)
        try:
            record = record_of(vm)
            if record is not None:
                vms.append({"moid": moid, "name": vm.name,
                            "power_state": vm.runtime.powerState,
                            "record": record})
        except vmodl.fault.ManagedObjectNotFound:
            pass  # gone since it was listed
    module.exit_json(changed=False, vms=vms)


def restore(module, si):
    vm = vm_by_moid(module, si)
    r = record_of(vm)
    if r is None:
        module.exit_json(changed=False, put_back={}, run=None, mode=None)
    if vm.runtime.powerState != "poweredOff":
        module.fail_json(msg="%s is %s: its record stays until it is off"
                         % (vm.name, vm.runtime.powerState))
    if not ("boot_order" in r and "cdrom" in r and "serial_port" in r):
        module.fail_json(msg="%s: %s does not say what to put back: %s"
                         % (vm.name, PUTBACK_KEY, option(vm, PUTBACK_KEY)))
    put_back = {}
    if r.get("secure_boot") and not secure_boot(vm):
        error = set_secure_boot(vm, True)
        if error or not secure_boot(vm):
            module.fail_json(msg="%s: Secure Boot left off: %s" % (
                vm.name, error or "read back from vCenter: off"),
                secure_boot_left_off=True)
        put_back["secure_boot"] = True
    spec = vim.vm.ConfigSpec(deviceChange=[], extraConfig=[
        vim.option.OptionValue(key=PUTBACK_KEY, value="")])
    if boot_order(vm) != r["boot_order"]:
        spec.bootOptions = vim.vm.BootOptions(
            bootOrder=boot_devices(vm, r["boot_order"]))
        put_back["boot_order"] = r["boot_order"]
    drives = [d for d in vm.config.hardware.device
              if isinstance(d, vim.vm.device.VirtualCdrom)]
    want = r["cdrom"]
    if drives and want is not None and drive_state(drives[0]) != want:
        cd = drives[0]
        if want.get("iso"):
            cd.backing = vim.vm.device.VirtualCdrom.IsoBackingInfo(
                fileName=want["iso"])
        else:
            cd.backing = vim.vm.device.VirtualCdrom.RemotePassthroughBackingInfo(
                deviceName="", exclusive=False)
        cd.connectable.startConnected = bool(want.get("start_connected"))
        cd.connectable.connected = False
        spec.deviceChange.append(vim.vm.device.VirtualDeviceSpec(
            operation=vim.vm.device.VirtualDeviceSpec.Operation.edit,
            device=cd))
        put_back["cdrom"] = want
    port = r["serial_port"]
    for d in vm.config.hardware.device:
        if (port and isinstance(d, vim.vm.device.VirtualSerialPort) and
                getattr(d.backing, "fileName", None) == port):
            spec.deviceChange.append(vim.vm.device.VirtualDeviceSpec(
                operation=vim.vm.device.VirtualDeviceSpec.Operation.remove,
                device=d))
            put_back["serial_port"] = {"removed": port}
    if OPTION in r and option(vm, OPTION) != r[OPTION]:
        spec.extraConfig.append(vim.option.OptionValue(key=OPTION,
                                                       value=r[OPTION]))
        put_back[OPTION] = r[OPTION]
    wait_task(module, vm.ReconfigVM_Task(spec),
              "%s: putting back what run %s left" % (vm.name, r.get("run")))
    module.exit_json(changed=True, put_back=put_back, run=r.get("run"),
                     mode=r.get("mode"))


def main():
    args = dict(CONNECTION_ARGS)
    args.update(moid=dict(type="str"), moids=dict(type="list", elements="str"),
                state=dict(choices=["find", "restore"], required=True))
    module = AnsibleModule(argument_spec=args, required_if=[
        ("state", "find", ["moids"]), ("state", "restore", ["moid"])])
    si = connect(module)
    if module.params["state"] == "find":
        find(module, si)
    else:
        restore(module, si)


if __name__ == "__main__":
    main()
