/*
 * A native addon that does what no JS guard can see: raw system calls from C.
 * Loaded by tests/escapes/os-attacks/node/native-addon.mjs under a policy that allows
 * addons, so the JS guard and Node's permission model let it load; only the kernel
 * (the OS layer) stands between it and the workspace. It exports { wins, report }.
 */
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int wins = 0;
static char report[8192];

static void note(const char *what, int ok) {
  size_t n = strlen(report);
  if (ok) wins++;
  snprintf(report + n, sizeof(report) - n, "%s: %s\n", what, ok ? "ESCAPED" : strerror(errno));
}

static void path_of(char *out, size_t size, const char *base, const char *rel) {
  snprintf(out, size, "%s/%s", base ? base : "", rel);
}

NAPI_MODULE_INIT() {
  const char *ws = getenv("SLEEVE_WORKSPACE");
  const char *run = getenv("SLEEVE_RUN_DIR");
  const char *outside = getenv("OUTSIDE");
  char p[4096], q[4096], buf[512];
  int fd;
  ssize_t n;

  path_of(p, sizeof p, ws, "data/lakehouse/AAPL.csv");
  fd = open(p, O_WRONLY | O_APPEND);
  note("append to the lakehouse", fd >= 0 && write(fd, "native\n", 7) == 7);
  if (fd >= 0) close(fd);

  path_of(p, sizeof p, ws, "data/lakehouse/native.csv");
  fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
  note("create in the lakehouse", fd >= 0);
  if (fd >= 0) close(fd);

  path_of(p, sizeof p, ws, "data/lakehouse/AAPL.csv");
  errno = 0;
  note("chmod a lakehouse file", chmod(p, 0777) == 0);

  path_of(p, sizeof p, ws, "secrets/token.txt");
  fd = open(p, O_RDONLY);
  n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
  if (fd >= 0) close(fd);
  if (n > 0) {
    path_of(q, sizeof q, run, "loot.txt");
    int out = open(q, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out >= 0) {
      if (write(out, buf, (size_t)n) < 0) n = -1;
      close(out);
    }
  }
  note("read secrets/token.txt", n > 0);

  path_of(p, sizeof p, ws, "data/lakehouse/portfolio_candidates.json");
  fd = open(p, O_RDONLY);
  n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
  if (fd >= 0) close(fd);
  note("read the shared candidates fallback", n > 0);

  path_of(p, sizeof p, outside, "native.txt");
  fd = open(p, O_WRONLY | O_CREAT, 0644);
  note("write next to the workspace", fd >= 0);
  if (fd >= 0) close(fd);

  /* Allowed, and invisible to the guard: its own run dir. Under the OS layer this is the sleeve's. */
  path_of(p, sizeof p, run, "native-own.txt");
  fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    if (write(fd, "mine\n", 5) < 0) wins += 100;
    close(fd);
  } else {
    wins += 100; /* the sleeve's own run dir must stay writable */
  }

  napi_value result, w, r;
  napi_create_object(env, &result);
  napi_create_int32(env, wins, &w);
  napi_create_string_utf8(env, report, NAPI_AUTO_LENGTH, &r);
  napi_set_named_property(env, result, "wins", w);
  napi_set_named_property(env, result, "report", r);
  return result;
}
