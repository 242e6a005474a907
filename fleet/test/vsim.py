# SPDX-License-Identifier: MIT
"""What fleet/test's pyvmomi programs share: a session with the simulated
vCenter from its URL, a VM by name, a task waited for (the playbook's own
helpers, fleet/module_utils/gptrim_vsphere.py)."""
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..",
                                "module_utils"))
from gptrim_vsphere import own_collector, session, task_result  # noqa: E402
from pyVmomi import vim  # noqa: E402

__all__ = ["connect", "find_vm", "own_collector", "task_result"]


def connect(url):
    """A session from https://user:pass@host:port/sdk. The simulator's
    certificate is its own self-signed one: not verified."""
    u = urllib.parse.urlsplit(url)
    return session(u.hostname, u.port, u.username, u.password, verify=False)


def find_vm(si, name):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(
        content.rootFolder, [vim.VirtualMachine], True)
    try:
        vms = [vm for vm in view.view if vm.name == name]
    finally:
        view.Destroy()
    if len(vms) != 1:
        raise SystemExit("%d VMs named %r" % (len(vms), name))
    return vms[0]
