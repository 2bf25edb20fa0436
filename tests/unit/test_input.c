/*
 * test_input.c — unit tests for input.c's limits: a stream (a device, a
 * FIFO, standard input) is copied only as far as its limits allow and
 * refused at its first over-long line or past its byte limit, with the
 * source named as given ("-" only for standard input); a regular file is
 * used in place whatever its size; what is copied is rewound and whole.
 * ll_input_read_all reads /dev/zero no further than its limit.
 */
#include "unit.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ledgerline/input.h"
#include "ledgerline/status.h"

#include "fixture.h"

/* A FIFO in a new temporary directory, fed content by a child process. */
struct fifo {
	char dir[64];
	char path[96];
	pid_t child;
};

static void fifo_feed(struct fifo *f, const char *content, size_t len)
{
	assert_true(tmp_dir_make(f->dir, sizeof(f->dir), "input"));
	tmp_path(f->dir, "fifo", f->path, sizeof(f->path));
	assert_int_equal(mkfifo(f->path, 0600), 0);
	f->child = fork();
	assert_true(f->child >= 0);
	if (f->child == 0) {
		int fd = open(f->path, O_WRONLY);
		size_t off = 0;

		while (fd >= 0 && off < len) {
			ssize_t k = write(fd, content + off, len - off);

			if (k <= 0)
				break;
			off += (size_t)k;
		}
		_exit(0);
	}
}

static void fifo_done(struct fifo *f)
{
	int st;

	unlink(f->path);
	rmdir(f->dir);
	kill(f->child, SIGKILL);
	waitpid(f->child, &st, 0);
}

static char *lines_with_long_third(size_t long_len, size_t *len)
{
	char *s = malloc(long_len + 16);

	assert_non_null(s);
	memcpy(s, "a\nbb\n", 5);
	memset(s + 5, 'x', long_len);
	s[5 + long_len] = '\n';
	memcpy(s + 6 + long_len, "ok\n", 3);
	*len = long_len + 9;
	return s;
}

static void test_dev_zero_stops_at_the_line_limit(void **state)
{
	struct ll_error err;
	int fd = 123;

	(void)state;
	ll_error_clear(&err);
	assert_int_equal(ll_input_open("/dev/zero", UINT64_C(1) << 40, 4096,
				       &fd, &err),
			 LL_INVALID);
	assert_int_equal(fd, -1);
	assert_string_equal(err.source, "/dev/zero");
	assert_int_equal(err.line, 1);
	assert_string_equal(err.text, "line longer than 4096 bytes");
}

static void test_dev_zero_stops_at_the_byte_limit(void **state)
{
	struct ll_error err;
	char *text = NULL;
	size_t len = 0;
	int fd = 123;

	(void)state;
	ll_error_clear(&err);
	assert_int_equal(ll_input_open("/dev/zero", 1 << 20, 0, &fd, &err),
			 LL_INVALID);
	assert_int_equal(fd, -1);
	assert_string_equal(err.source, "/dev/zero");
	assert_string_equal(err.text,
			    "larger than the limit of 1048576 bytes");
	ll_error_clear(&err);
	assert_int_equal(ll_input_read_all("/dev/zero", 1 << 20, &text, &len,
					   &err),
			 LL_INVALID);
	assert_null(text);
	assert_string_equal(err.source, "/dev/zero");
	assert_string_equal(err.text,
			    "larger than the limit of 1048576 bytes");
}

static void test_fifo_line_limit_exact(void **state)
{
	struct ll_error err;
	struct fifo f;
	size_t len;
	char *s;
	int fd = -1;

	(void)state;
	/* 100 bytes: at the limit, copied whole */
	s = lines_with_long_third(100, &len);
	fifo_feed(&f, s, len);
	ll_error_clear(&err);
	assert_int_equal(ll_input_open(f.path, 1 << 20, 100, &fd, &err),
			 LL_OK);
	{
		char *back = malloc(len + 1);
		ssize_t k;

		assert_non_null(back);
		k = read(fd, back, len + 1);
		assert_int_equal(k, (ssize_t)len);
		assert_memory_equal(back, s, len);
		free(back);
	}
	close(fd);
	fifo_done(&f);
	free(s);
	/* 101 bytes: refused at line 3, named by its path */
	s = lines_with_long_third(101, &len);
	fifo_feed(&f, s, len);
	ll_error_clear(&err);
	assert_int_equal(ll_input_open(f.path, 1 << 20, 100, &fd, &err),
			 LL_INVALID);
	assert_string_equal(err.source, f.path);
	assert_int_equal(err.line, 3);
	assert_string_equal(err.text, "line longer than 100 bytes");
	fifo_done(&f);
	free(s);
}

static void test_stdin_is_named_dash(void **state)
{
	struct ll_error err;
	struct fifo f;
	size_t len;
	char *s = lines_with_long_third(5000, &len);
	int saved = dup(STDIN_FILENO), in, fd = -1;

	(void)state;
	assert_true(saved >= 0);
	fifo_feed(&f, s, len);
	in = open(f.path, O_RDONLY);
	assert_true(in >= 0);
	assert_int_equal(dup2(in, STDIN_FILENO), STDIN_FILENO);
	close(in);
	ll_error_clear(&err);
	assert_int_equal(ll_input_open("-", 1 << 20, 4096, &fd, &err),
			 LL_INVALID);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	assert_string_equal(err.source, "-");
	assert_int_equal(err.line, 3);
	fifo_done(&f);
	free(s);
}

static void test_regular_file_is_used_in_place(void **state)
{
	char path[] = "/tmp/ll-test-input-XXXXXX";
	struct ll_error err;
	char buf[64];
	int w = mkstemp(path), fd = -1;

	(void)state;
	assert_true(w >= 0);
	/* larger than the copy limit, a line longer than the line limit:
	 * neither applies to a file read in place (the log reader checks
	 * its lines) */
	assert_int_equal(write(w, "0123456789abcdef\n", 17), 17);
	close(w);
	ll_error_clear(&err);
	assert_int_equal(ll_input_open(path, 4, 4, &fd, &err), LL_OK);
	assert_int_equal(read(fd, buf, sizeof(buf)), 17);
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dev_zero_stops_at_the_line_limit),
		cmocka_unit_test(test_dev_zero_stops_at_the_byte_limit),
		cmocka_unit_test(test_fifo_line_limit_exact),
		cmocka_unit_test(test_stdin_is_named_dash),
		cmocka_unit_test(test_regular_file_is_used_in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
