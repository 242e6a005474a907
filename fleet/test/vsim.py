# SPDX-License-Identifier: MIT
"""What fleet/test's pyvmomi programs share: a session with the simulated
vCenter from its URL, a VM by name, a task waited for."""
import ssl
import urllib.parse
import warnings

# pyVmomi 6.7.1 (Debian 12) still has "is" comparisons with literals.
warnings.filterwarnings("ignore", category=SyntaxWarning)
from pyVim.connect import SmartConnect  # noqa: E402
from pyVim.task import WaitForTask  # noqa: E402
from pyVmomi import vim  # noqa: E402


def connect(url):
    """A session from https://user:pass@host:port/sdk. The simulator's
    certificate is its own self-signed one: not verified."""
    u = urllib.parse.urlsplit(url)
    return SmartConnect(host=u.hostname, port=u.port, user=u.username,
                        pwd=u.password,
                        sslContext=ssl._create_unverified_context())


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


def wait_task(task):
    """Wait for a task through the property collector; raise its fault."""
    return WaitForTask(task)
