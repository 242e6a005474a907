# SPDX-License-Identifier: MIT
"""What fleet/library's modules (and fleet/test's programs) share: a
vSphere session, the VM with a given managed object ID, a task waited for.

Why not community.vmware's module_utils: its result helpers (gather_vm_facts,
used by vmware_guest, vmware_guest_info and vmware_guest_powerstate) need
pyVmomi's VmomiJSONEncoder, which Debian 12's python3-pyvmomi 6.7.1 lacks:
those modules fail there, against a real vCenter as against the simulator.
These use plain pyVmomi calls that 6.7.1 has."""
import ssl
import warnings

# pyVmomi 6.7.1 still has "is" comparisons with literals.
warnings.filterwarnings("ignore", category=SyntaxWarning)
try:
    from pyVim.connect import SmartConnect
    from pyVim.task import WaitForTask
    from pyVmomi import vim, vmodl
    HAS_PYVMOMI = True
except ImportError:
    HAS_PYVMOMI = False

# The advanced setting (a .vmx line, not visible to the guest as guestinfo.*
# would be) where a run records, before it changes a VM, what it will put
# back (docs/fleet.md, "A run that dies"); removed when all is back.
PUTBACK_KEY = "gptrim.putback"

CONNECTION_ARGS = dict(
    hostname=dict(type="str", required=True),
    username=dict(type="str", required=True),
    password=dict(type="str", required=True, no_log=True),
    port=dict(type="int", default=443),
    validate_certs=dict(type="bool", default=True),
    moid=dict(type="str", required=True),
)


def session(host, port, user, password, verify=True):
    ctx = ssl.create_default_context()
    if not verify:
        ctx = ssl._create_unverified_context()
    return SmartConnect(host=host, port=port, user=user, pwd=password,
                        sslContext=ctx)


def own_collector(stub):
    """A property collector of our own: waits on the session's shared one
    can take each other's updates (govmomi's simulator shares one
    collector's update queue between all its waiters)."""
    si = vim.ServiceInstance("ServiceInstance", stub)
    return si.RetrieveContent().propertyCollector.CreatePropertyCollector()


def task_result(task):
    """Wait for a task on a collector of our own; raise its fault."""
    pc = own_collector(task._stub)
    try:
        return WaitForTask(task, pc=pc)
    finally:
        pc.DestroyPropertyCollector()


def connect(module):
    if not HAS_PYVMOMI:
        module.fail_json(msg="pyVmomi is needed (Debian: python3-pyvmomi)")
    p = module.params
    try:
        return session(p["hostname"], p["port"], p["username"],
                       p["password"], p["validate_certs"])
    except Exception as e:  # pyVmomi raises faults and socket errors alike
        module.fail_json(msg="connecting to %s: %s" % (p["hostname"], e))


def vm_by_moid(module, si):
    """The VM whose managed object ID is module.params['moid'] (vm-123, as
    vmware_vm_info reports it): unique in a vCenter, where BIOS UUIDs of
    copied VMs and names in other folders need not be. Fail when it is gone.
    (community.vmware's own moid lookup needs VmomiSupport.templateOf, which
    pyVmomi 6.7.1 lacks.)"""
    vm = vim.VirtualMachine(module.params["moid"], si._stub)
    try:
        vm.name
    except vmodl.fault.ManagedObjectNotFound:
        module.fail_json(msg="no VM %s" % module.params["moid"])
    return vm


def wait_task(module, task, what):
    """task_result, a failed task failing the module."""
    try:
        return task_result(task)
    except Exception as e:  # the task's fault, raised
        module.fail_json(msg="%s: %s" % (what, getattr(e, "msg", None) or e))


def drive_state(cd):
    """What the playbook changes of a CD/DVD drive, and puts back."""
    return {"iso": getattr(cd.backing, "fileName", None),
            "start_connected": bool(cd.connectable.startConnected)}


BOOT_KINDS = {"BootableCdromDevice": "cdrom", "BootableDiskDevice": "disk",
              "BootableEthernetDevice": "ethernet",
              "BootableFloppyDevice": "floppy"}


def boot_order(vm):
    """The VM's boot order as kinds ("cdrom", "disk", ...), as recorded and
    compared by the put-back."""
    return [BOOT_KINDS.get(type(b).__name__.split(".")[-1], "other")
            for b in vm.config.bootOptions.bootOrder or []]


def option(vm, key):
    """An advanced setting's value ("" when unset; the last of several)."""
    value = ""
    for opt in vm.config.extraConfig or []:
        if opt.key.lower() == key.lower():
            value = str(opt.value)
    return value


def secure_boot(vm):
    """bootOptions.efiSecureBootEnabled as vCenter has it now."""
    return bool(vm.config.bootOptions.efiSecureBootEnabled)


def set_secure_boot(vm, enabled):
    """Turn Secure Boot on or off (the VM powered off: vSphere changes it
    only then); the boot order sent along as it is (a server that takes
    bootOptions as a whole, govmomi's simulator, would clear it). None, or
    the failed task's message."""
    spec = vim.vm.ConfigSpec(bootOptions=vim.vm.BootOptions(
        efiSecureBootEnabled=enabled,
        bootOrder=list(vm.config.bootOptions.bootOrder or [])))
    try:
        task_result(vm.ReconfigVM_Task(spec))
    except vim.fault.InvalidPowerState as e:
        return "vCenter refuses it while the VM is %s" % e.existingState
    except Exception as e:  # the task's fault, raised
        return str(getattr(e, "msg", None) or e)
    return None

