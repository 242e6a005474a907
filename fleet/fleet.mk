# The fleet playbook (fleet/gptrim.yml) and its suite against a simulated
# vCenter whose VMs boot under QEMU + OVMF (fleet/test/fleet.sh).
#   make fleet-isos   build/fleet/gptrim-report.iso (gptrim.cfg "--then
#                     shutdown"), build/fleet/gptrim-apply.iso ("--apply
#                     --then shutdown") and build/fleet/gptrim-undo.iso
#                     ("--apply --undo --then shutdown"), the playbook's
#                     three ISOs; each built by `make iso` in a BUILD of its
#                     own, so build/gptrim.iso stays as it was
FLEET_DIR := $(BUILD)/fleet

.PHONY: fleet-isos
fleet-isos:
	@$(MAKE) --no-print-directory BUILD=$(FLEET_DIR)/report iso OPTIONS="--then shutdown"
	@$(MAKE) --no-print-directory BUILD=$(FLEET_DIR)/apply iso OPTIONS="--apply --then shutdown"
	@$(MAKE) --no-print-directory BUILD=$(FLEET_DIR)/undo iso OPTIONS="--apply --undo --then shutdown"
	cp $(FLEET_DIR)/report/gptrim.iso $(FLEET_DIR)/gptrim-report.iso
	cp $(FLEET_DIR)/apply/gptrim.iso $(FLEET_DIR)/gptrim-apply.iso
	cp $(FLEET_DIR)/undo/gptrim.iso $(FLEET_DIR)/gptrim-undo.iso

# The suite makes the ISOs and the simulator itself (go build, cached in
# build/fleet), so that a failure there is the suite's and no other's.
CHECK_SUITES += 'fleet:BUILD=$(BUILD) fleet/test/fleet.sh'
