# Test suites. Each entry of CHECK_SUITES is "name:command" for tests/check.sh.
CHECK_SUITES :=

.PHONY: check
check:
	@tools/deps.sh check
	@$(MAKE) --no-print-directory all check-build
	@tests/check.sh $(CHECK_SUITES)

.PHONY: check-build
check-build:
