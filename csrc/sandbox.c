/*
 * sandbox shim: what an isolated element host does to itself once it is set up, so that the
 * element code it then runs has no more authority than the supervisor granted it.
 *
 *   - prctl(PR_SET_NO_NEW_PRIVS): no exec can ever raise privileges again (and seccomp needs it);
 *   - a seccomp filter built from an allowlist of system call numbers, installed with
 *     SECCOMP_FILTER_FLAG_TSYNC so every thread of the (multithreaded) Bun process gets it;
 *     anything not listed fails with EPERM (never KILL: Bun opens /proc/self/statm now and then
 *     and must survive the refusal); a short list may fail with ENOSYS instead (clone3, so glibc
 *     falls back to clone, whose flags a classic BPF filter can inspect), clone can be
 *     restricted to new threads (CLONE_THREAD set), so the host cannot fork, and a few calls
 *     (ioctl, prctl) can be allowed only for listed values of one argument (TCGETS but not
 *     TIOCSTI; PR_SET_NAME but not PR_SET_PDEATHSIG);
 *   - setrlimit/getrlimit;
 *   - raw probes (socket, openat) that tests and diagnostics use to observe the filter without
 *     going through Bun's own error mapping (Bun reports a refused socket() as ECONNREFUSED).
 *
 * Thin by design: each function is one system call (the filter builder only lays out the BPF
 * program the kernel then runs), returns 0 or a value on success and -errno on failure. System
 * call numbers come from this file's table (px_sandbox_syscall_nr), compiled against the
 * machine's <sys/syscall.h>, so TypeScript never hard-codes them. ffi/sandbox.ts is the binding.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "the sandbox shim is written for x86-64 (AUDIT_ARCH_X86_64 and its system call table)"
#endif

/* Most entries one filter accepts in each list (the BPF program stays far below BPF_MAXINSNS). */
#define PX_SANDBOX_MAX_RULES 512
/* x32 system calls have this bit set; they are refused like any unlisted call. */
#define PX_X32_SYSCALL_BIT 0x40000000

/* Sets PR_SET_NO_NEW_PRIVS. Returns 0 or -errno. */
int px_sandbox_no_new_privs(void) {
  return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : 0;
}

/* PR_GET_NO_NEW_PRIVS: 1 or 0, or -errno. */
int px_sandbox_get_no_new_privs(void) {
  int r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  return r < 0 ? -errno : r;
}

/* PR_GET_SECCOMP: 0 (none), 2 (filter). A process in mode 1 (strict) would be killed by the
 * call, so that never returns. Returns the mode or -errno. */
int px_sandbox_get_seccomp(void) {
  int r = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
  return r < 0 ? -errno : r;
}

/*
 * Installs a seccomp filter, for every thread of the process (TSYNC):
 *   - a call from another architecture is refused with EPERM, as is any x32 call;
 *   - each number in enosys[0..n_enosys) fails with ENOSYS;
 *   - when clone_thread_only is non-zero, clone is allowed only with CLONE_THREAD in its flags
 *     (a new thread, not a new process) and otherwise fails with EPERM;
 *   - arg_rules[0..3*n_arg_rules) are triples (nr, argument index 0..5, value): a call to nr is
 *     allowed when the low 32 bits of that argument equal one of the values given for it, and
 *     fails with EPERM otherwise; the triples of one nr must be adjacent and use one index;
 *   - each number in allow[0..n_allow) is allowed;
 *   - everything else fails with EPERM.
 * Requires no_new_privs (or CAP_SYS_ADMIN). Returns 0, -errno, or -ESRCH when TSYNC could not
 * synchronise a thread (the kernel then names it by tid; we report only that it happened).
 */
int px_sandbox_seccomp_install(const int32_t *allow, int n_allow, const int32_t *enosys, int n_enosys,
                               int clone_thread_only, const int32_t *arg_rules, int n_arg_rules) {
  if (n_allow < 0 || n_allow > PX_SANDBOX_MAX_RULES || n_enosys < 0 || n_enosys > PX_SANDBOX_MAX_RULES ||
      n_arg_rules < 0 || n_arg_rules > PX_SANDBOX_MAX_RULES)
    return -EINVAL;
  /* Worst case: 2 per ENOSYS entry, 5 per argument rule, 2 per allowed call, plus the fixed parts. */
  struct sock_filter prog[16 + 2 * PX_SANDBOX_MAX_RULES + 5 * PX_SANDBOX_MAX_RULES + 2 * PX_SANDBOX_MAX_RULES];
  unsigned n = 0;
  const uint32_t deny = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
  /* Architecture check first: syscall numbers mean nothing for another ABI. */
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, deny);
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, PX_X32_SYSCALL_BIT, 0, 1);
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, deny);
  for (int i = 0; i < n_enosys; i++) {
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)enosys[i], 0, 1);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
  }
  if (clone_thread_only) {
    /* if (nr == clone) { A = low word of flags; return (A & CLONE_THREAD) ? ALLOW : EPERM; } */
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, deny);
  }
  for (int i = 0; i < n_arg_rules;) {
    /* One group: the rules for one system call. */
    int32_t nr = arg_rules[3 * i], idx = arg_rules[3 * i + 1];
    int k = 0;
    while (i + k < n_arg_rules && arg_rules[3 * (i + k)] == nr) {
      if (arg_rules[3 * (i + k) + 1] != idx) return -EINVAL;
      k++;
    }
    if (idx < 0 || idx > 5 || k > 120) return -EINVAL;
    /* if (nr == X) { A = args[idx]; if (A == v1) allow; …; deny } */
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, (uint8_t)(2 * k + 2));
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]) + 8 * idx);
    for (int j = 0; j < k; j++) {
      prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)arg_rules[3 * (i + j) + 2], 0, 1);
      prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    }
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, deny);
    i += k;
  }
  for (int i = 0; i < n_allow; i++) {
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)allow[i], 0, 1);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  }
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, deny);
  struct sock_fprog fprog = {.len = (unsigned short)n, .filter = prog};
  long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog);
  if (r < 0) return -errno;
  if (r > 0) return -ESRCH; /* TSYNC failed for thread r */
  return 0;
}

/* setrlimit(resource, {soft, hard}). Values below 0 mean RLIM_INFINITY. Returns 0 or -errno. */
int px_sandbox_setrlimit(int resource, int64_t soft, int64_t hard) {
  struct rlimit rl = {
      .rlim_cur = soft < 0 ? RLIM_INFINITY : (rlim_t)soft,
      .rlim_max = hard < 0 ? RLIM_INFINITY : (rlim_t)hard,
  };
  return setrlimit(resource, &rl) < 0 ? -errno : 0;
}

/* getrlimit: writes {soft, hard} into out[0], out[1] (-1 for RLIM_INFINITY). 0 or -errno. */
int px_sandbox_getrlimit(int resource, int64_t *out) {
  struct rlimit rl;
  if (getrlimit(resource, &rl) < 0) return -errno;
  out[0] = rl.rlim_cur == RLIM_INFINITY ? -1 : (int64_t)rl.rlim_cur;
  out[1] = rl.rlim_max == RLIM_INFINITY ? -1 : (int64_t)rl.rlim_max;
  return 0;
}

/* Raw socket(2): the new fd (the caller closes it) or -errno. A probe: EPERM under the filter. */
int px_sandbox_socket(int domain, int type, int protocol) {
  int r = socket(domain, type | SOCK_CLOEXEC, protocol);
  return r < 0 ? -errno : r;
}

/* Raw openat(AT_FDCWD, path, flags | O_CLOEXEC): the fd or -errno. A probe, like the above. */
int px_sandbox_openat(const char *path, int flags) {
  int r = openat(AT_FDCWD, path, flags | O_CLOEXEC);
  return r < 0 ? -errno : r;
}

/* Raw ioctl(fd, request, buf) with a zeroed 256-byte scratch argument: 0 or -errno. A probe. */
int px_sandbox_ioctl(int fd, uint32_t request) {
  char buf[256];
  memset(buf, 0, sizeof(buf));
  return ioctl(fd, (unsigned long)request, buf) < 0 ? -errno : 0;
}

/* Raw prctl(option, arg2): the result or -errno. A probe. */
int px_sandbox_prctl(int option, long arg2) {
  int r = prctl(option, arg2, 0, 0, 0);
  return r < 0 ? -errno : r;
}

/* The system call table TypeScript reads by name (x86-64 numbers from <sys/syscall.h>). */
#define NR(name) {#name, SYS_##name}
static const struct {
  const char *name;
  int nr;
} px_syscalls[] = {
    NR(read), NR(write), NR(open), NR(close), NR(stat), NR(fstat), NR(lstat), NR(poll), NR(lseek),
    NR(mmap), NR(mprotect), NR(munmap), NR(brk), NR(rt_sigaction), NR(rt_sigprocmask),
    NR(rt_sigreturn), NR(ioctl), NR(pread64), NR(pwrite64), NR(readv), NR(writev), NR(access),
    NR(pipe), NR(select), NR(sched_yield), NR(mremap), NR(msync), NR(mincore), NR(madvise),
    NR(dup), NR(dup2), NR(pause), NR(nanosleep), NR(getitimer), NR(alarm), NR(setitimer),
    NR(getpid), NR(sendfile), NR(socket), NR(connect), NR(accept), NR(sendto), NR(recvfrom),
    NR(sendmsg), NR(recvmsg), NR(shutdown), NR(bind), NR(listen), NR(getsockname),
    NR(getpeername), NR(socketpair), NR(setsockopt), NR(getsockopt), NR(clone), NR(fork),
    NR(vfork), NR(execve), NR(exit), NR(wait4), NR(kill), NR(uname), NR(fcntl), NR(flock),
    NR(fsync), NR(fdatasync), NR(truncate), NR(ftruncate), NR(getdents), NR(getcwd), NR(chdir),
    NR(fchdir), NR(rename), NR(mkdir), NR(rmdir), NR(creat), NR(link), NR(unlink), NR(symlink),
    NR(readlink), NR(chmod), NR(fchmod), NR(chown), NR(fchown), NR(lchown), NR(umask),
    NR(gettimeofday), NR(getrlimit), NR(getrusage), NR(sysinfo), NR(times), NR(ptrace),
    NR(getuid), NR(getgid), NR(setuid), NR(setgid), NR(geteuid), NR(getegid), NR(setpgid),
    NR(getppid), NR(getpgrp), NR(setsid), NR(getgroups), NR(setgroups), NR(getpgid), NR(getsid),
    NR(capget), NR(capset), NR(rt_sigpending), NR(rt_sigtimedwait), NR(rt_sigqueueinfo),
    NR(rt_sigsuspend), NR(sigaltstack), NR(personality), NR(statfs), NR(fstatfs),
    NR(getpriority), NR(setpriority), NR(sched_setparam), NR(sched_getparam),
    NR(sched_setscheduler), NR(sched_getscheduler), NR(sched_get_priority_max),
    NR(sched_get_priority_min), NR(mlock), NR(munlock), NR(mlockall), NR(munlockall),
    NR(prctl), NR(arch_prctl), NR(setrlimit), NR(chroot), NR(sync), NR(mount), NR(umount2),
    NR(swapon), NR(swapoff), NR(reboot), NR(sethostname), NR(init_module), NR(delete_module),
    NR(gettid), NR(readahead), NR(tkill), NR(time), NR(futex), NR(sched_setaffinity),
    NR(sched_getaffinity), NR(set_thread_area), NR(io_setup), NR(io_destroy), NR(io_getevents),
    NR(io_submit), NR(io_cancel), NR(get_thread_area), NR(epoll_create), NR(getdents64),
    NR(set_tid_address), NR(restart_syscall), NR(fadvise64), NR(timer_create),
    NR(timer_settime), NR(timer_gettime), NR(timer_getoverrun), NR(timer_delete),
    NR(clock_settime), NR(clock_gettime), NR(clock_getres), NR(clock_nanosleep),
    NR(exit_group), NR(epoll_wait), NR(epoll_ctl), NR(tgkill), NR(mbind), NR(set_mempolicy),
    NR(get_mempolicy), NR(kexec_load), NR(waitid), NR(inotify_init), NR(inotify_add_watch),
    NR(inotify_rm_watch), NR(openat), NR(mkdirat), NR(mknodat), NR(fchownat), NR(newfstatat),
    NR(unlinkat), NR(renameat), NR(linkat), NR(symlinkat), NR(readlinkat), NR(fchmodat),
    NR(faccessat), NR(pselect6), NR(ppoll), NR(unshare), NR(set_robust_list),
    NR(get_robust_list), NR(splice), NR(tee), NR(sync_file_range), NR(vmsplice),
    NR(move_pages), NR(utimensat), NR(epoll_pwait), NR(signalfd), NR(timerfd_create),
    NR(eventfd), NR(fallocate), NR(timerfd_settime), NR(timerfd_gettime), NR(accept4),
    NR(signalfd4), NR(eventfd2), NR(epoll_create1), NR(dup3), NR(pipe2), NR(inotify_init1),
    NR(preadv), NR(pwritev), NR(rt_tgsigqueueinfo), NR(perf_event_open), NR(recvmmsg),
    NR(prlimit64), NR(name_to_handle_at), NR(open_by_handle_at), NR(syncfs), NR(sendmmsg),
    NR(setns), NR(getcpu), NR(process_vm_readv), NR(process_vm_writev), NR(kcmp),
    NR(finit_module), NR(sched_setattr), NR(sched_getattr), NR(renameat2), NR(seccomp),
    NR(getrandom), NR(memfd_create), NR(bpf), NR(execveat), NR(userfaultfd), NR(membarrier),
    NR(mlock2), NR(copy_file_range), NR(preadv2), NR(pwritev2), NR(pkey_mprotect),
    NR(pkey_alloc), NR(pkey_free), NR(statx), NR(io_pgetevents), NR(rseq),
    NR(pidfd_send_signal), NR(io_uring_setup), NR(io_uring_enter), NR(io_uring_register),
    NR(open_tree), NR(move_mount), NR(fsopen), NR(fsconfig), NR(fsmount), NR(fspick),
    NR(pidfd_open), NR(clone3), NR(close_range), NR(openat2), NR(pidfd_getfd), NR(faccessat2),
    NR(process_madvise), NR(epoll_pwait2), NR(mount_setattr), NR(landlock_create_ruleset),
    NR(landlock_add_rule), NR(landlock_restrict_self), NR(memfd_secret), NR(process_mrelease),
    NR(futex_waitv),
};
#undef NR

/* The x86-64 number of the system call named `name`, or -ENOENT if this table lacks it. */
int px_sandbox_syscall_nr(const char *name) {
  for (size_t i = 0; i < sizeof(px_syscalls) / sizeof(px_syscalls[0]); i++) {
    if (strcmp(px_syscalls[i].name, name) == 0) return px_syscalls[i].nr;
  }
  return -ENOENT;
}

/* Constants ffi/sandbox.ts mirrors; checked by test/abi.test.ts. */
int px_sandbox_max_rules(void) { return PX_SANDBOX_MAX_RULES; }
int px_sandbox_const_rlimit_nofile(void) { return RLIMIT_NOFILE; }
int px_sandbox_const_rlimit_core(void) { return RLIMIT_CORE; }
int px_sandbox_const_rlimit_fsize(void) { return RLIMIT_FSIZE; }
int px_sandbox_const_rlimit_cpu(void) { return RLIMIT_CPU; }
int px_sandbox_const_rlimit_nproc(void) { return RLIMIT_NPROC; }
int px_sandbox_const_rlimit_memlock(void) { return RLIMIT_MEMLOCK; }
int px_sandbox_const_af_unix(void) { return AF_UNIX; }
int px_sandbox_const_af_inet(void) { return AF_INET; }
int px_sandbox_const_sock_stream(void) { return SOCK_STREAM; }
int px_sandbox_const_sock_dgram(void) { return SOCK_DGRAM; }
int px_sandbox_const_o_rdonly(void) { return O_RDONLY; }
int px_sandbox_const_o_wronly(void) { return O_WRONLY; }
int px_sandbox_const_o_creat(void) { return O_CREAT; }
int px_sandbox_const_o_trunc(void) { return O_TRUNC; }
int px_sandbox_const_o_append(void) { return O_APPEND; }
int px_sandbox_const_pr_set_pdeathsig(void) { return PR_SET_PDEATHSIG; }
int px_sandbox_const_pr_set_name(void) { return PR_SET_NAME; }
int px_sandbox_const_pr_get_seccomp(void) { return PR_GET_SECCOMP; }
