import { describe, expect, test } from "bun:test";
import { check, Errno, ErrnoError, errnoName, isErrno } from "./errno.ts";

describe("ErrnoError", () => {
  test("check passes values through and throws a typed error for -errno", () => {
    expect(check("noop", 0)).toBe(0);
    expect(check("read", 42)).toBe(42);
    let caught: unknown;
    try {
      check("open(/nope)", -Errno.ENOENT);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ErrnoError);
    const err = caught as ErrnoError;
    expect(err.errno).toBe(2);
    expect(err.code).toBe("ENOENT");
    expect(err.call).toBe("open(/nope)");
    expect(err.message).toContain("open(/nope) failed: ENOENT");
    expect(isErrno(err, "ENOENT")).toBe(true);
    expect(isErrno(err, "EPERM")).toBe(false);
  });

  test("names match the Linux errno table", () => {
    for (const [name, value] of Object.entries(Errno)) expect(errnoName(value)).toBe(name);
    expect(errnoName(99999)).toBe("E99999");
  });
});
