#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include "cpm.h"

/* rte_errno is a per-lcore thread-local: FFM cannot read it, so it is returned by value. */
int cpm_rte_errno(void)
{
	return rte_errno;
}

unsigned int cpm_lcore_id(void)
{
	return rte_lcore_id();
}

/*
 * Keeps the lines worth showing: everything but the usage text DPDK prints on bad options.
 * Works on a length, not a NUL: the text is a read-only mapping of exactly its size, so there is
 * no byte after it to terminate (a mapping that ends on a page boundary has none at all).
 */
static void filter_output(const char *text, size_t size, FILE *replay, char *diag, unsigned int diag_len,
			  int failed)
{
	const char *line = text;
	const char *stop = text + size;
	unsigned int used = 0;
	int in_usage = 0;

	while (line < stop) {
		const char *end = memchr(line, '\n', (size_t)(stop - line));
		size_t len = end ? (size_t)(end - line) : (size_t)(stop - line);

		if (len >= 6 && strncmp(line, "Usage:", 6) == 0)
			in_usage = 1;
		else if (in_usage && len >= 5 && strncmp(line, "EAL: ", 5) == 0)
			in_usage = 0;
		if (!in_usage && len > 0) {
			fprintf(replay, "%.*s\n", (int)len, line);
			if (failed && used + len + 2 < diag_len) {
				memcpy(diag + used, line, len);
				used += len;
				diag[used++] = '\n';
			}
		}
		if (!end)
			break;
		line = end + 1;
	}
	if (diag_len > 0)
		diag[used < diag_len ? used : diag_len - 1] = '\0';
}

int cpm_eal_replay(int fd, int failed, char *diag, unsigned int diag_len)
{
	off_t size = lseek(fd, 0, SEEK_END);
	FILE *replay;
	char *text;

	if (diag_len > 0)
		diag[0] = '\0';
	if (size <= 0)
		return 0;
	text = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (text == MAP_FAILED)
		return -1;
	replay = fdopen(dup(2), "w");
	if (replay) {
		filter_output(text, (size_t)size, replay, diag, diag_len, failed);
		fclose(replay);
	}
	munmap(text, (size_t)size);
	return 0;
}

int cpm_eal_init(int argc, char **argv, char *diag, unsigned int diag_len)
{
	int capture, saved_out, saved_err, ret, err;

	if (diag_len > 0)
		diag[0] = '\0';
	/* DPDK and getopt write straight to fds 1 and 2: point both at a memfd for the call. */
	capture = memfd_create("cpumapd-eal-init", MFD_CLOEXEC);
	if (capture < 0)
		return rte_eal_init(argc, argv);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(capture, 1);
	dup2(capture, 2);

	ret = rte_eal_init(argc, argv);
	err = rte_errno;

	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);

	cpm_eal_replay(capture, ret < 0, diag, diag_len);
	close(capture);
	rte_errno = err;
	return ret;
}
