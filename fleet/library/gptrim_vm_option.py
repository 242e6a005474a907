#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gptrim_vm_option: set one advanced setting (extraConfig, a line of the
.vmx) of the VM with the given moid, e.g. efi.serialConsole.enabled;
value "" removes it. Returns previous: its value before ("" when unset), to
put back afterwards. The VM should be powered off: the .vmx is read at
power-on.

Plain pyVmomi: vmware_guest's advanced_settings fails on Debian's pyVmomi
6.7.1 (module_utils/gptrim_vsphere.py)."""
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.gptrim_vsphere import (CONNECTION_ARGS, connect,
                                                  vm_by_moid, wait_task)

try:
    from pyVmomi import vim
except ImportError:
    pass  # connect() reports it


def main():
    args = dict(CONNECTION_ARGS)
    args.update(key=dict(type="str", required=True, no_log=False),
                value=dict(type="str", required=True))
    module = AnsibleModule(argument_spec=args)
    p = module.params
    vm = vm_by_moid(module, connect(module))
    previous = ""
    for opt in vm.config.extraConfig or []:
        if opt.key.lower() == p["key"].lower():
            previous = str(opt.value)
    if previous == p["value"]:
        module.exit_json(changed=False, previous=previous)
    spec = vim.vm.ConfigSpec(extraConfig=[
        vim.option.OptionValue(key=p["key"], value=p["value"])])
    wait_task(module, vm.ReconfigVM_Task(spec),
              "%s: %s" % (vm.name, p["key"]))
    module.exit_json(changed=True, previous=previous)


if __name__ == "__main__":
    main()
