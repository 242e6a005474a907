# Proof, not samples: Frama-C Eva over the core for every on-disk input
# (tests/proof/README.md). The harnesses without alarm (PROOF_CHECKED)
# are the suite "proof" of make check: a change that adds one fails it.
#   make proof            every harness; fails on any alarm
#   make proof-load-512   one harness (see PROOF_HARNESSES)
# Each writes $(BUILD)/proof/NAME.log (Eva), NAME.csv (every property's
# status) and NAME.alarms (the properties not proven valid), and prints its
# runtime and its number of alarms. Two harnesses run at once with make -j2.
PROOF_DIR  := $(BUILD)/proof
PROOF_CORE := core/bdev.c core/crc32.c $(wildcard core/gpt_*.c) core/guid.c \
              core/mbr.c core/report.c core/status.c core/strbuf.c core/utf.c
PROOF_DEPS := $(wildcard include/*.h core/*.h core/*.c) tests/proof/model.c \
              tests/proof/model.h tests/proof/run.sh tests/proof/proof.mk \
              tests/proof/wp_poll.ml
# Eva's precision. The per-function slevels let Eva follow every
# iteration of loops whose count is known at the call: the format loop of
# sb_vprintf (one state per conversion, so each va_arg reads the argument
# the call passed), the digit loop of sb_put_uint (at most 20 digits),
# the GUID loops. -eva-split-return auto keeps a function's states
# apart by the status it returns, so that a caller's 'st == GPT_OK' also
# knows what GPT_OK implies (gpt_load: the MBR block was allocated).
# -from-verify-assigns: Eva's dependencies prove the assigns clauses of
# functions WP cannot follow (calls through dev->ops and the sink).
# -eva-warn-undefined-pointer-comparison none: a comparison of a pointer
# with NULL is not checked (tests/proof/README.md, "What is not proven").
PROOF_EVA  := -eva-precision 1 -eva-split-return auto -from-verify-assigns \
              -eva-warn-undefined-pointer-comparison none
# Helpers Eva takes for its memcpy, memset and strlen built-ins (their
# contracts, include/strbuf.h; run.sh has WP prove their code). Not
# mem_copy in the option parser's harnesses: there quote_str copies an
# argument of any length up to its cut, and after Eva's memcpy of a
# length it knows only as a range, the message's %s is not shown a
# string (tests/proof/README.md, "Three helpers as Eva's built-ins").
PROOF_BUILTINS_OPT  := mem_set:Frama_C_memset,str_len:Frama_C_strlen
PROOF_BUILTINS_DISK := mem_copy:Frama_C_memcpy,$(PROOF_BUILTINS_OPT)
# ... and the file that defines them, where WP proves their code.
PROOF_BUILTINS_SRC  := core/strbuf.c
PROOF_SLEVEL := sb_vprintf:3000,sb_put_uint:300,gpt_fail:100,guid_format:100
# ... and in the harnesses of the disk (the report is theirs):
PROOF_SLEVEL_DISK := $(PROOF_SLEVEL),report_line:100

# WP after Eva (on the functions Eva reached: run.sh), in two passes
# (three in the disk's harnesses, below): every contract of the core
# (requires at each call, ensures, assigns, loop invariants, calls) that
# Eva did not prove; then Eva's alarms themselves. WP skips what is
# already proven.
# Typed+cast: the core reads on-disk structures through byte pointers.
# CVC4 first, then Z3 on what CVC4 leaves: WP tries the provers in this
# order and the next only when one fails, and CVC4 proves most of our
# goals sooner (WP on load-512's Eva results, side by side: 9 min 54 s
# against 26 min 27 s with Z3 first; the whole harness from an empty
# cache, beside cmdline: 556 s; tests/proof/README.md). CVC4 is held by
# the time limit, 120 s, over 6 times its slowest goal in CI (18.9 s,
# gpt_table_read's framing of the primary copy across the backup's read;
# why3 gives it the same rlimit, which our goals never come near: 1.2
# million units for that one). Z3 is held to a number of
# steps (its rlimit; why3 runs it with fixed seeds), the same on every
# machine and under any load: where CVC4 fails, Z3's verdict does not
# depend on how busy the machine is (make check runs this suite beside
# the others). 100 million steps: Z3 proves 2 goals CVC4 leaves, with
# 15 million at most (91 million for our costliest when Z3 went first).
# The third pass (PROOF_WP_LAST, run.sh) gives what is still open in the
# functions of PROOF_WP_SLOW the harness puts to WP 300 s. A goal proven
# in the first two passes is not put again. (The option parser's
# harnesses, which have none of these, stop after the second:
# PROOF_WP_OPT.)
PROOF_WP_SLOW := gpt_load,gpt_table_read,gpt_read_copy,read_array,gpt_copy_entry,gpt_compare_copies,gpt_report_table,report_disk
PROOF_WP_PROVERS := -wp-model Typed+cast -wp-prover cvc4,z3 \
                    -wp-steps 100000000 -wp-timeout 120 -wp-par 1
PROOF_WP_OPT := -wp-prop=-@assert $(PROOF_WP_PROVERS) -then -wp-prop=@assert
# The option parser's harnesses compare arguments with literal strings
# ("--", "exit"): WP is told their bytes (-wp-literals; the disk's
# harnesses have no such goal).
PROOF_WP_ARGS := -wp-literals $(PROOF_WP_OPT)
# The allocator's contract is assumed (tests/proof/README.md, "The model"):
# WP is not asked to prove it (it cannot: the call goes through dev->ops).
# Only the disk's harnesses have the allocator (WP refuses a name it
# does not know).
PROOF_WP := -wp-skip-fct bdev_alloc,bdev_free $(PROOF_WP_OPT)
PROOF_WP_LAST := -wp-prop=@assert,@requires,@ensures,@assigns,@invariant \
                 -wp-timeout 300

# Harnesses: NAME-BS analyses tests/proof/NAME.c with PROOF_BS=BS.
PROOF_BLOCK_SIZES := 512 1024 2048 4096
PROOF_HARNESSES   := $(PROOF_BLOCK_SIZES:%=load-%) commit-512 backup-512 \
                     cmdline cfgfile
# WP proves a function's properties from its code and annotations, not
# from the harness: the disk's harnesses after load-512 take the WP proofs
# it made of the core's properties, where Eva leaves the same one open,
# and put to WP only the rest (run.sh, PROOF_REUSE; tests/proof/README.md,
# "One WP proof for the disk's harnesses"). They run after it.
PROOF_WP_FIRST    := load-512
PROOF_WP_REUSERS  := $(patsubst %,load-%,$(filter-out 512,$(PROOF_BLOCK_SIZES))) \
                     commit-512 backup-512
# The option parser's harnesses analyse what it calls, not the GPT code:
# WP would otherwise spend its time on contracts no call of theirs reaches.
PROOF_OPT_CORE    := core/config.c core/options.c core/options_rules.c \
                     core/usage.c core/guid.c \
                     core/strbuf.c core/status.c core/utf.c
# Those at 0 alarms, in make check (tests/proof/check.sh): two lanes at
# once, each one harness after the other in this order, and at a "|"
# each lane waits for the other before it goes on: the harnesses that
# take load-512's WP proofs come after it (tests/proof/README.md, "In
# make check").
PROOF_LANE_A      := load-512 | cmdline load-1024 load-2048 backup-512
PROOF_LANE_B      := cfgfile | commit-512 load-4096
PROOF_CHECKED     := $(filter-out |,$(PROOF_LANE_A) $(PROOF_LANE_B))
CHECK_SUITES      += proof:tests/proof/check.sh
# It writes only under $(PROOF_DIR), and its verdicts do not follow the
# machine's load: it runs beside the other suites (tests/check.sh).
CHECK_BESIDE      += proof

$(PROOF_DIR)/%.ok: $(PROOF_DEPS) $(wildcard tests/proof/*.c)
	@h=$*; name=$${h%-*}; bs=$${h##*-}; [ "$$bs" != "$$h" ] || bs=512; \
	case $$name in \
	cmdline|cfgfile) core="$(PROOF_OPT_CORE)" sl="$(PROOF_SLEVEL)" \
		wp="$(PROOF_WP_ARGS)" slow="" bi="$(PROOF_BUILTINS_OPT)";; \
	*) core="$(PROOF_CORE)" sl="$(PROOF_SLEVEL_DISK)" wp="$(PROOF_WP)" \
		slow="$(PROOF_WP_SLOW)" bi="$(PROOF_BUILTINS_DISK)";; \
	esac; \
	case " $(PROOF_WP_REUSERS) " in *" $* "*) reuse=$(PROOF_WP_FIRST);; \
	*) reuse="";; esac; \
	PROOF_CPP=-DPROOF_BS=$$bs PROOF_WP="$$wp" PROOF_WP_SLOW="$$slow" \
	PROOF_WP_LAST="$(PROOF_WP_LAST)" PROOF_REUSE=$$reuse \
	PROOF_WP_PROVERS="$(PROOF_WP_PROVERS)" \
	PROOF_BUILTINS_SRC="$(PROOF_BUILTINS_SRC)" \
	tests/proof/run.sh $(PROOF_DIR) $* \
		tests/proof/$$name.c tests/proof/model.c $$core \
		-- $(PROOF_EVA) -eva-builtin $$bi -eva-slevel-function $$sl
	@touch $@
$(PROOF_WP_REUSERS:%=$(PROOF_DIR)/%.ok): $(PROOF_DIR)/$(PROOF_WP_FIRST).ok

# Injected bugs (tests/proof/mutants/*.patch), each applied to a copy of
# the tree: the load-512 harness must report an alarm where it says.
PROOF_MUTANTS := $(wildcard tests/proof/mutants/*.patch)
# A patch runs the load-512 harness with Eva alone, or, with a header
# "Harness: cmdline", the command-line harness with WP as make proof does
# (its string scans are proven by WP, so a bug there is an alarm WP leaves).
proof-mutants: proof-deps
	@rc=0; for p in $(PROOF_MUTANTS); do \
		if grep -q '^Harness: cmdline' $$p; then \
		PROOF_WP="$(PROOF_WP_ARGS)" \
		tests/proof/mutant.sh $(PROOF_DIR) $$p cmdline -- \
		tests/proof/cmdline.c tests/proof/model.c \
		$(PROOF_OPT_CORE) -- $(PROOF_EVA) \
		-eva-slevel-function $(PROOF_SLEVEL) || rc=1; \
		else \
		PROOF_CPP=-DPROOF_BS=512 tests/proof/mutant.sh $(PROOF_DIR) $$p \
		load-512 -- tests/proof/load.c tests/proof/model.c \
		$(PROOF_CORE) -- $(PROOF_EVA) \
		-eva-slevel-function $(PROOF_SLEVEL_DISK) || rc=1; \
		fi; done; exit $$rc

.PHONY: proof proof-deps proof-list proof-lane-a proof-lane-b proof-checked proof-mutants $(PROOF_HARNESSES:%=proof-%)
proof-list:
	@echo $(PROOF_HARNESSES)
proof-lane-a:
	@echo '$(PROOF_LANE_A)'
proof-lane-b:
	@echo '$(PROOF_LANE_B)'
proof-checked:
	@echo $(PROOF_CHECKED)
proof-deps:
	@tools/deps.sh proof
proof: proof-deps
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory -k $(PROOF_HARNESSES:%=$(PROOF_DIR)/%.ok); \
	rc=$$?; echo "proof: $$(( $$(date +%s) - start ))s in all"; exit $$rc
$(PROOF_HARNESSES:%=proof-%): proof-%: proof-deps
	@rm -f $(PROOF_DIR)/$*.ok
	@$(MAKE) --no-print-directory $(PROOF_DIR)/$*.ok
