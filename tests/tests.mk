# Test suites. Each entry of CHECK_SUITES is "name:command" for tests/check.sh;
# fragments below add their suites and their binaries to check-build.
CHECK_SUITES :=
# Suites that run beside the others from the start (tests/check.sh): those
# of one core's work that touch only their own files.
CHECK_BESIDE :=
# The runner itself, on toy suites (order, totals, exit status).
CHECK_SUITES += 'check-runner:tests/check-runner.sh'

.PHONY: check check-build
check:
	@tools/deps.sh check
	@$(MAKE) --no-print-directory all check-build
	@CHECK_BESIDE="$(CHECK_BESIDE)" tests/check.sh $(CHECK_SUITES)

check-build:

-include tests/unit.mk
-include tests/host-tests.mk
-include tests/fuzz.mk
-include tests/cuts.mk
-include tests/build.mk
# make proof; its alarm-free harnesses are the suite "proof".
-include tests/proof/proof.mk
