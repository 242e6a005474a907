#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The fleet suite's VMs, made through the vSphere API of the simulated
vCenter (pyvmomi), and what vCenter recorded about them afterwards.

  simvms.py URL create NAME IMAGE --folder F --firmware efi|bios
            [--controller sata|nvme|pvscsi|lsisas|lsilogic] [--secure-boot]
            [--vtpm] [--vbs]
      a VM in folder F (made when missing) of the first datacenter, on its
      first datastore, with an IDE CD drive (client device, disconnected),
      with --vtpm a virtual TPM (VirtualTPM), with --vbs Virtualization
      Based Security on (config.flags.vbsEnabled), and one disk on a
      controller (pvscsi: VMware Paravirtual, lsisas: LSI Logic SAS,
      lsilogic: LSI Logic parallel): IMAGE is moved to the VM's directory as NAME-flat.vmdk
      beside a VMFS descriptor NAME.vmdk that names it, as ESXi keeps a
      thick disk. Prints the flat file's path.
  simvms.py URL events NAME
      "latest KEY", the key of vCenter's latest event (of any VM), then the
      VM's events as vCenter logged them, one a line: its key (keys grow)
      and type name (VmPoweredOnEvent, VmReconfiguredEvent, ...).
  simvms.py URL state NAME
      one JSON object: power state, boot order, Secure Boot
      (bootOptions.efiSecureBootEnabled), CD drives (ISO, connected, start
      connected), serial ports (file) and the advanced settings the
      playbook sets (efi.serialConsole.enabled, gptrim.putback) as vCenter
      has them.
  simvms.py URL option NAME KEY VALUE
      set the VM's advanced setting KEY to VALUE ("" unsets it), as an
      administrator or another tool might.
  simvms.py URL poweron NAME
      power the VM on if it is off (an administrator's later power-on).
  simvms.py URL poweroff NAME
      power the VM off if it is on (the suite's teardown, and an
      administrator's shutdown between two runs).
  simvms.py URL moid NAME
      the VM's managed object ID.

URL is the simulator's (https://user:pass@host:port/sdk); its certificate
is the simulator's own, so it is not verified. Debian's python3-pyvmomi is
for /usr/bin/python3, hence the interpreter line.
"""
import argparse
import json
import os
import sys

from vsim import connect, find_vm, task_result
from pyVmomi import vim

DESCRIPTOR = """# Disk DescriptorFile
version=1
CID=fffffffe
parentCID=ffffffff
createType="vmfs"

# Extent description
RW {sectors} VMFS "{flat}"

# The Disk Data Base
ddb.adapterType = "lsilogic"
ddb.virtualHWVersion = "14"
"""

OPTIONS = ("efi.serialConsole.enabled", "gptrim.putback")

CONTROLLERS = {
    "sata": vim.vm.device.VirtualAHCIController,
    "nvme": vim.vm.device.VirtualNVMEController,
    "pvscsi": vim.vm.device.ParaVirtualSCSIController,
    "lsisas": vim.vm.device.VirtualLsiLogicSASController,
    "lsilogic": vim.vm.device.VirtualLsiLogicController,
}


def folder_named(dc, name):
    for f in dc.vmFolder.childEntity:
        if isinstance(f, vim.Folder) and f.name == name:
            return f
    return dc.vmFolder.CreateFolder(name)


def device_add(dev, file_op=None):
    spec = vim.vm.device.VirtualDeviceSpec(
        operation=vim.vm.device.VirtualDeviceSpec.Operation.add, device=dev)
    if file_op:
        spec.fileOperation = file_op
    return spec


def empty_cdrom():
    """A CD drive on the IDE controller (key 200), nothing in it."""
    return vim.vm.device.VirtualCdrom(
        key=-2, controllerKey=200, unitNumber=0,
        backing=vim.vm.device.VirtualCdrom.RemotePassthroughBackingInfo(
            deviceName="", exclusive=False),
        connectable=vim.vm.device.VirtualDevice.ConnectInfo(
            connected=False, startConnected=False, allowGuestControl=True))


def create(si, a):
    content = si.RetrieveContent()
    dc = content.rootFolder.childEntity[0]
    ds = dc.datastore[0]
    pool = dc.hostFolder.childEntity[0].resourcePool
    boot = vim.vm.BootOptions(efiSecureBootEnabled=a.secure_boot)
    cd = empty_cdrom()
    ctrl = CONTROLLERS[a.controller](key=-3, busNumber=0)
    if isinstance(ctrl, vim.vm.device.VirtualSCSIController):
        ctrl.sharedBus = "noSharing"
    devices = [device_add(cd), device_add(ctrl)]
    if a.vtpm:
        devices.append(device_add(vim.vm.device.VirtualTPM(key=-5)))
    spec = vim.vm.ConfigSpec(
        name=a.name, guestId="windows2019srv_64Guest", numCPUs=2,
        memoryMB=4096, firmware=a.firmware, bootOptions=boot,
        flags=vim.vm.FlagInfo(vbsEnabled=True) if a.vbs else None,
        files=vim.vm.FileInfo(vmPathName="[%s]" % ds.name),
        deviceChange=devices)
    task_result(folder_named(dc, a.folder).CreateVM_Task(spec, pool))
    vm = find_vm(si, a.name)
    # The VM's directory on the datastore, as a local path: the simulated
    # datastore's URL is a directory on this machine.
    vmx_dir = vm.config.files.vmPathName.split("] ", 1)[1].rsplit("/", 1)[0]
    local_dir = os.path.join(ds.info.url, vmx_dir)
    size = os.path.getsize(a.image)
    flat = "%s-flat.vmdk" % a.name
    os.replace(a.image, os.path.join(local_dir, flat))
    with open(os.path.join(local_dir, a.name + ".vmdk"), "w") as f:
        f.write(DESCRIPTOR.format(sectors=size // 512, flat=flat))
    ctrl_key = next(d.key for d in vm.config.hardware.device
                    if isinstance(d, CONTROLLERS[a.controller]))
    disk = vim.vm.device.VirtualDisk(
        key=-4, controllerKey=ctrl_key, unitNumber=0,
        capacityInKB=size // 1024,
        backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
            fileName="[%s] %s/%s.vmdk" % (ds.name, vmx_dir, a.name),
            diskMode="persistent", thinProvisioned=False))
    task_result(vm.ReconfigVM_Task(vim.vm.ConfigSpec(
        deviceChange=[device_add(disk)])))
    print(os.path.join(local_dir, flat))


def kept(em, spec):
    """The events spec selects, of all the simulator keeps (its last 1000),
    oldest first. Not QueryEvents: the simulator answers it with one page
    of 10, so a VM's later events went unseen once it had 10."""
    c = em.CreateCollectorForEvents(spec)
    try:
        c.SetCollectorPageSize(1000)
        return sorted(c.latestPage, key=lambda e: e.key)
    finally:
        c.DestroyCollector()


def events(si, a):
    vm = find_vm(si, a.name)
    em = si.RetrieveContent().eventManager
    spec = vim.event.EventFilterSpec(
        entity=vim.event.EventFilterSpec.ByEntity(entity=vm, recursion="self"))
    mine = kept(em, spec)
    # (the simulator's latestEvent is unset)
    print("latest", max([e.key for e in
                         kept(em, vim.event.EventFilterSpec()) + mine] + [0]))
    for e in mine:
        print(e.key, type(e).__name__.split(".")[-1])


def state(si, a):
    vm = find_vm(si, a.name)
    order = []
    for b in vm.config.bootOptions.bootOrder or []:
        order.append(type(b).__name__.split(".")[-1])
    cds, serials = [], []
    for d in vm.config.hardware.device:
        if isinstance(d, vim.vm.device.VirtualCdrom):
            iso = getattr(d.backing, "fileName", None)
            cds.append({"iso": iso, "connected": d.connectable.connected,
                        "start_connected": d.connectable.startConnected})
        elif isinstance(d, vim.vm.device.VirtualSerialPort):
            serials.append(getattr(d.backing, "fileName", None))
    # The advanced settings the playbook sets (the last value of a key: the
    # simulator appends each one set; "" is unset).
    opts = {}
    for o in vm.config.extraConfig or []:
        if o.key in OPTIONS:
            opts[o.key] = str(o.value)
    print(json.dumps({"power": vm.runtime.powerState, "boot_order": order,
                      "secure_boot": bool(
                          vm.config.bootOptions.efiSecureBootEnabled),
                      "cdroms": cds, "serial_files": serials,
                      "options": {k: v for k, v in sorted(opts.items())
                                  if v != ""}}))


def poweron(si, a):
    vm = find_vm(si, a.name)
    if vm.runtime.powerState != "poweredOn":
        task_result(vm.PowerOnVM_Task())


def poweroff(si, a):
    vm = find_vm(si, a.name)
    if vm.runtime.powerState == "poweredOn":
        task_result(vm.PowerOffVM_Task())


def option(si, a):
    vm = find_vm(si, a.name)
    task_result(vm.ReconfigVM_Task(vim.vm.ConfigSpec(extraConfig=[
        vim.option.OptionValue(key=a.key, value=a.value)])))


def moid(si, a):
    print(find_vm(si, a.name)._moId)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("create")
    c.add_argument("name")
    c.add_argument("image")
    c.add_argument("--folder", required=True)
    c.add_argument("--firmware", choices=("efi", "bios"), required=True)
    c.add_argument("--controller", choices=sorted(CONTROLLERS),
                   default="sata")
    c.add_argument("--secure-boot", action="store_true")
    c.add_argument("--vtpm", action="store_true")
    c.add_argument("--vbs", action="store_true")
    for name in ("events", "state", "poweron", "poweroff", "moid"):
        sub.add_parser(name).add_argument("name")
    o = sub.add_parser("option")
    for arg in ("name", "key", "value"):
        o.add_argument(arg)
    a = p.parse_args()
    si = connect(a.url)
    {"create": create, "events": events, "state": state,
     "poweron": poweron, "poweroff": poweroff, "moid": moid,
     "option": option}[a.cmd](si, a)


if __name__ == "__main__":
    sys.exit(main())
