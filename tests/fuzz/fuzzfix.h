/* SPDX-License-Identifier: MIT */
/* Custom mutators' helpers: after libFuzzer mutates an input, recompute the
 * CRCs its headers claim, so that mutations reach the checks behind the
 * CRCs (LBAs, geometry, entries, commit, restore) instead of stopping at
 * "header CRC ... computed ...". Only the input is changed; the targets
 * still judge raw bytes. */
#ifndef GPTRIM_TESTS_FUZZFIX_H
#define GPTRIM_TESTS_FUZZFIX_H

#include <stddef.h>
#include <stdint.h>

/* On a disk image of len bytes (zeros past len) with block size bs: seal
 * the header at lba (its array CRC when the array lies on the image, then
 * the header CRC) if it has the GPT signature and a usable HeaderSize. */
void fuzzfix_seal_header(uint8_t *img, size_t len, uint32_t bs, uint64_t lba);
/* xorshift32: the mutators' randomness, from libFuzzer's seed. */
uint32_t fuzzfix_rand(uint32_t *state);

/* A structure-aware mutation: change one field of the header at lba, or of
 * one of its first entries, to a value chosen for GPT geometry (0, 1, +-1,
 * the last LBA, the other copy's value, ...), using rnd as randomness.
 * Returns 0 when there is no header at lba. The caller seals afterwards. */
int fuzzfix_tweak_header(uint8_t *img, size_t len, uint32_t bs, uint64_t lba,
			 uint64_t last_lba, uint32_t *rnd);
/* The same on the header slots and array of an sgdisk --backup file. */
void fuzzfix_tweak_backup(uint8_t *buf, size_t len, uint32_t *rnd);

/* Seal an sgdisk --backup file: the array CRC into both header slots, then
 * each slot's header CRC. */
void fuzzfix_seal_backup(uint8_t *buf, size_t len);

#endif
