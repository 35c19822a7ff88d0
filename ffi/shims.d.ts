/** Shared objects imported with `{ type: "file" }` resolve to a path that `dlopen` accepts. */
declare module "*.so" {
  const path: string;
  export default path;
}
