// SPDX-License-Identifier: MIT
/* Backup files: written so that a crash leaves either no file or a whole
 * one (temporary file, fsync, rename, fsync of the directory), and so that
 * an earlier backup is never replaced: the first backup of a disk is the
 * one that matters most. */
#include "backup_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blockdev_posix.h"
#include "guid.h"

#define NAME_TRIES 100u /* NAME.gpt, NAME.1.gpt ... NAME.99.gpt */

static enum gpt_status fd_write_all(int fd, const uint8_t *p, size_t len,
				 const char *what, struct gpt_reason *why)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return gpt_fail(why, GPT_E_IO, "writing %s failed: %s",
					what, n < 0 ? strerror(errno)
						    : "no progress");
		p += n;
		len -= (size_t)n;
	}
	return GPT_OK;
}

/* 1: name holds exactly data; 0: it exists with other content, is not a
 * regular file or cannot be read (use another name); -1: no such file. */
static int same_content(int dirfd, const char *name, const uint8_t *data,
			size_t len)
{
	uint8_t buf[65536];
	struct stat st;
	size_t done = 0;
	int fd, same = 1;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -1 : 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != len)
		same = 0;
	while (same && done < len) {
		size_t want = len - done < sizeof(buf) ? len - done
						       : sizeof(buf);
		ssize_t n = read(fd, buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || memcmp(buf, data + done, (size_t)n) != 0)
			same = 0;
		else
			done += (size_t)n;
	}
	close(fd);
	return same;
}

/* Move tmp to name unless name exists. 0, or -1 with errno (EEXIST when
 * the name was taken). */
static int place_noreplace(int dirfd, const char *tmp, const char *name)
{
	if (renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* The file system cannot rename without replacing: a hard link
	 * fails on an existing name just as well. */
	if (linkat(dirfd, tmp, dirfd, name, 0) == 0)
		return unlinkat(dirfd, tmp, 0);
	if (errno != EPERM && errno != EOPNOTSUPP)
		return -1;
	/* No hard links either (FAT): check, then rename. Only another
	 * writer of the same name in the same instant could be replaced. */
	if (faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	return renameat(dirfd, tmp, dirfd, name);
}

static enum gpt_status write_temp(int dirfd, const char *dir, char *tmp,
				  size_t cap, const uint8_t *data, size_t len,
				  struct gpt_reason *why)
{
	enum gpt_status st;
	int fd = -1;

	for (unsigned int i = 0; fd < 0 && i < NAME_TRIES; i++) {
		snprintf(tmp, cap, ".gptrim-%ld-%u.tmp", (long)getpid(), i);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			    0644);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0)
		return gpt_fail(why, GPT_E_IO, "cannot create a file in %s: %s",
				dir, strerror(errno));
	st = fd_write_all(fd, data, len, "the backup", why);
	if (st == GPT_OK && fsync(fd) != 0)
		st = gpt_fail(why, GPT_E_IO, "syncing the backup failed: %s",
			      strerror(errno));
	if (close(fd) != 0 && st == GPT_OK)
		st = gpt_fail(why, GPT_E_IO, "closing the backup failed: %s",
			      strerror(errno));
	if (st != GPT_OK)
		unlinkat(dirfd, tmp, 0);
	return st;
}

/* NAME.gpt is version 0, NAME.K.gpt version K (1..NAME_TRIES-1, no
 * leading zero): the version of entry name for stem, or -1. */
static int backup_version_of(const char *name, const char *stem)
{
	size_t n = strlen(stem);
	const char *p = name + n;
	int k = 0;

	if (strncmp(name, stem, n) != 0 || *p != '.')
		return -1;
	if (strcmp(p, ".gpt") == 0)
		return 0;
	if (p[1] < '1' || p[1] > '9')
		return -1;
	for (p++; *p >= '0' && *p <= '9' && k < (int)NAME_TRIES; p++)
		k = k * 10 + (*p - '0');
	return k < (int)NAME_TRIES && strcmp(p, ".gpt") == 0 ? k : -1;
}

/* The highest version of stem's backups in the directory: the newest, as
 * each backup is saved one above the highest (-1: none). */
static int newest_version(int dirfd, const char *stem)
{
	int fd = dup(dirfd), newest = -1;
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;

	if (!dir) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(dir);
	while ((e = readdir(dir)) != NULL) {
		int k = backup_version_of(e->d_name, stem);

		if (k > newest)
			newest = k;
	}
	closedir(dir);
	return newest;
}

/* stem.gpt for k = 0, else stem.k.gpt; false when it does not fit cap
 * (a cut name would be another file's). */
static bool version_name(char *name, size_t cap, const char *stem, int k)
{
	int n = k == 0 ? snprintf(name, cap, "%s.gpt", stem) :
			 snprintf(name, cap, "%s.%d.gpt", stem, k);

	return n >= 0 && (size_t)n < cap;
}

/* Put the temporary file one version above the newest backup, so that the
 * highest version is always the newest (--undo takes it); when the newest
 * already holds the same bytes, keep it instead: backups live outside the
 * image, and an image copied back and run again would pile up copies of one
 * table. (The ESP's backups live on the disk and go back with it, so
 * efi/esp.c always makes a new file.) name receives the final name. */
static enum gpt_status rename_as_next_version(int dirfd, const char *dir,
				    const char *tmp, const char *stem,
				    const uint8_t *data, size_t len,
				    char *name, size_t cap, bool *existed,
				    struct gpt_reason *why)
{
	int err = 0, k = 0;

	for (unsigned int tries = 0; tries < NAME_TRIES; tries++) {
		int newest = newest_version(dirfd, stem);

		if (newest >= 0 && !version_name(name, cap, stem, newest)) {
			err = ENAMETOOLONG;
			break;
		}
		if (newest >= 0) {
			if (same_content(dirfd, name, data, len) == 1) {
				*existed = true;
				unlinkat(dirfd, tmp, 0);
				return GPT_OK;
			}
		}
		k = newest + 1;
		if (k >= (int)NAME_TRIES)
			break;
		if (!version_name(name, cap, stem, k)) {
			err = ENAMETOOLONG;
			break;
		}
		if (place_noreplace(dirfd, tmp, name) == 0)
			return GPT_OK;
		err = errno;
		if (err != EEXIST)
			break;
		/* Taken meanwhile: look again. */
	}
	unlinkat(dirfd, tmp, 0);
	return gpt_fail(why, GPT_E_IO, "cannot save %s/%s: %s", dir, name,
			k >= (int)NAME_TRIES ? "too many backups of this disk"
					     : strerror(err));
}

/* Where the backups of disk go: the directory (--backup-dir, or the
 * image's; dirbuf holds it when it is the image's), opened as *dirfd (the
 * caller closes it), and the name stem IMAGE-BASENAME.DISK-GUID. */
static enum gpt_status backup_where(const struct backup_ctx *b,
				    const struct gpt_guid *disk,
				    char dirbuf[PATH_MAX], const char **dir,
				    char stem[NAME_MAX + 1], int *dirfd,
				    struct gpt_reason *why)
{
	char basebuf[PATH_MAX], guid[GUID_STRING_LEN + 1];

	snprintf(dirbuf, PATH_MAX, "%s", b->image);
	snprintf(basebuf, sizeof(basebuf), "%s", b->image);
	*dir = b->dir ? b->dir : dirname(dirbuf);
	guid_format(disk, guid);
	if ((size_t)snprintf(stem, NAME_MAX + 1, "%s.%s", basename(basebuf),
			     guid) >= NAME_MAX + 1 - 8)
		return gpt_fail(why, GPT_E_LIMIT, "backup name for %s too long",
				b->image);
	*dirfd = open(*dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return gpt_fail(why, GPT_E_IO, "backup directory %s: %s", *dir,
				strerror(errno));
	return GPT_OK;
}

enum gpt_status backup_save(void *ctx, const struct gpt_guid *disk,
			    const uint8_t *data, size_t len,
			    struct gpt_reason *why)
{
	const struct backup_ctx *b = ctx;
	char dirbuf[PATH_MAX], stem[NAME_MAX + 1], tmp[64];
	char name[NAME_MAX + 16];
	const char *dir;
	bool existed = false;
	enum gpt_status st;
	int dirfd;

	st = backup_where(b, disk, dirbuf, &dir, stem, &dirfd, why);
	if (st != GPT_OK)
		return st;
	st = write_temp(dirfd, dir, tmp, sizeof(tmp), data, len, why);
	if (st == GPT_OK)
		st = rename_as_next_version(dirfd, dir, tmp, stem, data, len, name,
				  sizeof(name), &existed, why);
	if (st == GPT_OK && fsync(dirfd) != 0)
		st = gpt_fail(why, GPT_E_IO, "syncing directory %s failed: %s",
			      dir, strerror(errno));
	close(dirfd);
	if (st == GPT_OK) {
		/* Straight to the sink: report_line wraps at 79 columns
		 * for the firmware console and would cut the path. */
		char text[PATH_MAX + NAME_MAX + 64];

		snprintf(text, sizeof(text), "  Backup %s %s/%s (%zu bytes)",
			 existed ? "already saved as" : "saved to", dir, name,
			 len);
		b->out->line(b->out->ctx, REPORT_NOTE, text);
	}
	return st;
}

enum gpt_status backup_read(const char *path, uint8_t **data, size_t *len,
			    struct gpt_reason *why)
{
	enum gpt_status st = GPT_OK;
	struct stat st_buf;
	uint8_t *buf;
	size_t got = 0;
	int fd;

	*data = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gpt_fail(why, posix_status_for_errno(errno),
				"cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st_buf) != 0 || !S_ISREG(st_buf.st_mode)) {
		close(fd);
		return gpt_fail(why, GPT_E_ARG, "%s is not a regular file",
				path);
	}
	/* One byte more than allowed tells a too large file from a full
	 * one, whatever fstat said. */
	buf = malloc(GPT_BACKUP_MAX_BYTES + 1);
	if (!buf) {
		close(fd);
		return gpt_fail(why, GPT_E_NOMEM, "no memory to read %s", path);
	}
	while (got <= GPT_BACKUP_MAX_BYTES) {
		ssize_t n = read(fd, buf + got,
				 GPT_BACKUP_MAX_BYTES + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			st = gpt_fail(why, GPT_E_IO, "reading %s failed: %s",
				      path, strerror(errno));
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (st == GPT_OK && got > GPT_BACKUP_MAX_BYTES)
		st = gpt_fail(why, GPT_E_LIMIT,
			      "%s is larger than a GPT backup can be (%u bytes)",
			      path, GPT_BACKUP_MAX_BYTES);
	if (st != GPT_OK) {
		free(buf);
		return st;
	}
	*data = buf;
	*len = got;
	return GPT_OK;
}

enum gpt_status backup_load_newest(void *ctx, const struct gpt_guid *disk,
				   uint8_t **data, size_t *len,
				   struct gpt_reason *why)
{
	const struct backup_ctx *b = ctx;
	char dirbuf[PATH_MAX], stem[NAME_MAX + 1], name[NAME_MAX + 16];
	char path[PATH_MAX + NAME_MAX + 16], text[sizeof(path) + 64];
	const char *dir;
	enum gpt_status st;
	int dirfd, k;

	*data = NULL;
	*len = 0;
	st = backup_where(b, disk, dirbuf, &dir, stem, &dirfd, why);
	if (st != GPT_OK)
		return st;
	k = newest_version(dirfd, stem);
	close(dirfd);
	if (k < 0)
		return gpt_fail(why, GPT_E_MISMATCH, "no gptrim backup of disk "
				"%s in %s (%s.gpt, %s.N.gpt): nothing to undo",
				guid_str(disk).s, dir, stem, stem);
	if (!version_name(name, sizeof(name), stem, k))
		return gpt_fail(why, GPT_E_IO, "the name of backup %d of %s "
				"is too long", k, stem);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	st = backup_read(path, data, len, why);
	if (st != GPT_OK)
		return st;
	/* Straight to the sink, as backup_save: a path is not wrapped. */
	snprintf(text, sizeof(text), "  Newest backup: %s (%zu bytes)", path,
		 *len);
	b->out->line(b->out->ctx, REPORT_INFO, text);
	return GPT_OK;
}

void backup_free(void *ctx, uint8_t *data, size_t len)
{
	(void)ctx;
	(void)len;
	free(data);
}
