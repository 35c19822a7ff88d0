/**
 * The transform elements of catalog I (issue 6): function elements for the TypeScript API
 * (map, filter, filter-map, flat-map), batching, byte-level buffer operations, numbering and
 * timestamps, metadata, and sampling/deduplication/regex filters.
 */
import type { ElementClass } from "../../src/graph/element.ts";
import { Batch } from "./batch.ts";
import { ConcatBytes } from "./concat-bytes.ts";
import { DuplicateFilter } from "./duplicate-filter.ts";
import { FilterElement } from "./filter.ts";
import { FilterMapElement } from "./filter-map.ts";
import { FlatMapElement } from "./flat-map.ts";
import { Join } from "./join.ts";
import { MapElement } from "./map.ts";
import { MetaExtract } from "./meta-extract.ts";
import { MetaInject } from "./meta-inject.ts";
import { PadBytes } from "./pad.ts";
import { RegexFilter } from "./regex-filter.ts";
import { SampleFilter } from "./sample-filter.ts";
import { Sequence } from "./sequence.ts";
import { Slice } from "./slice.ts";
import { Split } from "./split.ts";
import { Timestamper } from "./timestamper.ts";
import { Trim } from "./trim.ts";
import { Unbatch } from "./unbatch.ts";

export const transformElements: ElementClass[] = [
  MapElement,
  FilterElement,
  FilterMapElement,
  FlatMapElement,
  Batch,
  Unbatch,
  Trim,
  Slice,
  PadBytes,
  Split,
  Join,
  ConcatBytes,
  Sequence,
  Timestamper,
  MetaInject,
  MetaExtract,
  SampleFilter,
  DuplicateFilter,
  RegexFilter,
];

export {
  Batch,
  ConcatBytes,
  DuplicateFilter,
  FilterElement,
  FilterMapElement,
  FlatMapElement,
  Join,
  MapElement,
  MetaExtract,
  MetaInject,
  PadBytes,
  RegexFilter,
  SampleFilter,
  Sequence,
  Slice,
  Split,
  Timestamper,
  Trim,
  Unbatch,
};
export type { FilterFn } from "./filter.ts";
export type { FilterMapFn } from "./filter-map.ts";
export type { FlatMapFn } from "./flat-map.ts";
export type { MapFn } from "./map.ts";
export type { MetaCallback } from "./meta-extract.ts";
