/**
 * Hidden roles of the parallax executable: the same program re-spawned as a helper process
 * (an isolated element host, say). Each role is registered by the subsystem that needs it.
 */
import { stderr } from "./output.ts";

export type RoleMain = (args: string[]) => Promise<number>;

const roles = new Map<string, RoleMain>();

export function registerRole(name: string, main: RoleMain): void {
  roles.set(name, main);
}

export async function roleMain(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  const r = name ? roles.get(name) : undefined;
  if (!r) {
    stderr.write(`unknown role "${name}"\n`);
    return 2;
  }
  return r(rest);
}
