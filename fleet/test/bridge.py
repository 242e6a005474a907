#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The fleet suite's hypervisor: turns the simulated vCenter's power-ons
into real QEMU + OVMF boots (ovmf/boot.sh) of the VMs' disk images.

  bridge.py URL --boot ovmf/boot.sh --work DIR [--jobs 2] [--timeout S]
            [--hang NAME]... [--firmware CODE VARS --secure-vars VARS]

It watches every VM's runtime.powerState through the property collector
(WaitForUpdatesEx: vCenter tells it of each change, nothing is polled) and,
when a VM is powered on, looks at the VM as ESXi would at power-on:
  - EFI firmware, the CD drive first in the boot order, an ISO in it,
    connected at power-on: boots QEMU + OVMF with that ISO (from the
    datastore's directory) and the VM's disks: each VirtualDisk's VMFS
    descriptor names its flat extent, the raw image; a SATA controller
    becomes QEMU's AHCI, NVMe NVMe, VMware Paravirtual (PVSCSI) QEMU's
    pvscsi, LSI Logic SAS mptsas1068, any other SCSI controller
    virtio-scsi. The firmware: with --firmware, that OVMF (make
    ovmf-vmware's, with drivers for pvscsi and mptsas1068), its variables
    VARS, or with Secure Boot on SECURE-VARS (Debian's, with its test keys
    enrolled: Secure Boot enforced); without, Debian's OVMF (Secure Boot
    on: its Secure Boot build with the test keys), which drives no pvscsi
    or mptsas1068 disk: such a VM is not booted. A serial port backed by a
    file gets the firmware's console, written as it arrives; without one
    the console goes to DIR/NAME.console, where vCenter cannot see it.
    When the guest powers itself off, the bridge powers the simulated VM
    off; after any other end (a reset, boot.sh's timeout) it leaves it on,
    as a hung VM stays on. At most --jobs boots run at once (the others
    wait their turn).
  - anything else (BIOS firmware, no ISO, the disk first): nothing is
    booted; the VM stays on as if Windows ran, until powered off.
  - a VM named with --hang: nothing is booted either, whatever is
    attached: a VM that never powers itself off.
  - powered off through the API while its QEMU runs: QEMU is stopped.
SIGTERM stops every boot it started, then the bridge.
One line a decision on stdout ("bridge: NAME: ..."), for the suite's log.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import threading

from vsim import connect, own_collector
from pyVmomi import vim, vmodl

# The first class that fits (both VMware controllers are SCSI controllers).
BUSES = (
    (vim.vm.device.VirtualAHCIController, "sata"),
    (vim.vm.device.VirtualNVMEController, "nvme"),
    (vim.vm.device.ParaVirtualSCSIController, "pvscsi"),
    (vim.vm.device.VirtualLsiLogicSASController, "mptsas"),
    (vim.vm.device.VirtualSCSIController, "scsi"),
)
# Buses only make ovmf-vmware's firmware drives.
VMWARE_BUSES = ("pvscsi", "mptsas")
EXTENT = re.compile(r'^RW \d+ (?:VMFS|FLAT) "([^"]+)"', re.M)

out_lock = threading.Lock()


def say(name, text):
    with out_lock:
        print("bridge: %s: %s" % (name, text), flush=True)


class Datastores:
    """Datastore paths ("[ds] dir/file") as local paths: a simulated
    datastore's URL is a directory on this machine."""

    def __init__(self, si):
        self.urls = {}
        for dc in si.RetrieveContent().rootFolder.childEntity:
            for ds in dc.datastore:
                self.urls[ds.name] = ds.info.url

    def local(self, path):
        m = re.match(r"^\[([^\]]+)\] ?(.*)$", path or "")
        if not m or m.group(1) not in self.urls:
            return None
        return os.path.join(self.urls[m.group(1)], m.group(2))


def flat_extent(descriptor):
    with open(descriptor) as f:
        m = EXTENT.search(f.read())
    if not m:
        raise ValueError("%s: no flat extent" % descriptor)
    return os.path.join(os.path.dirname(descriptor), m.group(1))


def firmware_args(opts, secure_boot):
    """boot.sh's firmware arguments (see the module's help)."""
    if opts.firmware:
        code, vars_ = opts.firmware
        return ["--firmware", code, opts.secure_vars if secure_boot else vars_]
    return ["--secboot"] if secure_boot else []


def boot_plan(vm, stores, work, opts):
    """boot.sh's arguments for this VM, or (None, why not)."""
    cfg = vm.config
    if cfg.firmware != "efi":
        return None, "firmware %s: nothing booted" % cfg.firmware
    devices = {d.key: d for d in cfg.hardware.device}
    order = cfg.bootOptions.bootOrder or []
    cds = [d for d in devices.values()
           if isinstance(d, vim.vm.device.VirtualCdrom)]
    iso_cd = [d for d in cds if d.connectable.startConnected and
              isinstance(d.backing, vim.vm.device.VirtualCdrom.IsoBackingInfo)]
    if not order or not isinstance(order[0],
                                   vim.vm.BootOptions.BootableCdromDevice):
        return None, "the CD is not first in the boot order: its disk boots"
    if not iso_cd:
        return None, "no ISO connected at power-on: its disk boots"
    iso = stores.local(iso_cd[0].backing.fileName)
    args = ["--iso", iso]
    buses = []
    for d in devices.values():
        if not isinstance(d, vim.vm.device.VirtualDisk):
            continue
        ctrl = devices[d.controllerKey]
        bus = next((b for cls, b in BUSES if isinstance(ctrl, cls)), None)
        if bus is None or (bus in VMWARE_BUSES and not opts.firmware):
            return None, "disk on a %s: not mapped%s" % (
                type(ctrl).__name__, "" if bus is None else
                " without --firmware (Debian's OVMF has no driver)")
        args += ["--disk", "%s:%s" % (flat_extent(
            stores.local(d.backing.fileName)), bus)]
        buses.append(bus)
    log = os.path.join(work, vm.name + ".console")
    for d in devices.values():
        if isinstance(d, vim.vm.device.VirtualSerialPort) and isinstance(
                d.backing, vim.vm.device.VirtualSerialPort.FileBackingInfo):
            log = stores.local(d.backing.fileName)
            break
    args += ["--log", log]
    secure = bool(cfg.bootOptions.efiSecureBootEnabled)
    args += firmware_args(opts, secure)
    return args, "boots %s%s, console to %s; disks on %s" % (
        iso_cd[0].backing.fileName, " with Secure Boot" if secure else "",
        log, ", ".join(buses))


class Boot(threading.Thread):
    """One boot.sh run; powers the simulated VM off if the guest did."""

    def __init__(self, opts, vm, args, slots):
        super().__init__(daemon=True)
        self.opts, self.name_, self.moid = opts, vm.name, vm._moId
        self.args, self.slots = args, slots
        self.proc = None
        self.stopped = threading.Event()

    def run(self):
        with self.slots:
            if self.stopped.is_set():
                return
            err = os.path.join(self.opts.work, self.name_ + ".boot.err")
            with open(err, "w") as errf:
                self.proc = subprocess.Popen(
                    ["sh", self.opts.boot, "--timeout", str(self.opts.timeout)]
                    + self.args, stdout=subprocess.DEVNULL, stderr=errf,
                    start_new_session=True)
                rc = self.proc.wait()
        with open(err) as f:
            last = (f.read().strip().splitlines() or [""])[-1]
        say(self.name_, "boot.sh exit %d: %s" % (rc, last))
        if self.stopped.is_set():
            return
        if rc == 0 and "(guest-shutdown)" in last:
            si = connect(self.opts.url)
            vm = vim.VirtualMachine(self.moid, si._stub)
            if vm.runtime.powerState == "poweredOn":
                vm.PowerOffVM_Task()
                say(self.name_, "the guest powered off: VM powered off")
        else:
            say(self.name_, "not a guest power-off: the VM stays on")

    def stop(self):
        self.stopped.set()
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # boot.sh's group
            self.proc.wait()


def watch(si, opts):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(
        content.rootFolder, [vim.VirtualMachine], True)
    pc = own_collector(si._stub)
    traverse = vmodl.query.PropertyCollector.TraversalSpec(
        name="view", type=vim.view.ContainerView, path="view", skip=False)
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(
            obj=view, skip=True, selectSet=[traverse])],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(
            type=vim.VirtualMachine, pathSet=["runtime.powerState"])])
    pc.CreateFilter(spec, True)
    slots = threading.Semaphore(opts.jobs)
    boots = {}

    def stop_all(signum, frame):
        for b in boots.values():
            b.stop()
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop_all)
    say("-", "watching %s" % opts.url.split("@")[-1])
    version = ""
    while True:
        update = pc.WaitForUpdatesEx(
            version, vmodl.query.PropertyCollector.WaitOptions())
        if update is None:
            continue
        version = update.version
        for fs in update.filterSet:
            for obj in fs.objectSet:
                for change in obj.changeSet:
                    on_power(obj.obj, change.val, opts, boots, slots)


def on_power(vm, state, opts, boots, slots):
    running = boots.get(vm._moId)
    if state == "poweredOff":
        if running and running.is_alive():
            running.stop()
            say(vm.name, "powered off through the API: QEMU stopped")
        boots.pop(vm._moId, None)
        return
    if state != "poweredOn" or (running and running.is_alive()):
        return
    if vm.name in opts.hang:
        say(vm.name, "powered on; --hang: nothing booted, it never powers off")
        return
    args, why = boot_plan(vm, opts.stores, opts.work, opts)
    say(vm.name, "powered on; " + why)
    if args:
        boots[vm._moId] = Boot(opts, vm, args, slots)
        boots[vm._moId].start()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--boot", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--timeout", type=int, default=300)
    p.add_argument("--hang", action="append", default=[])
    p.add_argument("--firmware", nargs=2, metavar=("CODE", "VARS"))
    p.add_argument("--secure-vars", metavar="VARS")
    opts = p.parse_args()
    if opts.firmware and not opts.secure_vars:
        p.error("--firmware needs --secure-vars")
    os.makedirs(opts.work, exist_ok=True)
    si = connect(opts.url)
    opts.stores = Datastores(si)
    watch(si, opts)


if __name__ == "__main__":
    sys.exit(main())
