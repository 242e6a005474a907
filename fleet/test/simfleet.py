#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Many VMs at once in the simulated vCenter, for make bench's fleet part:
the VMs of simvms.py create (EFI, an IDE CD drive, one thick disk on a
SATA controller), in one session, each found by its creation task's result
(simvms.py looks each VM up by name, a round trip per VM in the inventory:
fine for seven, slow for hundreds).

  simfleet.py URL IMAGE FOLDER:COUNT...
      COUNT VMs in each FOLDER, a path under the first datacenter's VM
      folder ("b200/b100": b100 inside b200; made when missing), named
      vm001, vm002, ... across all of them; each gets a sparse copy of
      IMAGE as NAME-flat.vmdk beside its VMFS descriptor. Prints one line a
      VM: NAME MOID FLAT-PATH.
"""
import os
import subprocess
import sys

from simvms import CONTROLLERS, DESCRIPTOR, device_add, empty_cdrom
from vsim import connect, task_result
from pyVmomi import vim


def folder_path(dc, path):
    f = dc.vmFolder
    for name in path.split("/"):
        sub = [c for c in f.childEntity
               if isinstance(c, vim.Folder) and c.name == name]
        f = sub[0] if sub else f.CreateFolder(name)
    return f


def create(dc, ds, pool, folder, name, image):
    cd = empty_cdrom()
    ctrl = CONTROLLERS["sata"](key=-3, busNumber=0)
    spec = vim.vm.ConfigSpec(
        name=name, guestId="windows2019srv_64Guest", numCPUs=2,
        memoryMB=4096, firmware="efi",
        bootOptions=vim.vm.BootOptions(efiSecureBootEnabled=False),
        files=vim.vm.FileInfo(vmPathName="[%s]" % ds.name),
        deviceChange=[device_add(cd), device_add(ctrl)])
    task = folder.CreateVM_Task(spec, pool)
    task_result(task)
    vm = task.info.result
    cfg = vm.config
    vmx_dir = cfg.files.vmPathName.split("] ", 1)[1].rsplit("/", 1)[0]
    local_dir = os.path.join(ds.info.url, vmx_dir)
    flat = os.path.join(local_dir, "%s-flat.vmdk" % name)
    subprocess.run(["cp", "--sparse=always", image, flat], check=True)
    size = os.path.getsize(flat)
    with open(os.path.join(local_dir, name + ".vmdk"), "w") as f:
        f.write(DESCRIPTOR.format(sectors=size // 512,
                                  flat=os.path.basename(flat)))
    ctrl_key = next(d.key for d in cfg.hardware.device
                    if isinstance(d, CONTROLLERS["sata"]))
    disk = vim.vm.device.VirtualDisk(
        key=-4, controllerKey=ctrl_key, unitNumber=0,
        capacityInKB=size // 1024,
        backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
            fileName="[%s] %s/%s.vmdk" % (ds.name, vmx_dir, name),
            diskMode="persistent", thinProvisioned=False))
    task_result(vm.ReconfigVM_Task(vim.vm.ConfigSpec(
        deviceChange=[device_add(disk)])))
    return vm._moId, flat


def main(argv):
    if len(argv) < 3 or not all(":" in a for a in argv[2:]):
        sys.exit(__doc__)
    url, image = argv[0], argv[1]
    if not os.path.isfile(image):
        sys.exit("simfleet.py: no image %s" % image)
    si = connect(url)
    dc = si.RetrieveContent().rootFolder.childEntity[0]
    ds = dc.datastore[0]
    pool = dc.hostFolder.childEntity[0].resourcePool
    n = 0
    for spec in argv[2:]:
        path, count = spec.rsplit(":", 1)
        folder = folder_path(dc, path)
        for _ in range(int(count)):
            n += 1
            name = "vm%03d" % n
            moid, flat = create(dc, ds, pool, folder, name, image)
            print(name, moid, flat, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
