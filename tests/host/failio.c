// SPDX-License-Identifier: MIT
/* LD_PRELOAD shim for the host adapter's error paths; built by faults.sh.
 * Only descriptors opened on the path in FAILIO_PATH are affected.
 *   FAILIO_WRITE=N   the Nth pwrite fails with EIO (1-based)
 *   FAILIO_FSYNC=N   the Nth fsync fails with EIO
 *   FAILIO_SHORT=1   pread/pwrite move at most 100 bytes per call
 *   FAILIO_EINTR=1   every other pread/pwrite fails with EINTR first */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned int writes, fsyncs, calls;

static long env_num(const char *name)
{
	const char *v = getenv(name);

	return v ? strtol(v, NULL, 10) : 0;
}

/* Is fd the file named by FAILIO_PATH? */
static int target(int fd)
{
	const char *p = getenv("FAILIO_PATH");
	struct stat a, b;

	return p && fstat(fd, &a) == 0 && stat(p, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static size_t shorten(size_t n)
{
	return env_num("FAILIO_SHORT") && n > 100 ? 100 : n;
}

static int interrupt(void)
{
	if (env_num("FAILIO_EINTR") && (calls++ % 2) == 0) {
		errno = EINTR;
		return 1;
	}
	return 0;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t, off_t))
			dlsym(RTLD_NEXT, "pwrite");
	if (target(fd)) {
		if (interrupt())
			return -1;
		if (++writes == env_num("FAILIO_WRITE")) {
			errno = EIO;
			return -1;
		}
		n = shorten(n);
	}
	return real(fd, buf, n, off);
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
	__attribute__((alias("pwrite")));

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, void *, size_t, off_t);

	if (!real)
		real = (ssize_t (*)(int, void *, size_t, off_t))
			dlsym(RTLD_NEXT, "pread");
	if (target(fd)) {
		if (interrupt())
			return -1;
		n = shorten(n);
	}
	return real(fd, buf, n, off);
}
ssize_t pread64(int fd, void *buf, size_t n, off_t off)
	__attribute__((alias("pread")));

int fsync(int fd)
{
	static int (*real)(int);

	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	if (target(fd) && ++fsyncs == env_num("FAILIO_FSYNC")) {
		errno = EIO;
		return -1;
	}
	return real(fd);
}
