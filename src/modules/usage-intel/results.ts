/** How the usage intelligence reports round and order what they return. */

/** Averages and percentages carry two decimals. */
export const round2 = (value: number): number => Math.round(value * 100) / 100

/** Code-unit order: the same on every machine, unlike localeCompare. */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Segments with the most first, then by value, so that results come in a stable order. */
export const largestSegmentFirst = <T>(
  entries: Iterable<[string, T]>,
  size: (value: T) => number,
): [string, T][] => [...entries].sort(([a, va], [b, vb]) => size(vb) - size(va) || compareText(a, b))

/** One result per segment; with a sub-segmentation, its sub-segments as children. */
export interface SegmentNode<T> {
  segment: string
  value: T
  children?: { segment: string; value: T }[]
}

/**
 * Results from figures per segment and sub-segment (`''` without a sub-segmentation): a segment's
 * value combines its sub-segments' (each client has one segment and one sub-segment, so counts of
 * clients add up). Largest first at both levels.
 */
export function segmentTree<T>(
  leaves: Iterable<[segment: string, subSegment: string, value: T]>,
  combine: (values: T[]) => T,
  size: (value: T) => number,
  nested: boolean,
): SegmentNode<T>[] {
  const bySegment = new Map<string, Map<string, T>>()
  for (const [segment, subSegment, value] of leaves) {
    let subs = bySegment.get(segment)
    if (!subs) bySegment.set(segment, (subs = new Map()))
    subs.set(subSegment, value)
  }
  const nodes = [...bySegment.entries()].map(([segment, subs]): SegmentNode<T> => {
    const value = combine([...subs.values()])
    if (!nested) return { segment, value }
    const children = largestSegmentFirst(subs, size).map(([sub, v]) => ({ segment: sub, value: v }))
    return { segment, value, children }
  })
  return largestSegmentFirst(
    nodes.map((node) => [node.segment, node] as [string, SegmentNode<T>]),
    (node) => size(node.value),
  ).map(([, node]) => node)
}
