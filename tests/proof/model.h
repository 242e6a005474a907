/* SPDX-License-Identifier: MIT */
/* The environment of the Eva harnesses (tests/proof/): a block device whose
 * every read returns unknown bytes, whose size is any value, whose every
 * read, write and flush may fail, and whose allocator may fail or return a
 * fresh zero-filled buffer of exactly the size asked for. Only the device
 * and the allocator are modelled; the core is analysed as it is. */
#ifndef GPTRIM_PROOF_MODEL_H
#define GPTRIM_PROOF_MODEL_H

#include <stdint.h>

#include "blockdev.h"
#include "report.h"

/* The block size a harness analyses (proof.mk passes -DPROOF_BS=...). */
#ifndef PROOF_BS
#define PROOF_BS 512
#endif

/* Fill in dev: block size bs, last LBA any value in [0, 2^64-1]. */
void proof_dev_init(struct blockdev *dev, uint32_t bs);
/* Any bytes, n of them, into p. */
/*@ requires \valid((uint8_t *)p + (0 .. n - 1)); */
void proof_unknown(void *p, size_t n);
/* A sink that reads each line up to its NUL. */
extern const struct report_sink proof_sink;

#endif
