#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gptrim_vm_secure_boot: turn Secure Boot (bootOptions.efiSecureBootEnabled)
of the VM with the given moid on or off (enabled), then read it back from
vCenter. vSphere changes it only while the VM is powered off; a refusal
fails the module with vCenter's message. Returns previous (before) and
enabled (as read back afterwards, also on failure); fails when the read-back
is not what was asked. Plain pyVmomi, like the other modules here."""
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.gptrim_vsphere import (CONNECTION_ARGS, connect,
                                                  secure_boot,
                                                  set_secure_boot, vm_by_moid)


def main():
    args = dict(CONNECTION_ARGS)
    args.update(enabled=dict(type="bool", required=True))
    module = AnsibleModule(argument_spec=args)
    want = module.params["enabled"]
    vm = vm_by_moid(module, connect(module))
    previous = secure_boot(vm)
    if previous == want:
        module.exit_json(changed=False, previous=previous, enabled=previous)
    error = set_secure_boot(vm, want)
    now = secure_boot(vm)
    if error or now != want:
        module.fail_json(msg="%s: turning Secure Boot %s: %s" % (
            vm.name, "on" if want else "off",
            error or "read back from vCenter: %s" % ("on" if now else "off")),
            previous=previous, enabled=now)
    module.exit_json(changed=True, previous=previous, enabled=now)


if __name__ == "__main__":
    main()
