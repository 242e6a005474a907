// SPDX-License-Identifier: MIT
// A simulated vCenter for the fleet suite: govmomi's simulator (the VPX
// model: one datacenter DC0, datastore LocalDS_0 in a temporary directory)
// with TLS on, no VMs of its own, listening on the address given (HOST:PORT;
// port 443 for vsphere_copy and vsphere_file, which ignore any other), API
// version 6.7, its VMs' Secure Boot kept as vSphere keeps it
// (simulator.patch, applied by fleet/test/sim.sh). Prints
// its URL (https://user:pass@host:port/sdk) on stdout and serves until killed. Built in GOPATH mode against Debian's
// golang-github-vmware-govmomi-dev (fleet/test/fleet.sh).
package main

import (
	"crypto/tls"
	"fmt"
	"log"
	"net/url"
	"os"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/vpx"
)

func main() {
	// vSphere 6.7's API (the simulator says 6.5): what the virtual TPM
	// (VirtualTPM) and config.flags.vbsEnabled need; pyVmomi speaks the
	// version the server names.
	vpx.ServiceContent.About.ApiVersion = "6.7"
	model := simulator.VPX()
	model.Machine = 0 // the suite creates its own VMs through the API
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	if len(os.Args) != 2 {
		log.Fatal("usage: vcsim HOST:PORT")
	}
	model.Service.Listen = &url.URL{Host: os.Args[1]}
	model.Service.TLS = new(tls.Config)
	server := model.Service.NewServer()
	fmt.Println(server.URL.String())
	select {}
}
