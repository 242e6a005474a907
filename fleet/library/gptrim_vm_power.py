#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gptrim_vm_power: power the VM with the given moid on
(state=powered-on), ask its guest OS to shut down through VMware Tools
(state=shutdown-guest), or wait until it is powered off, by itself or
otherwise (state=wait-off, at most timeout seconds: the property
collector reports each change of runtime.powerState, nothing is polled);
state=boot is powered-on then wait-off in one call (one module run less a
VM: make bench's fleet part). Returns power_state, and for wait-off and
boot powered_off and seconds; boot also powered_on (true once the power-on
succeeded, also when the wait then failed).

Plain pyVmomi: vmware_guest_powerstate fails on Debian's pyVmomi 6.7.1
(module_utils/gptrim_vsphere.py)."""
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.gptrim_vsphere import (CONNECTION_ARGS, connect,
                                                  own_collector, vm_by_moid,
                                                  wait_task)

try:
    from pyVmomi import vim, vmodl
except ImportError:
    pass  # connect() reports it


def wait_off(vm, timeout):
    """Seconds until runtime.powerState is poweredOff, or None after
    timeout seconds."""
    start = time.monotonic()
    pc = own_collector(vm._stub)
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=vm)],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(
            type=vim.VirtualMachine, pathSet=["runtime.powerState"])])
    pc_filter = pc.CreateFilter(spec, True)
    try:
        version, state = "", None
        while True:
            left = timeout - (time.monotonic() - start)
            if state == "poweredOff":
                return time.monotonic() - start
            if left <= 0:
                return None
            opts = vmodl.query.PropertyCollector.WaitOptions(
                maxWaitSeconds=max(1, int(left)))
            update = pc.WaitForUpdatesEx(version, opts)
            if update is None:  # maxWaitSeconds passed without a change
                continue
            version = update.version
            for fs in update.filterSet:
                for obj in fs.objectSet:
                    for change in obj.changeSet:
                        state = change.val
    finally:
        pc_filter.Destroy()
        pc.DestroyPropertyCollector()


def main():
    args = dict(CONNECTION_ARGS)
    args.update(state=dict(choices=["powered-on", "shutdown-guest",
                                    "wait-off", "boot"], required=True),
                timeout=dict(type="int", default=600))
    module = AnsibleModule(argument_spec=args)
    p = module.params
    si = connect(module)
    vm = vm_by_moid(module, si)
    power = vm.runtime.powerState
    if p["state"] == "boot":
        if power != "poweredOn":
            wait_task(module, vm.PowerOnVM_Task(), "%s: power on" % vm.name)
        try:
            secs = wait_off(vm, p["timeout"])
        except Exception as e:  # a fault or a lost connection
            module.fail_json(msg="%s: waiting for the power-off: %s" % (
                vm.name, getattr(e, "msg", None) or e), powered_on=True)
        module.exit_json(changed=True, powered_on=True,
                         powered_off=secs is not None,
                         seconds=round(secs or p["timeout"], 1),
                         power_state=vm.runtime.powerState)
    if p["state"] == "wait-off":
        secs = wait_off(vm, p["timeout"])
        module.exit_json(changed=False, powered_off=secs is not None,
                         seconds=round(secs or p["timeout"], 1),
                         power_state=vm.runtime.powerState)
    if p["state"] == "powered-on":
        if power == "poweredOn":
            module.exit_json(changed=False, power_state=power)
        wait_task(module, vm.PowerOnVM_Task(), "%s: power on" % vm.name)
    else:
        if power == "poweredOff":
            module.exit_json(changed=False, power_state=power)
        try:
            vm.ShutdownGuest()
        except Exception as e:  # no VMware Tools, wrong state: the fault
            module.fail_json(msg="%s: guest shutdown: %s"
                             % (vm.name, getattr(e, "msg", None) or e))
    module.exit_json(changed=True, power_state=vm.runtime.powerState)


if __name__ == "__main__":
    main()
