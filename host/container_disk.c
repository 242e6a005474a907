// SPDX-License-Identifier: MIT
/* The rules before a container is exported, and the export itself. Every
 * refusal happens before the daemon is started and writes nothing. */
#include "container_disk.h"

#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define DIR_ENTRIES_MAX 4096u
#define NAMES_MAX 8u

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void dir_of(const char *path, char *out, size_t cap)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(out, cap, "%s", dirname(tmp));
}

/* Read-only formats: the way to a writable copy and back, and its cost. */
static enum gpt_status refuse_read_only(struct container_disk *c,
					const char *path,
					struct gpt_reason *why)
{
	const char *src = path;
	char member[CONTAINER_NAME_MAX + 64] = "";

	if (c->ci.format == CONTAINER_OVA) {
		snprintf(member, sizeof(member), "  tar -xf %s %s   # the "
			 "disk inside the OVA\n", path, c->ci.member);
		src = c->ci.member;
	}
	snprintf(c->hint, sizeof(c->hint),
		 "QEMU cannot write %s in place. To fix it, make a writable "
		 "copy, fix that, and convert it back:\n%s"
		 "  qemu-img convert -f vmdk -O vmdk -o subformat=monolithicSparse"
		 " %s work.vmdk\n"
		 "  gptrim --apply work.vmdk\n"
		 "  qemu-img convert -f vmdk -O vmdk -o subformat=streamOptimized"
		 " work.vmdk fixed.vmdk\n"
		 "This costs a full read and a re-compression of the disk, and "
		 "gives a new file with other bytes%s.", c->ci.what, member, src,
		 c->ci.format == CONTAINER_OVA ?
			 ": the OVA must be packed again, with the VMDK's size "
			 "in the OVF and its digest in the .mf updated" : "");
	return gpt_fail(why, GPT_E_ARG, "%s is %s (%s): report only; --apply "
			"refused, nothing written", path, c->ci.what,
			c->ci.format == CONTAINER_OVA ? "a tar archive"
						      : "compressed grains");
}

static enum gpt_status refuse_chain(const struct container_disk *c,
				    const char *path, struct gpt_reason *why)
{
	if (c->ci.snapshots)
		return gpt_fail(why, GPT_E_ARG, "%s has %u internal snapshot%s: "
				"the change would land in the current state "
				"only, not in the snapshots; give --top-only "
				"to accept that (nothing written)", path,
				c->ci.snapshots, c->ci.snapshots == 1 ? "" : "s");
	return gpt_fail(why, GPT_E_ARG, "%s is %s on top of %s: the change "
			"would land in this top image only, its parent is "
			"opened read-only; give --top-only to accept that "
			"(nothing written)", path, c->ci.what, c->ci.parent);
}

/* VMware keeps NAME.lck directories beside the files of a disk a VM has
 * open. */
static enum gpt_status check_vmware_lock(const struct container_disk *c,
					 const char *path,
					 struct gpt_reason *why)
{
	char dir[PATH_MAX], lck[PATH_MAX * 2];
	struct stat st;

	dir_of(path, dir, sizeof(dir));
	for (uint32_t i = 0; i <= c->ci.nextents; i++) {
		const char *f = i == c->ci.nextents ? base_of(path)
						    : c->ci.extents[i];

		snprintf(lck, sizeof(lck), "%s/%s.lck", dir, base_of(f));
		if (lstat(lck, &st) == 0)
			return gpt_fail(why, GPT_E_UNSUPPORTED, "%s is in use: "
					"VMware's lock %s exists (a VM has the "
					"disk open); nothing written", path,
					lck);
	}
	return GPT_OK;
}

/* Calls fn on the identified files of path's directory other than path;
 * stops when fn returns true and gives that file's name in hit. */
static bool scan_dir(const char *path, char *hit, size_t cap,
		     bool (*fn)(const struct container_info *, const char *,
				void *), void *arg)
{
	char dir[PATH_MAX], full[PATH_MAX * 2];
	struct container_info ci;
	struct gpt_reason ignored;
	struct dirent *e;
	uint32_t n = 0;
	bool found = false;
	DIR *d;

	dir_of(path, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && n++ < DIR_ENTRIES_MAX && (e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, base_of(path)))
			continue;
		snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
		if (container_identify(full, &ci, &ignored) == GPT_OK &&
		    (ci.format == CONTAINER_VMDK ||
		     ci.format == CONTAINER_QCOW2) && fn(&ci, e->d_name, arg)) {
			snprintf(hit, cap, "%s", full);
			found = true;
		}
	}
	closedir(d);
	return found;
}

struct names {
	const char *name[NAMES_MAX];
	char store[NAMES_MAX][CONTAINER_NAME_MAX];
	uint32_t n;
};

/* A descriptor that lists the given file as an extent is its disk too. */
static bool lists_extent(const struct container_info *ci, const char *name,
			 void *arg)
{
	struct names *nm = arg;

	for (uint32_t i = 0; i < ci->nextents && nm->n < NAMES_MAX; i++)
		if (!strcmp(base_of(ci->extents[i]), nm->name[0])) {
			snprintf(nm->store[nm->n], CONTAINER_NAME_MAX, "%s",
				 name);
			nm->name[nm->n] = nm->store[nm->n];
			nm->n++;
		}
	return false; /* look at every file */
}

static bool names_as_parent(const struct container_info *ci,
			    const char *name, void *arg)
{
	const struct names *nm = arg;

	(void)name;
	for (uint32_t i = 0; ci->has_parent && i < nm->n; i++)
		if (!strcmp(base_of(ci->parent), nm->name[i]))
			return true;
	return false;
}

/* An image that a snapshot delta or overlay in the same directory names
 * as its parent (a VMDK's parentFileNameHint, a qcow2's backing file):
 * writing it changes what the child shows wherever the child has no data
 * of its own. */
static enum gpt_status check_not_parent(const char *path,
					struct gpt_reason *why)
{
	struct names nm = { .name = { base_of(path) }, .n = 1 };
	char hit[PATH_MAX * 2];

	(void)scan_dir(path, hit, sizeof(hit), lists_extent, &nm);
	if (scan_dir(path, hit, sizeof(hit), names_as_parent, &nm))
		return gpt_fail(why, GPT_E_UNSUPPORTED, "%s is the parent of "
				"the snapshot delta %s: writing it would change "
				"what the delta shows; delete, consolidate or "
				"commit the deltas first; nothing written", path,
				hit);
	return GPT_OK;
}

static enum gpt_status check_rules(struct container_disk *c, const char *path,
				   const struct container_request *req,
				   struct gpt_reason *why)
{
	enum gpt_status rc;
	struct stat st;

	if (c->ci.read_only)
		return refuse_read_only(c, path, why);
	if ((c->ci.has_parent || c->ci.snapshots) && !req->top_only)
		return refuse_chain(c, path, why);
	/* Locks and snapshot chains are files beside image files. */
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return GPT_OK;
	rc = check_vmware_lock(c, path, why);
	if (rc == GPT_OK)
		rc = check_not_parent(path, why);
	return rc;
}

enum gpt_status container_disk_open(struct container_disk *c,
				    const char *path,
				    const struct container_request *req,
				    struct gpt_reason *why)
{
	enum gpt_status rc;

	memset(c, 0, sizeof(*c));
	rc = container_identify(path, &c->ci, why);
	if (rc == GPT_OK && c->ci.format != CONTAINER_NONE &&
	    c->ci.block_device)
		return gpt_fail(why, GPT_E_ARG, "%s holds %s, not a disk; "
				"gptrim opens containers in files only (or "
				"copy it out: qemu-img convert -O raw)", path,
				c->ci.what);
	/* QEMU's vpc driver reads no parent: the child alone would show
	 * holes where the parent's sectors are. */
	if (rc == GPT_OK && c->ci.format == CONTAINER_VHD && c->ci.has_parent)
		return gpt_fail(why, GPT_E_UNSUPPORTED, "%s is a differencing "
				"VHD: QEMU cannot read its parent, so neither "
				"can gptrim; merge it into its parent first "
				"(nothing written)", path);
	if (rc == GPT_OK && req->writes)
		rc = check_rules(c, path, req, why);
	if (rc != GPT_OK || c->ci.format == CONTAINER_NONE)
		return rc;
	rc = qsd_start(&c->qsd, path, &c->ci, req->writes, why);
	c->exported = rc == GPT_OK;
	return rc;
}

const char *container_disk_path(const struct container_disk *c,
				const char *path)
{
	return c->exported ? c->qsd.mountpoint : path;
}

enum gpt_status container_disk_close(struct container_disk *c,
				     struct gpt_reason *why)
{
	if (!c->exported)
		return GPT_OK;
	c->exported = false;
	return qsd_stop(&c->qsd, why);
}
