// SPDX-License-Identifier: MIT
/* qemu-storage-daemon's argv. QEMU's option syntax separates options with
 * commas: a comma inside a file name is written twice. */
#include "qsd_args.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* src with every ',' doubled; false when it does not fit. */
static bool escape_commas(char *dst, size_t cap, const char *src)
{
	size_t n = 0;

	for (; *src; src++) {
		if (n + 3 > cap)
			return false;
		if (*src == ',')
			dst[n++] = ',';
		dst[n++] = *src;
	}
	dst[n] = '\0';
	return true;
}

static bool add(struct qsd_args *a, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool add(struct qsd_args *a, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (*n >= QSD_ARGS_MAX)
		return false;
	va_start(ap, fmt);
	len = vsnprintf(a->text[*n], QSD_ARG_BYTES, fmt, ap);
	va_end(ap);
	if (len < 0 || len >= QSD_ARG_BYTES)
		return false;
	a->argv[*n] = a->text[*n];
	a->argv[++*n] = NULL;
	return true;
}

enum gpt_status qsd_args_build(struct qsd_args *a, const char *program,
			       const char *image,
			       const struct container_info *ci,
			       const char *mountpoint, bool writable,
			       struct gpt_reason *why)
{
	const char *ro = writable ? "off" : "on", *below = "file0";
	char img[PATH_MAX * 2], mnt[PATH_MAX * 2];
	size_t n = 0;
	bool ok;

	memset(a, 0, sizeof(*a));
	ok = escape_commas(img, sizeof(img), image) &&
	     escape_commas(mnt, sizeof(mnt), mountpoint) &&
	     add(a, &n, "%s", program) && add(a, &n, "--blockdev") &&
	     add(a, &n, "driver=file,node-name=file0,filename=%s,"
		 "read-only=%s", img, ro);
	if (ok && ci->format == CONTAINER_OVA) {
		below = "member0";
		ok = add(a, &n, "--blockdev") &&
		     add(a, &n, "driver=raw,node-name=member0,file=file0,"
			 "offset=%llu,size=%llu,read-only=on",
			 (unsigned long long)ci->member_offset,
			 (unsigned long long)ci->member_size);
	}
	ok = ok && add(a, &n, "--blockdev") &&
	     add(a, &n, "driver=%s,node-name=disk0,file=%s,read-only=%s",
		 ci->driver, below, ro) &&
	     add(a, &n, "--export") &&
	     add(a, &n, "type=fuse,id=export0,node-name=disk0,mountpoint=%s,"
		 "writable=%s", mnt, writable ? "on" : "off");
	if (!ok)
		return gpt_fail(why, GPT_E_LIMIT, "%s: path too long for the "
				"qemu-storage-daemon command line", image);
	return GPT_OK;
}
