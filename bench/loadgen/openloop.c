/*
 * openloop: an open-loop HTTP/1.1 load generator for bench/run.sh (wrk2's model, which Debian does
 * not package).
 *
 * N keep-alive connections share a target rate R: connection i sends its k-th request at the
 * INTENDED time start + i/R + k*N/R (one request in flight per connection, no pipelining). When a
 * response comes late, the next request goes out at once, but its latency is still counted from its
 * intended send time, so queueing delay in the server under test is measured instead of hidden
 * (coordinated omission: a closed-loop tool such as wrk stops sending while the server stalls and so
 * records one slow sample where a real client population would have seen many).
 *
 * Latency = intended send time -> last byte of the response (Content-Length, chunked, or close
 * delimited bodies). Recorded in a log-linear histogram (128 linear sub-buckets per power of two of
 * nanoseconds: < 0.8 % relative error). Only requests whose intended time falls in the measured
 * window (after the warm-up) are recorded. After the window nothing new is sent, but a connection
 * that fell behind still sends its backlog (requests intended inside the window), so that every one
 * of them is measured, with the time it waited; the drain ends when all are answered or after the
 * timeout.
 *
 * Output: one machine-readable line on stdout,
 *   openloop target_rps=.. achieved_rps=.. completed=.. errors=.. non2xx=.. timeouts=.. unsent=..
 *            p50_ms=.. p90_ms=.. p99_ms=.. p999_ms=.. max_ms=.. mean_ms=.. ...
 * where achieved_rps counts responses completed inside the window per second, completed the
 * latencies recorded, errors the requests of the window that got no response (connect errors,
 * resets, timeouts), and unsent the requests of the window still unsent at the drain's deadline (a
 * server far too slow for the rate). max_send_lag_ms is the generator's own lateness: the most a
 * request was sent after its intended time although its connection was free (a saturated load
 * core or a descheduled generator; lateness because the server had not answered the previous
 * request yet is the server's, and is in the latencies). A summary goes to stderr.
 *
 * Build: gcc -O2 -o openloop openloop.c -lm  (Linux: epoll_pwait2 for sub-millisecond timing, or
 *        epoll with a timerfd on kernels before 5.11)
 * Usage: openloop -R RATE [-c CONNECTIONS] [-d SECONDS] [-W WARMUP_S] [-T TIMEOUT_S]
 *                 [-H 'Name: value']... [-m METHOD] [-b BODY_BYTES] URL
 *        URL is http://HOST[:PORT][/PATH]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ time */
static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------ histogram */
#define SUB_BITS 7
#define SUB_COUNT (1u << SUB_BITS)
#define GROUPS 40
static uint64_t hist[GROUPS * SUB_COUNT];
static uint64_t hist_count, hist_max;
static long double hist_sum;

static unsigned hist_index(uint64_t v) {
  if (v < SUB_COUNT) return (unsigned)v;
  unsigned msb = 63u - (unsigned)__builtin_clzll(v);
  unsigned group = msb - SUB_BITS + 1;
  unsigned sub = (unsigned)(v >> (msb - SUB_BITS)) - SUB_COUNT;
  unsigned idx = group * SUB_COUNT + sub;
  return idx < GROUPS * SUB_COUNT ? idx : GROUPS * SUB_COUNT - 1;
}

/* Highest value that maps to bucket idx (HdrHistogram's "highest equivalent value"). */
static uint64_t hist_upper(unsigned idx) {
  unsigned group = idx / SUB_COUNT, sub = idx % SUB_COUNT;
  if (group == 0) return sub;
  uint64_t lower = (uint64_t)(SUB_COUNT + sub) << (group - 1);
  return lower + ((uint64_t)1 << (group - 1)) - 1;
}

static void hist_record(uint64_t v) {
  hist[hist_index(v)]++;
  hist_count++;
  hist_sum += v;
  if (v > hist_max) hist_max = v;
}

static double hist_percentile_ms(double p) {
  if (hist_count == 0) return NAN;
  uint64_t want = (uint64_t)ceil(p / 100.0 * (double)hist_count);
  if (want < 1) want = 1;
  uint64_t seen = 0;
  for (unsigned i = 0; i < GROUPS * SUB_COUNT; i++) {
    seen += hist[i];
    if (seen >= want) {
      uint64_t v = hist_upper(i);
      if (v > hist_max) v = hist_max;
      return (double)v / 1e6;
    }
  }
  return (double)hist_max / 1e6;
}

/* ------------------------------------------------------------------ connections */
enum { C_CLOSED, C_CONNECTING, C_IDLE, C_BUSY };
enum { P_HEAD, P_BODY_LEN, P_BODY_CLOSE, P_CHUNK_SIZE, P_CHUNK_DATA, P_CHUNK_CRLF, P_TRAILER };
#define HEAD_MAX 16384

typedef struct conn {
  int fd, state, heap_pos;
  uint32_t events;        /* what epoll watches for this socket */
  uint64_t wake;          /* heap key: when to send (or reconnect) next */
  uint64_t seq;           /* index of its next request in the whole schedule (i, i+N, i+2N, ...) */
  uint64_t next_intended; /* intended time of that request: start + seq / R */
  uint64_t cur_intended;  /* intended time of the request in flight */
  uint64_t sent_at;       /* when the request in flight was written (timeouts) */
  size_t wpos;            /* bytes of the request written so far */
  /* response parser */
  int pstate, status, close_after, line_len;
  size_t hlen;
  uint64_t remaining;
  char head[HEAD_MAX];
} conn;

static conn *conns;
static int nconns = 16;
static double rate;
static double duration_s = 10, warmup_s = 0, timeout_s = 10;
static uint64_t period_ns; /* per-connection interval between intended send times */
static uint64_t t_start, t_measure, t_end;
static int epfd, tfd = -1, have_pwait2 = 1;
static struct sockaddr_storage addr;
static socklen_t addrlen;
static char *request;
static size_t request_len;
static int draining;

/* counters for the measured window */
static uint64_t completed_in_window, errors, timeouts, non2xx, reconnects, connect_errors, unsent;
static uint64_t max_send_lag;

/* ------------------------------------------------------------------ min-heap of connections by wake */
static conn **heap;
static int heap_n;
static void heap_swap(int a, int b) {
  conn *t = heap[a]; heap[a] = heap[b]; heap[b] = t;
  heap[a]->heap_pos = a; heap[b]->heap_pos = b;
}
static void heap_up(int i) {
  while (i > 0) {
    int p = (i - 1) / 2;
    if (heap[p]->wake <= heap[i]->wake) break;
    heap_swap(p, i); i = p;
  }
}
static void heap_down(int i) {
  for (;;) {
    int l = 2 * i + 1, r = l + 1, m = i;
    if (l < heap_n && heap[l]->wake < heap[m]->wake) m = l;
    if (r < heap_n && heap[r]->wake < heap[m]->wake) m = r;
    if (m == i) break;
    heap_swap(m, i); i = m;
  }
}
static void heap_push(conn *c, uint64_t wake) {
  c->wake = wake;
  if (c->heap_pos >= 0) { heap_up(c->heap_pos); heap_down(c->heap_pos); return; }
  c->heap_pos = heap_n; heap[heap_n++] = c; heap_up(c->heap_pos);
}
static conn *heap_pop(void) {
  conn *c = heap[0];
  heap_n--;
  if (heap_n > 0) { heap[0] = heap[heap_n]; heap[0]->heap_pos = 0; heap_down(0); }
  c->heap_pos = -1;
  return c;
}

static int in_window(uint64_t intended) { return intended >= t_measure && intended < t_end; }

/* Whether the connection still has requests to send: any before the window's end, and after the
 * window only its backlog (requests intended inside the window that are still unsent because the
 * connection fell behind; they are sent and measured during the drain). */
static int wants(const conn *c) { return !draining || c->next_intended < t_end; }

/* ------------------------------------------------------------------ socket handling */
static void conn_close(conn *c) {
  if (c->fd >= 0) { epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL); close(c->fd); }
  c->fd = -1;
  c->state = C_CLOSED;
}

/* After an error or a server close: count the request in flight (if any), reconnect soon. */
static void conn_fail(conn *c, uint64_t now, int is_timeout) {
  if (c->state == C_BUSY && in_window(c->cur_intended)) {
    errors++;
    if (is_timeout) timeouts++;
  }
  if (c->state == C_CONNECTING && in_window(now)) connect_errors++;
  conn_close(c);
  reconnects++;
  if (!wants(c)) return;
  uint64_t when = now + 10000000ull; /* 10 ms: do not spin on a server that refuses */
  heap_push(c, c->next_intended > when ? c->next_intended : when);
}

static void conn_connect(conn *c, uint64_t now) {
  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) { perror("openloop: socket"); exit(1); }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->fd = fd;
  c->state = C_CONNECTING;
  c->events = EPOLLIN | EPOLLOUT | EPOLLRDHUP; /* level-triggered: one read per event suffices */
  struct epoll_event ev = {.events = c->events, .data.ptr = c};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) { perror("openloop: epoll_ctl"); exit(1); }
  if (connect(fd, (struct sockaddr *)&addr, addrlen) < 0 && errno != EINPROGRESS) conn_fail(c, now, 0);
}

/* Watches EPOLLOUT only while connecting or while a request is partly written. */
static void conn_watch(conn *c, uint32_t events) {
  if (c->events == events) return;
  c->events = events;
  struct epoll_event ev = {.events = events, .data.ptr = c};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_write(conn *c, uint64_t now) {
  while (c->wpos < request_len) {
    ssize_t n = write(c->fd, request + c->wpos, request_len - c->wpos);
    if (n > 0) { c->wpos += (size_t)n; continue; }
    if (n < 0 && errno == EAGAIN) { conn_watch(c, EPOLLIN | EPOLLOUT | EPOLLRDHUP); return; }
    if (n < 0 && errno == EINTR) continue;
    conn_fail(c, now, 0);
    return;
  }
  conn_watch(c, EPOLLIN | EPOLLRDHUP);
}

static void conn_send(conn *c, uint64_t now) {
  c->cur_intended = c->next_intended;
  c->seq += (uint64_t)nconns;
  c->next_intended = t_start + (uint64_t)((double)c->seq * 1e9 / rate);
  c->sent_at = now;
  c->state = C_BUSY;
  c->wpos = 0;
  c->pstate = P_HEAD;
  c->hlen = 0;
  c->status = 0;
  c->close_after = 0;
  conn_write(c, now);
}

/* The connection is free: send now if its next request is due, else wait for its time. */
static void conn_ready(conn *c, uint64_t now) {
  c->state = C_IDLE;
  if (!wants(c)) return;
  if (c->next_intended <= now) conn_send(c, now);
  else heap_push(c, c->next_intended);
}

static void response_done(conn *c, uint64_t now) {
  if (in_window(c->cur_intended)) {
    hist_record(now - c->cur_intended);
    if (c->status < 200 || c->status > 299) non2xx++;
  }
  if (now >= t_measure && now < t_end) completed_in_window++;
  if (c->close_after) {
    conn_close(c);
    reconnects++;
    if (wants(c)) heap_push(c, c->next_intended);
  } else {
    conn_ready(c, now);
  }
}

static int header_is(const char *line, size_t len, const char *name) {
  size_t n = strlen(name);
  return len > n && strncasecmp(line, name, n) == 0 && line[n] == ':';
}

static int contains_token(const char *s, size_t len, const char *tok) {
  size_t n = strlen(tok);
  for (size_t i = 0; i + n <= len; i++)
    if (strncasecmp(s + i, tok, n) == 0) return 1;
  return 0;
}

/* Parses the response head in c->head (hlen bytes, ends with CRLFCRLF). Returns 0 or -1. */
static int parse_head(conn *c) {
  char *p = c->head, *end = c->head + c->hlen;
  char *eol = memchr(p, '\n', (size_t)(end - p));
  if (!eol || c->hlen < 12 || strncmp(p, "HTTP/1.", 7) != 0) return -1;
  c->status = atoi(p + 9);
  int http10 = p[7] == '0';
  int keep_alive = 0, have_len = 0, chunked = 0;
  uint64_t len = 0;
  for (p = eol + 1; p < end; p = eol + 1) {
    eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) break;
    size_t l = (size_t)(eol - p);
    if (l > 0 && p[l - 1] == '\r') l--;
    if (l == 0) break;
    if (header_is(p, l, "content-length")) { len = strtoull(p + 15, NULL, 10); have_len = 1; }
    else if (header_is(p, l, "transfer-encoding")) chunked = contains_token(p, l, "chunked");
    else if (header_is(p, l, "connection")) {
      if (contains_token(p, l, "close")) c->close_after = 1;
      if (contains_token(p, l, "keep-alive")) keep_alive = 1;
    }
  }
  if (http10 && !keep_alive) c->close_after = 1;
  if (c->status == 204 || c->status == 304 || (c->status >= 100 && c->status < 200)) {
    c->pstate = P_BODY_LEN; c->remaining = 0;
  } else if (chunked) {
    c->pstate = P_CHUNK_SIZE; c->line_len = 0; c->remaining = 0;
  } else if (have_len) {
    c->pstate = P_BODY_LEN; c->remaining = len;
  } else {
    c->pstate = P_BODY_CLOSE; c->close_after = 1;
  }
  return 0;
}

/* Feeds n bytes to the parser. Returns bytes consumed up to the end of the response, with *done
 * set when it completed; -1 on a protocol error. */
static ssize_t parse(conn *c, const char *buf, size_t n, int *done) {
  size_t i = 0;
  *done = 0;
  while (i < n) {
    switch (c->pstate) {
    case P_HEAD: {
      size_t take = n - i;
      if (c->hlen + take > HEAD_MAX) take = HEAD_MAX - c->hlen;
      if (take == 0) return -1;
      size_t from = c->hlen >= 3 ? c->hlen - 3 : 0;
      memcpy(c->head + c->hlen, buf + i, take);
      c->hlen += take;
      char *hit = memmem(c->head + from, c->hlen - from, "\r\n\r\n", 4);
      if (!hit) { i += take; break; }
      size_t head_len = (size_t)(hit - c->head) + 4;
      i += take - (c->hlen - head_len); /* bytes past the head go back to the body states */
      c->hlen = head_len;
      if (parse_head(c) < 0) return -1;
      if (c->status >= 100 && c->status < 200) { c->pstate = P_HEAD; c->hlen = 0; break; } /* interim */
      if (c->pstate == P_BODY_LEN && c->remaining == 0) { *done = 1; return (ssize_t)i; }
      break;
    }
    case P_BODY_LEN: {
      uint64_t take = n - i < c->remaining ? n - i : c->remaining;
      i += take; c->remaining -= take;
      if (c->remaining == 0) { *done = 1; return (ssize_t)i; }
      break;
    }
    case P_BODY_CLOSE:
      i = n;
      break;
    case P_CHUNK_SIZE: {
      char ch = buf[i++];
      if (ch == '\n') {
        if (c->remaining == 0) { c->pstate = P_TRAILER; c->line_len = 0; }
        else c->pstate = P_CHUNK_DATA;
      } else if (c->line_len >= 0) {
        int d = (ch >= '0' && ch <= '9') ? ch - '0' : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
              : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10 : -1;
        if (d >= 0) { c->remaining = c->remaining * 16 + (uint64_t)d; c->line_len++; }
        else if (ch != '\r') c->line_len = -1; /* chunk extension: ignore the rest of the line */
        if (c->line_len > 15) return -1;
      }
      break;
    }
    case P_CHUNK_DATA: {
      uint64_t take = n - i < c->remaining ? n - i : c->remaining;
      i += take; c->remaining -= take;
      if (c->remaining == 0) { c->pstate = P_CHUNK_CRLF; c->line_len = 0; }
      break;
    }
    case P_CHUNK_CRLF:
      if (buf[i++] == '\n') { c->pstate = P_CHUNK_SIZE; c->line_len = 0; c->remaining = 0; }
      break;
    case P_TRAILER: {
      char ch = buf[i++];
      if (ch == '\n') {
        if (c->line_len == 0) { *done = 1; return (ssize_t)i; }
        c->line_len = 0;
      } else if (ch != '\r') c->line_len++;
      break;
    }
    }
  }
  return (ssize_t)i;
}

static char rbuf[256 * 1024];

static void conn_readable(conn *c, uint64_t now) {
  for (;;) {
    ssize_t n = read(c->fd, rbuf, sizeof rbuf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    int more = n == (ssize_t)sizeof rbuf; /* level-triggered: read again only if the buffer filled */
    if (n <= 0) {
      /* EOF or error: completes a close-delimited body; otherwise a keep-alive close or a failure. */
      if (n == 0 && c->state == C_BUSY && c->pstate == P_BODY_CLOSE) {
        response_done(c, now);
        if (c->fd >= 0) conn_close(c);
        return;
      }
      if (c->state == C_BUSY) { conn_fail(c, now, 0); return; }
      conn_close(c); /* idle connection closed by the server: reopen at its next send time */
      reconnects++;
      if (wants(c)) heap_push(c, c->next_intended);
      return;
    }
    if (c->state != C_BUSY) { if (more) continue; return; } /* unexpected bytes on an idle connection */
    int done = 0;
    ssize_t used = parse(c, rbuf, (size_t)n, &done);
    if (used < 0) { conn_fail(c, now, 0); return; }
    if (done) {
      response_done(c, now);
      if (c->fd < 0) return; /* closed (Connection: close); its events are gone */
    }
    if (!more) return;
  }
}

static void conn_event(conn *c, uint32_t events, uint64_t now) {
  if (c->state == C_CONNECTING) {
    if (events & (EPOLLERR | EPOLLHUP)) { conn_fail(c, now, 0); return; }
    if (events & EPOLLOUT) {
      int err = 0; socklen_t el = sizeof err;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
      if (err) { conn_fail(c, now, 0); return; }
      conn_watch(c, EPOLLIN | EPOLLRDHUP);
      conn_ready(c, now);
      if (c->fd < 0) return;
    }
  }
  if (c->state == C_BUSY && (events & EPOLLOUT) && c->wpos < request_len) conn_write(c, now);
  if (c->fd >= 0 && (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))) conn_readable(c, now);
}

/* Waits for events until the next send time (at most 100 ms): epoll_pwait2's timeout has nanosecond
 * resolution; without it (kernels before 5.11) a timerfd armed at the heap's top wakes epoll_wait. */
static int wait_events(struct epoll_event *evs, int max, uint64_t now);

static void arm_timer(void) {
  static uint64_t armed = UINT64_MAX;
  uint64_t when = heap_n ? heap[0]->wake : 0;
  if (when == armed) return;
  struct itimerspec its = {0};
  if (when) { its.it_value.tv_sec = (time_t)(when / 1000000000ull); its.it_value.tv_nsec = (long)(when % 1000000000ull); }
  timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
  armed = when;
}

/* ------------------------------------------------------------------ setup */
static void usage(void) {
  fprintf(stderr,
          "usage: openloop -R RATE [-c CONNECTIONS] [-d SECONDS] [-W WARMUP_S] [-T TIMEOUT_S]\n"
          "                [-H 'Name: value']... [-m METHOD] [-b BODY_BYTES] http://HOST[:PORT][/PATH]\n");
  exit(2);
}

static int wait_events(struct epoll_event *evs, int max, uint64_t now) {
  uint64_t wait = 100000000ull;
  if (heap_n) wait = heap[0]->wake > now ? heap[0]->wake - now : 0;
  if (wait > 100000000ull) wait = 100000000ull;
  if (have_pwait2) {
    struct timespec ts = {.tv_sec = (time_t)(wait / 1000000000ull), .tv_nsec = (long)(wait % 1000000000ull)};
    int n = epoll_pwait2(epfd, evs, max, &ts, NULL);
    if (n >= 0 || errno != ENOSYS) return n < 0 ? 0 : n;
    have_pwait2 = 0;
    tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct epoll_event tev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &tev);
  }
  arm_timer();
  int n = epoll_wait(epfd, evs, max, 100);
  return n < 0 ? 0 : n;
}

int main(int argc, char **argv) {
  const char *method = "GET";
  long body_bytes = -1;
  char headers[8192] = "";
  int opt;
  signal(SIGPIPE, SIG_IGN);
  while ((opt = getopt(argc, argv, "R:c:d:W:T:H:m:b:h")) != -1) {
    switch (opt) {
    case 'R': rate = atof(optarg); break;
    case 'c': nconns = atoi(optarg); break;
    case 'd': duration_s = atof(optarg); break;
    case 'W': warmup_s = atof(optarg); break;
    case 'T': timeout_s = atof(optarg); break;
    case 'm': method = optarg; break;
    case 'b': body_bytes = atol(optarg); break;
    case 'H':
      if (strlen(headers) + strlen(optarg) + 3 >= sizeof headers) { fprintf(stderr, "openloop: headers too long\n"); return 2; }
      strcat(headers, optarg); strcat(headers, "\r\n");
      break;
    default: usage();
    }
  }
  if (optind != argc - 1 || rate <= 0 || nconns < 1 || duration_s <= 0 || warmup_s < 0 || timeout_s <= 0) usage();

  /* URL */
  const char *url = argv[optind];
  if (strncmp(url, "http://", 7) != 0) { fprintf(stderr, "openloop: only http:// URLs\n"); return 2; }
  const char *hp = url + 7, *slash = strchr(hp, '/');
  char host[256], port[16] = "80";
  size_t hl = slash ? (size_t)(slash - hp) : strlen(hp);
  if (hl == 0 || hl >= sizeof host) usage();
  memcpy(host, hp, hl); host[hl] = 0;
  char hostport[300];
  snprintf(hostport, sizeof hostport, "%s", host);
  char *colon = strrchr(host, ':');
  if (colon) { snprintf(port, sizeof port, "%s", colon + 1); *colon = 0; }
  const char *path = slash ? slash : "/";
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
  int gai = getaddrinfo(host, port, &hints, &ai);
  if (gai) { fprintf(stderr, "openloop: %s: %s\n", host, gai_strerror(gai)); return 2; }
  memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
  addrlen = ai->ai_addrlen;
  freeaddrinfo(ai);

  /* The request, built once. */
  size_t cap = 1024 + strlen(path) + strlen(headers) + (body_bytes > 0 ? (size_t)body_bytes : 0);
  request = malloc(cap);
  int hn = snprintf(request, cap, "%s %s HTTP/1.1\r\nHost: %s\r\n%s", method, path, hostport, headers);
  if (body_bytes >= 0) hn += snprintf(request + hn, cap - (size_t)hn, "Content-Length: %ld\r\n", body_bytes);
  hn += snprintf(request + hn, cap - (size_t)hn, "\r\n");
  request_len = (size_t)hn;
  if (body_bytes > 0) { memset(request + request_len, 'x', (size_t)body_bytes); request_len += (size_t)body_bytes; }

  conns = calloc((size_t)nconns, sizeof *conns);
  heap = calloc((size_t)nconns, sizeof *heap);
  epfd = epoll_create1(EPOLL_CLOEXEC);

  period_ns = (uint64_t)(1e9 * nconns / rate);
  if (period_ns == 0) period_ns = 1;
  uint64_t t0 = now_ns();
  t_start = t0 + 200000000ull; /* connections are opened during the first 200 ms */
  t_measure = t_start + (uint64_t)(warmup_s * 1e9);
  t_end = t_measure + (uint64_t)(duration_s * 1e9);
  for (int i = 0; i < nconns; i++) {
    conn *c = &conns[i];
    c->fd = -1;
    c->heap_pos = -1;
    c->seq = (uint64_t)i; /* staggered: together the connections send at rate R */
    c->next_intended = t_start + (uint64_t)((double)c->seq * 1e9 / rate);
    conn_connect(c, t0);
  }

  struct epoll_event evs[256];
  uint64_t last_timeout_scan = t0, drain_deadline = 0;
  for (;;) {
    uint64_t now = now_ns();
    if (!draining && now >= t_end) {
      draining = 1;
      drain_deadline = now + (uint64_t)(timeout_s * 1e9);
      /* Keep only the connections with a backlog from inside the window. */
      int keep = 0;
      conn *kept[heap_n > 0 ? heap_n : 1];
      while (heap_n) { conn *c = heap_pop(); if (wants(c)) kept[keep++] = c; }
      for (int i = 0; i < keep; i++) heap_push(kept[i], kept[i]->wake);
    }
    if (draining) {
      int pending = 0;
      for (int i = 0; i < nconns; i++) pending += conns[i].state == C_BUSY || wants(&conns[i]);
      if (pending == 0 || now >= drain_deadline) {
        for (int i = 0; i < nconns; i++) {
          conn *c = &conns[i];
          if (c->state == C_BUSY && in_window(c->cur_intended)) { errors++; timeouts++; }
          /* Intended requests of the window never sent before the deadline. */
          uint64_t from = c->next_intended > t_measure ? c->next_intended : t_measure;
          if (from < t_end) unsent += (t_end - from + period_ns - 1) / period_ns;
        }
        break;
      }
    }
    while (heap_n && heap[0]->wake <= now) {
      conn *c = heap_pop();
      if (c->fd < 0) conn_connect(c, now);
      else if (c->state == C_IDLE) {
        /* The generator's own lateness: this connection was free and waiting for its time. */
        if (now > c->next_intended && now - c->next_intended > max_send_lag && in_window(c->next_intended))
          max_send_lag = now - c->next_intended;
        conn_send(c, now);
      }
    }
    int n = wait_events(evs, 256, now);
    now = now_ns();
    for (int i = 0; i < n; i++) {
      if (evs[i].data.ptr == NULL) { uint64_t x; while (read(tfd, &x, sizeof x) > 0) {} continue; }
      conn *c = evs[i].data.ptr;
      if (c->fd < 0) continue;
      conn_event(c, evs[i].events, now);
    }
    if (now - last_timeout_scan > 100000000ull) {
      last_timeout_scan = now;
      uint64_t limit = (uint64_t)(timeout_s * 1e9);
      for (int i = 0; i < nconns; i++)
        if (conns[i].state == C_BUSY && now - conns[i].sent_at > limit) conn_fail(&conns[i], now, 1);
    }
  }

  double achieved = (double)completed_in_window / duration_s;
  double mean = hist_count ? (double)(hist_sum / hist_count) / 1e6 : NAN;
  printf("openloop target_rps=%.1f achieved_rps=%.1f completed=%llu errors=%llu non2xx=%llu timeouts=%llu"
         " unsent=%llu connect_errors=%llu reconnects=%llu p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f"
         " max_ms=%.3f mean_ms=%.3f max_send_lag_ms=%.3f connections=%d duration_s=%.1f warmup_s=%.1f\n",
         rate, achieved, (unsigned long long)hist_count, (unsigned long long)errors, (unsigned long long)non2xx,
         (unsigned long long)timeouts, (unsigned long long)unsent, (unsigned long long)connect_errors,
         (unsigned long long)reconnects, hist_percentile_ms(50), hist_percentile_ms(90), hist_percentile_ms(99),
         hist_percentile_ms(99.9), (double)hist_max / 1e6, mean, (double)max_send_lag / 1e6, nconns, duration_s,
         warmup_s);
  fprintf(stderr, "openloop: %s at %.0f req/s over %d connections for %.1f s (+%.1f s warm-up): achieved %.0f req/s, "
          "p50 %.3f ms, p99 %.3f ms, max %.3f ms, errors %llu, non-2xx %llu, unsent %llu\n",
          url, rate, nconns, duration_s, warmup_s, achieved, hist_percentile_ms(50), hist_percentile_ms(99),
          (double)hist_max / 1e6, (unsigned long long)errors, (unsigned long long)non2xx, (unsigned long long)unsent);
  return 0;
}
