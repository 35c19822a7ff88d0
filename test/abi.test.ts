/**
 * ABI: every layout and constant that TypeScript hard-codes for a C shim is checked here
 * against the shim's own getters (sizeof/offsetof/#define values as the compiler saw them).
 * A mismatch means a wrapper reads or writes the wrong bytes: fix the TS constant (or the C
 * struct) before anything else.
 */
import { describe, expect, test } from "bun:test";
import * as fdpass from "../ffi/fdpass.ts";
import * as memfd from "../ffi/memfd.ts";
import * as uring from "../ffi/uring.ts";
import * as sandbox from "../ffi/sandbox.ts";
import * as videoconvert from "../ffi/videoconvert.ts";
import { openShim } from "../ffi/lib.ts";

/** The TS side's constants, widened to plain numbers for comparison with the C getters. */
function ts(layout: object): Record<string, number> {
  return layout as Record<string, number>;
}

describe("memfd shim", () => {
  test("seal and protection constants", () => {
    const r = memfd.raw;
    expect(ts(memfd.Seal)).toEqual({
      SEAL: r.px_memfd_const_seal_seal(),
      SHRINK: r.px_memfd_const_seal_shrink(),
      GROW: r.px_memfd_const_seal_grow(),
      WRITE: r.px_memfd_const_seal_write(),
    });
    expect(ts(memfd.Prot)).toEqual({ READ: r.px_memfd_const_prot_read(), WRITE: r.px_memfd_const_prot_write() });
  });
});

describe("fdpass shim", () => {
  const r = fdpass.raw;
  test("struct px_recv_info", () => {
    expect(ts(fdpass.RECV_INFO)).toEqual({ size: r.px_recv_info_size(), nfds: r.px_recv_info_nfds_offset(), flags: r.px_recv_info_flags_offset() });
  });
  test("limits", () => {
    expect(fdpass.MAX_FDS).toBe(r.px_fdpass_max_fds());
    expect(fdpass.SUN_PATH_MAX).toBe(r.px_sun_path_max());
  });
  test("flag constants", () => {
    expect(ts(fdpass.Msg)).toEqual({ TRUNC: r.px_fdpass_const_msg_trunc(), CTRUNC: r.px_fdpass_const_msg_ctrunc(), DONTWAIT: r.px_fdpass_const_msg_dontwait() });
    expect(ts(fdpass.Poll)).toEqual({ IN: r.px_fdpass_const_pollin(), OUT: r.px_fdpass_const_pollout(), ERR: r.px_fdpass_const_pollerr(), HUP: r.px_fdpass_const_pollhup() });
    expect(ts(fdpass.Efd)).toEqual({ NONBLOCK: r.px_fdpass_const_efd_nonblock(), SEMAPHORE: r.px_fdpass_const_efd_semaphore() });
  });
});

describe("uring shim", () => {
  const r = uring.raw;
  test("struct px_cqe", () => {
    expect(ts(uring.CQE)).toEqual({
      size: r.px_uring_cqe_size(),
      userData: r.px_uring_cqe_user_data_offset(),
      res: r.px_uring_cqe_res_offset(),
      flags: r.px_uring_cqe_flags_offset(),
    });
  });
  test("struct px_io", () => {
    expect(ts(uring.IO)).toEqual({
      size: r.px_uring_io_size(),
      addr: r.px_uring_io_addr_offset(),
      offset: r.px_uring_io_offset_offset(),
      userData: r.px_uring_io_user_data_offset(),
      fd: r.px_uring_io_fd_offset(),
      len: r.px_uring_io_len_offset(),
      op: r.px_uring_io_op_offset(),
      rwFlags: r.px_uring_io_rw_flags_offset(),
    });
  });
  test("operation codes", () => {
    expect(ts(uring.Op)).toEqual({ READ: r.px_uring_const_op_read(), WRITE: r.px_uring_const_op_write() });
    expect(ts(uring.Sqe)).toEqual({ ASYNC: r.px_uring_const_iosqe_async() });
  });
});

describe("sandbox shim", () => {
  const r = sandbox.raw;
  test("limits and constants", () => {
    expect(sandbox.MAX_RULES).toBe(r.px_sandbox_max_rules());
    expect(ts(sandbox.Rlimit)).toEqual({
      CPU: r.px_sandbox_const_rlimit_cpu(),
      FSIZE: r.px_sandbox_const_rlimit_fsize(),
      NPROC: r.px_sandbox_const_rlimit_nproc(),
      NOFILE: r.px_sandbox_const_rlimit_nofile(),
      MEMLOCK: r.px_sandbox_const_rlimit_memlock(),
      CORE: r.px_sandbox_const_rlimit_core(),
    });
    expect(ts(sandbox.Af)).toEqual({ UNIX: r.px_sandbox_const_af_unix(), INET: r.px_sandbox_const_af_inet() });
    expect(ts(sandbox.Sock)).toEqual({ STREAM: r.px_sandbox_const_sock_stream(), DGRAM: r.px_sandbox_const_sock_dgram() });
    expect(ts(sandbox.Pr)).toEqual({ SET_PDEATHSIG: r.px_sandbox_const_pr_set_pdeathsig(), SET_NAME: r.px_sandbox_const_pr_set_name(), GET_SECCOMP: r.px_sandbox_const_pr_get_seccomp() });
    expect(ts(sandbox.O)).toEqual({
      RDONLY: r.px_sandbox_const_o_rdonly(),
      WRONLY: r.px_sandbox_const_o_wronly(),
      CREAT: r.px_sandbox_const_o_creat(),
      TRUNC: r.px_sandbox_const_o_trunc(),
      APPEND: r.px_sandbox_const_o_append(),
    });
  });
});

describe("videoconvert shim", () => {
  test("fields of the planes, coefficient and matrix arrays", () => {
    // Opened directly: videoconvertShim() would fall back to JS on a mismatch instead of failing.
    const r = openShim("videoconvert", videoconvert.SYMBOLS);
    expect(r.px_vc_const_nplanes()).toBe(videoconvert.I420_PLANE_FIELDS);
    expect(r.px_vc_const_ncoef()).toBe(videoconvert.COEF_FIELDS);
    expect(r.px_vc_const_nplanes_rgb()).toBe(videoconvert.RGB_PLANE_FIELDS);
    expect(r.px_vc_const_nmatrix()).toBe(videoconvert.MATRIX_FIELDS);
  });
});
