// SPDX-License-Identifier: MIT
/* qemu-storage-daemon as a child process: argv built here (no shell),
 * readiness polled with a deadline (the mountpoint turns into a FUSE mount:
 * its st_dev changes), teardown on every path. */
#include "qsd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qsd_args.h"

#define QSD_PROGRAM "qemu-storage-daemon"
#define QSD_READY_MS 30000
#define QSD_STOP_MS 30000
#define QSD_POLL_MS 10
#define QSD_EXEC_FAILED 127
#define QSD_LIVE_MAX 64

/* Running exports, for the signal handler. */
static struct qsd_export *volatile live[QSD_LIVE_MAX];

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char full[PATH_MAX];

	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(full, sizeof(full), "%.*s/%s", (int)n, p, prog);
		if (n && access(full, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

/* What must be on this machine before a daemon is started. */
static enum gpt_status check_prerequisites(struct gpt_reason *why)
{
	struct stat st;

	if (!in_path(QSD_PROGRAM))
		return gpt_fail(why, GPT_E_ARG, "containers need "
				QSD_PROGRAM " (Debian package "
				"qemu-system-common), not found in PATH");
	/* root opens /dev/fuse itself; a user goes through the set-uid
	 * fusermount3, which does. */
	errno = 0;
	if (stat("/dev/fuse", &st) != 0 || !S_ISCHR(st.st_mode) ||
	    (geteuid() == 0 && access("/dev/fuse", R_OK | W_OK) != 0))
		return gpt_fail(why, GPT_E_ARG, "containers need the kernel's "
				"FUSE device /dev/fuse: %s (modprobe fuse; in "
				"a container, give it /dev/fuse)",
				errno ? strerror(errno) : "not a device");
	if (geteuid() != 0 && !in_path("fusermount3"))
		return gpt_fail(why, GPT_E_ARG, "containers need fusermount3 "
				"to mount as a user (Debian package fuse3), "
				"not found in PATH");
	return GPT_OK;
}

/* Keep the daemon's last words: the tail of what it wrote to stderr. */
static void drain_err(struct qsd_export *x)
{
	char buf[256];
	size_t have = strlen(x->err);
	ssize_t n;

	while ((n = read(x->err_fd, buf, sizeof(buf))) > 0) {
		size_t add = (size_t)n, keep = sizeof(x->err) - 1;

		if (have + add > keep) {
			size_t drop = have + add - keep;

			drop = drop > have ? have : drop;
			memmove(x->err, x->err + drop, have - drop);
			have -= drop;
			if (add > keep - have)
				add = keep - have;
		}
		memcpy(x->err + have, buf + (size_t)n - add, add);
		have += add;
		x->err[have] = '\0';
	}
}

static void register_live(struct qsd_export *x, bool on)
{
	for (size_t i = 0; i < QSD_LIVE_MAX; i++)
		if (on ? !live[i] : live[i] == x) {
			live[i] = on ? x : NULL;
			return;
		}
}

static bool mounted(const struct qsd_export *x)
{
	struct stat st;

	/* A mount whose daemon died answers ENOTCONN: still mounted. */
	if (stat(x->mountpoint, &st) != 0)
		return errno == ENOTCONN;
	return st.st_dev != x->dir_dev;
}

/* Async-signal-safe: the signal handler's teardown too. */
static void remove_mountpoint(struct qsd_export *x)
{
	if (unlink(x->mountpoint) != 0 && errno == EBUSY) {
		(void)umount2(x->mountpoint, MNT_DETACH);
		(void)unlink(x->mountpoint);
	}
	(void)rmdir(x->dir);
}

static void exec_daemon(char *const *argv, int err_fd, pid_t parent)
{
	int null = open("/dev/null", O_RDWR);

	/* Die with gptrim, even of SIGKILL: SIGTERM makes the daemon
	 * unmount and close the image. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(QSD_EXEC_FAILED);
	(void)setpgid(0, 0);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	dup2(err_fd, STDERR_FILENO);
	execvp(argv[0], argv);
	dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(QSD_EXEC_FAILED);
}

static enum gpt_status spawn(struct qsd_export *x, char *const *argv,
			     struct gpt_reason *why)
{
	pid_t parent = getpid();
	int p[2];

	if (pipe2(p, O_CLOEXEC) != 0)
		return gpt_fail(why, GPT_E_IO, "pipe: %s", strerror(errno));
	x->pid = fork();
	if (x->pid == 0)
		exec_daemon(argv, p[1], parent);
	close(p[1]);
	if (x->pid < 0) {
		close(p[0]);
		x->pid = 0;
		return gpt_fail(why, GPT_E_IO, "fork: %s", strerror(errno));
	}
	x->err_fd = p[0];
	fcntl(x->err_fd, F_SETFL, O_NONBLOCK);
	register_live(x, true);
	return GPT_OK;
}

/* Why the daemon gave up, from its own words. */
static enum gpt_status refused(const struct qsd_export *x, const char *image,
			       const char *driver, int status,
			       struct gpt_reason *why)
{
	const char *last = x->err;

	if (strstr(x->err, " lock"))
		return gpt_fail(why, GPT_E_UNSUPPORTED, "%s is in use: another "
				"process holds QEMU's lock on it (a running "
				"VM, or the image given twice?); nothing "
				"written", image);
	if (WIFEXITED(status) && WEXITSTATUS(status) == QSD_EXEC_FAILED)
		return gpt_fail(why, GPT_E_ARG, "cannot run " QSD_PROGRAM
				" (Debian package qemu-system-common): %s",
				x->err);
	/* The first line names the failed option and the reason. */
	return gpt_fail(why, GPT_E_UNSUPPORTED, "%s: QEMU's %s driver cannot "
			"open it: %.*s", image, driver,
			(int)strcspn(last, "\n"), last);
}

static enum gpt_status wait_ready(struct qsd_export *x, const char *image,
				  const char *driver, struct gpt_reason *why)
{
	int64_t deadline = now_ms() + QSD_READY_MS;
	struct pollfd pfd = { .fd = x->err_fd, .events = POLLIN };
	int status;

	for (;;) {
		if (waitpid(x->pid, &status, WNOHANG) == x->pid) {
			drain_err(x);
			register_live(x, false);
			x->pid = 0;
			return refused(x, image, driver, status, why);
		}
		if (mounted(x))
			return GPT_OK;
		if (now_ms() > deadline)
			return gpt_fail(why, GPT_E_IO, QSD_PROGRAM " did not "
					"export %s within %d s", image,
					QSD_READY_MS / 1000);
		if (poll(&pfd, 1, QSD_POLL_MS) > 0)
			drain_err(x);
	}
}

static enum gpt_status make_mountpoint(struct qsd_export *x,
				       struct gpt_reason *why)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;
	int fd, n;

	tmp = tmp && *tmp ? tmp : "/tmp";
	n = snprintf(x->dir, sizeof(x->dir), "%s/gptrim-export.XXXXXX", tmp);
	if (n < 0 || (size_t)n >= sizeof(x->dir))
		return gpt_fail(why, GPT_E_LIMIT, "TMPDIR %s: too long", tmp);
	if (!mkdtemp(x->dir) || stat(x->dir, &st) != 0)
		return gpt_fail(why, GPT_E_IO, "cannot make a directory for "
				"the export in %s: %s", tmp,
				strerror(errno));
	x->dir_dev = st.st_dev;
	snprintf(x->mountpoint, sizeof(x->mountpoint), "%s/disk", x->dir);
	fd = open(x->mountpoint, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		rmdir(x->dir);
		return gpt_fail(why, GPT_E_IO, "cannot make %s: %s",
				x->mountpoint, strerror(errno));
	}
	close(fd);
	return GPT_OK;
}

enum gpt_status qsd_start(struct qsd_export *x, const char *image,
			  const struct container_info *ci, bool writable,
			  struct gpt_reason *why)
{
	struct qsd_args args;
	enum gpt_status rc;

	memset(x, 0, sizeof(*x));
	x->err_fd = -1;
	rc = check_prerequisites(why);
	if (rc == GPT_OK)
		rc = make_mountpoint(x, why);
	if (rc != GPT_OK)
		return rc;
	rc = qsd_args_build(&args, QSD_PROGRAM, image, ci, x->mountpoint,
			    writable, why);
	if (rc == GPT_OK)
		rc = spawn(x, args.argv, why);
	if (rc == GPT_OK)
		rc = wait_ready(x, image, ci->driver, why);
	if (rc != GPT_OK) {
		struct gpt_reason ignored;

		(void)qsd_stop(x, &ignored);
	}
	return rc;
}

/* SIGTERM, and SIGKILL when it does not exit in time. */
static int stop_daemon(struct qsd_export *x)
{
	int64_t deadline = now_ms() + QSD_STOP_MS;
	int status = 0;

	kill(x->pid, SIGTERM);
	while (waitpid(x->pid, &status, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(x->pid, SIGKILL);
			waitpid(x->pid, &status, 0);
			break;
		}
		if (x->err_fd >= 0) {
			struct pollfd pfd = { .fd = x->err_fd, .events = POLLIN };

			if (poll(&pfd, 1, QSD_POLL_MS) > 0)
				drain_err(x);
		}
	}
	return status;
}

enum gpt_status qsd_stop(struct qsd_export *x, struct gpt_reason *why)
{
	enum gpt_status rc = GPT_OK;

	if (x->pid > 0) {
		int status = stop_daemon(x);

		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = gpt_fail(why, GPT_E_IO, QSD_PROGRAM " did not "
				      "close the image cleanly (%s %d): %s",
				      WIFEXITED(status) ? "exit status"
							: "signal",
				      WIFEXITED(status) ? WEXITSTATUS(status)
							: WTERMSIG(status),
				      x->err);
		register_live(x, false);
		x->pid = 0;
	}
	if (x->err_fd >= 0)
		close(x->err_fd);
	x->err_fd = -1;
	if (x->dir[0] && mounted(x))
		(void)umount2(x->mountpoint, MNT_DETACH);
	if (x->dir[0] && mounted(x) && rc == GPT_OK)
		rc = gpt_fail(why, GPT_E_IO, "%s is still mounted after "
			      QSD_PROGRAM " stopped: fusermount3 -u -z %s",
			      x->mountpoint, x->mountpoint);
	if (x->dir[0])
		remove_mountpoint(x);
	x->dir[0] = '\0';
	return rc;
}

static void teardown_on_signal(int sig)
{
	for (size_t i = 0; i < QSD_LIVE_MAX; i++) {
		struct qsd_export *x = live[i];

		if (!x || x->pid <= 0)
			continue;
		kill(x->pid, SIGTERM);
		while (waitpid(x->pid, NULL, 0) < 0 && errno == EINTR)
			;
		remove_mountpoint(x);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void qsd_install_signal_teardown(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = teardown_on_signal;
	sigfillset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}
