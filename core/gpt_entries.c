// SPDX-License-Identifier: MIT
/* Checks of the used partition entries (UEFI §5.3.3): each inside the
 * usable range with Start <= End, no two overlapping, unique GUIDs unique.
 * Sorting keeps this O(n log n) for hostile 32768-entry arrays. */
#include "gpt_internal.h"

const struct gpt_entry *gpt_copy_entry(const struct gpt_copy *c, uint32_t i)
{
	if (!c || !c->array || i >= c->num_entries)
		return NULL;
	/* For WP: entry i ends inside the array (the one product it needs). */
	//@ assert (integer)(i + 1) * c->entry_size <= (integer)c->num_entries * c->entry_size;
	return (const struct gpt_entry *)(const void *)(c->array +
							(size_t)i *
								c->entry_size);
}

bool gpt_entry_used(const struct gpt_entry *e)
{
	return !guid_is_zero(&e->type_guid);
}

typedef int (*entry_cmp)(const struct gpt_copy *c, uint32_t a, uint32_t b);

/* For the proof: v[0 .. n - 1] are indices of entries of c. */
/*@ predicate indices_of(struct gpt_copy *c, uint32_t *v, integer n) =
      \forall integer k; 0 <= k < n ==> v[k] < c->num_entries;
*/

/*@ requires gpt_copy_readable(c) && c->array != \null;
    requires a < c->num_entries && b < c->num_entries;
    assigns \nothing;
    exits \false; */
static int cmp_start(const struct gpt_copy *c, uint32_t a, uint32_t b)
{
	uint64_t x = le64(&gpt_copy_entry(c, a)->starting_lba);
	uint64_t y = le64(&gpt_copy_entry(c, b)->starting_lba);

	return x < y ? -1 : x > y;
}

/*@ requires gpt_copy_readable(c) && c->array != \null;
    requires a < c->num_entries && b < c->num_entries;
    assigns \nothing;
    exits \false; */
static int cmp_unique(const struct gpt_copy *c, uint32_t a, uint32_t b)
{
	return mem_compare(gpt_copy_entry(c, a)->unique_guid.b,
			   gpt_copy_entry(c, b)->unique_guid.b, 16);
}

/* The heap is v[0 .. n - 1]; cmp reads the entries, never v. */
/*@ requires \valid(v + (0 .. n - 1)) && root < n;
    requires cmp == cmp_start || cmp == cmp_unique;
    requires gpt_copy_readable(c) && c->array != \null;
    requires \separated(v + (0 .. n - 1), c);
    requires indices_of(c, v, n);
    assigns v[0 .. n - 1];
    ensures indices_of(c, v, n);
    exits \false;
*/
static void sift_down(uint32_t *v, uint32_t root, uint32_t n,
		      const struct gpt_copy *c, entry_cmp cmp)
{
	/*@ loop invariant root < n;
	    loop invariant indices_of(c, v, n);
	    loop assigns root, v[0 .. n - 1];
	*/
	for (;;) {
		uint32_t child = 2 * root + 1;
		uint32_t t;
		int order;

		if (child >= n)
			return;
		if (child + 1 < n) {
			/*@ calls cmp_start, cmp_unique; */
			order = cmp(c, v[child], v[child + 1]);
			if (order < 0)
				child++;
		}
		/*@ calls cmp_start, cmp_unique; */
		order = cmp(c, v[root], v[child]);
		if (order >= 0)
			return;
		t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

/*@ requires \valid(v + (0 .. n - 1));
    requires cmp == cmp_start || cmp == cmp_unique;
    requires gpt_copy_readable(c) && c->array != \null;
    requires \separated(v + (0 .. n - 1), c);
    requires indices_of(c, v, n);
    assigns v[0 .. n - 1];
    ensures indices_of(c, v, n);
    exits \false;
*/
static void heap_sort(uint32_t *v, uint32_t n, const struct gpt_copy *c,
		      entry_cmp cmp)
{
	/*@ loop invariant i <= n / 2;
	    loop invariant indices_of(c, v, n);
	    loop assigns i, v[0 .. n - 1];
	*/
	for (uint32_t i = n / 2; i-- > 0;)
		sift_down(v, i, n, c, cmp);
	/*@ loop invariant end <= n;
	    loop invariant indices_of(c, v, n);
	    loop assigns end, v[0 .. n - 1];
	*/
	for (uint32_t end = n; end-- > 1;) {
		uint32_t t = v[0];

		v[0] = v[end];
		v[end] = t;
		sift_down(v, 0, end, c, cmp);
	}
}

/* At most one index per entry goes into used[0 .. num_entries - 1]. The
 * count and the bound are locals: a store into used cannot change them. */
/*@ requires gpt_copy_readable(c) && c->array != \null;
    requires \valid(used + (0 .. c->num_entries - 1)) && \valid(count);
    requires \separated(used + (0 .. c->num_entries - 1), count, c);
    assigns used[0 .. c->num_entries - 1], *count, *why;
    ensures \result == GPT_OK ==> *count <= c->num_entries &&
                                  indices_of(c, used, *count);
    exits \false;
*/
static enum gpt_status check_ranges(const struct gpt_copy *c, uint32_t *used,
				    uint32_t *count, struct gpt_reason *why)
{
	const struct gpt_header *h = GPT_HDR(c->header);
	uint64_t first = le64(&h->first_usable_lba);
	uint64_t last = le64(&h->last_usable_lba);
	uint32_t num = c->num_entries, n = 0;

	*count = 0;
	/*@ loop invariant i <= num && n <= i;
	    loop invariant indices_of(c, used, n);
	    loop assigns i, n, used[0 .. num - 1];
	*/
	for (uint32_t i = 0; i < num; i++) {
		const struct gpt_entry *e = gpt_copy_entry(c, i);
		uint64_t s = le64(&e->starting_lba), t = le64(&e->ending_lba);

		if (!gpt_entry_used(e))
			continue;
		if (s > t)
			return gpt_fail(why, GPT_E_DAMAGED,
					"entry %u: StartingLBA %llu > EndingLBA "
					"%llu", i + 1, (unsigned long long)s,
					(unsigned long long)t);
		if (s < first || t > last)
			return gpt_fail(why, GPT_E_DAMAGED,
					"entry %u: LBA %llu-%llu is outside the "
					"usable range %llu-%llu", i + 1,
					(unsigned long long)s,
					(unsigned long long)t,
					(unsigned long long)first,
					(unsigned long long)last);
		used[n++] = i;
	}
	*count = n;
	return GPT_OK;
}

/*@ requires gpt_copy_readable(c) && c->array != \null;
    requires \valid(used + (0 .. n - 1));
    requires \separated(used + (0 .. n - 1), c);
    requires indices_of(c, used, n);
    assigns used[0 .. n - 1], *why;
    exits \false; */
static enum gpt_status check_overlaps(const struct gpt_copy *c,
				      uint32_t *used, uint32_t n,
				      struct gpt_reason *why)
{
	heap_sort(used, n, c, cmp_start);
	/*@ loop invariant 1 <= k;
	    loop assigns k;
	*/
	for (uint32_t k = 1; k < n; k++) {
		const struct gpt_entry *a = gpt_copy_entry(c, used[k - 1]);
		const struct gpt_entry *b = gpt_copy_entry(c, used[k]);

		if (le64(&a->ending_lba) >= le64(&b->starting_lba))
			return gpt_fail(why, GPT_E_DAMAGED,
					"entry %u (LBA %llu-%llu) overlaps entry "
					"%u (LBA %llu-%llu)", used[k - 1] + 1,
					(unsigned long long)le64(&a->starting_lba),
					(unsigned long long)le64(&a->ending_lba),
					used[k] + 1,
					(unsigned long long)le64(&b->starting_lba),
					(unsigned long long)le64(&b->ending_lba));
	}
	heap_sort(used, n, c, cmp_unique);
	/*@ loop invariant 1 <= k;
	    loop assigns k;
	*/
	for (uint32_t k = 1; k < n; k++) {
		uint32_t a = used[k - 1], b = used[k];

		if (cmp_unique(c, a, b) == 0)
			return gpt_fail(why, GPT_E_DAMAGED,
					"entries %u and %u have the same unique "
					"GUID %s", (a < b ? a : b) + 1,
					(a < b ? b : a) + 1,
					guid_str(&gpt_copy_entry(c, b)->unique_guid).s);
	}
	return GPT_OK;
}

enum gpt_status gpt_check_entries(const struct gpt_copy *c, uint32_t *used,
				  struct gpt_reason *why)
{
	uint32_t n;
	enum gpt_status st = check_ranges(c, used, &n, why);

	if (st == GPT_OK)
		st = check_overlaps(c, used, n, why);
	return st;
}
